"""Keep executed pages fresh when ``linreg_src`` changes.

MyST-NB's execution cache (jupyter-cache) keys a page only on the text of its code cells, and
Sphinx re-reads a page only when the page's own file changes. Editing the package a page imports
would therefore re-run nothing and leave stale numbers on the site.

This extension closes the gaps, per page and no wider than needed:

1. It reads each page the build is about to read the way MyST-NB does (so only real notebooks
   count, in any format MyST-NB reads), finds the ``linreg_src`` modules its code cells import
   (IPython magics included), follows their imports inside the package, and registers every such
   file, plus the package data files beside them, with ``env.note_dependency`` -- so Sphinx
   re-reads exactly the pages whose code can change.
2. It appends a hidden code cell carrying a digest of those files, so the cell text that
   jupyter-cache hashes changes whenever they do, and the page re-executes.
3. On ``env-get-outdated`` it also re-reads every page that pastes a value from a re-read page
   with cross-document glue (``{glue:text}`page.md::key```): MyST-NB resolves those at write time
   from the other page's ``.glue.json`` and records no dependency, so the pasting page would
   otherwise keep the old number.
4. On ``config-inited`` it checks that the kernels will import this project's ``linreg_src`` --
   the files it fingerprints and the pages' ``literalinclude`` listings show -- and stops the
   build with one line saying how to fix it if not. The package is importable one way: the
   editable install every nox session makes (a copy of the project, as the slow tests and
   ``tools/bench_build.py`` build, is put first on ``PYTHONPATH`` by whoever builds it).

Each page is read through MyST-NB once per build, here, on ``env-before-read-docs``
(:func:`page`); ``source-read`` and ``linreg_parallel`` use that reading, and MyST-NB's own
parse is the only other one. Code it cannot analyse statically but that names the package
(``importlib.import_module``, ``%run``, a shell escape, a cell that does not parse) makes the page
depend on the whole package: when in doubt, re-execute. Nothing is kept in the environment except
Sphinx's own dependency records, so parallel reads are safe.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "linreg_src"
MARKER = "# linreg_src fingerprint:"
CELL_ID = "linreg-src-fingerprint"
#: Files in the package that never change what a kernel computes.
_INERT = frozenset({"py.typed"})
# Cross-document glue: roles {glue}`doc::key`, {glue:text}`doc::key:fmt`, and directives
# ```{glue:figure} doc::key (any fence of backticks, tildes or colons).
_GLUE_ROLE = re.compile(r"\{glue(?::[\w-]+)?\}`([^`:]+)::")
_GLUE_DIRECTIVE = re.compile(
    r"^[ \t]*(?:`{3,}|~{3,}|:{3,})\{glue(?::[\w-]*)?\}[ \t]+(\S+?)::", re.M
)


# -- what a piece of code imports ----------------------------------------------------------------


def _python_source(code: str) -> str:
    """``code`` with IPython syntax (magics, ``!`` escapes) turned into plain Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with ipykernel, which the build needs
        return code
    try:
        return TransformerManager().transform_cell(code)
    except Exception:  # malformed magic: let ast.parse fail on the raw text instead
        return code


def _without_cell_options(code: str) -> str:
    """A ``{code-cell}`` body without its leading options (``:tags: ...`` or a ``---`` block).

    MyST-NB's reader has removed them already; a caller passing a directive's raw body has not.
    """
    lines = code.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        return "\n".join(lines[end + 1 :]) if end is not None else code
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def imported_modules(code: str, *, current: str | None = None) -> set[str]:
    """Return the dotted ``linreg_src`` names that ``code`` imports, or may import.

    ``from linreg_src import chain`` yields ``linreg_src`` and ``linreg_src.chain`` (the caller
    keeps those that are modules); relative imports are resolved against the module ``current``.
    Code that names the package but cannot be analysed -- it does not parse, or a string such as
    ``importlib.import_module("linreg_src." + name)`` mentions it -- yields ``linreg_src.*``,
    meaning "every module of the package".

    Examples
    --------
    >>> sorted(imported_modules("from linreg_src.chain import factory_forward"))
    ['linreg_src.chain', 'linreg_src.chain.factory_forward']
    >>> sorted(imported_modules("%timeit import linreg_src.grad"))
    ['linreg_src.grad']
    >>> imported_modules("import numpy as np")
    set()
    """
    if current is None:
        code = _without_cell_options(code)
    source = _python_source(code)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {f"{PACKAGE}.*"} if PACKAGE in code else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if not current:
                    continue
                parent = current.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            if base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
        elif current is None and isinstance(node, ast.Constant) and isinstance(node.value, str):
            # Page code only: the package's own docstrings and messages name it all the time.
            found |= _modules_in_string(node.value)
    return found


def _modules_in_string(text: str) -> set[str]:
    """Modules a string constant may import: a module name, a magic's body, or anything."""
    if PACKAGE not in text:
        return set()
    name = text.strip()
    if re.fullmatch(rf"{PACKAGE}(\.\w+)*", name):  # importlib.import_module("linreg_src.x")
        return {name}
    inner = imported_modules(text)  # a magic's code, e.g. %timeit or %%time: analyse it
    if inner and f"{PACKAGE}.*" not in inner:
        return inner
    return {f"{PACKAGE}.*"}  # %run linreg_src/x.py, f-strings, shell commands: assume all


# -- the package's files ---------------------------------------------------------------------------


def _module_files(root: Path) -> dict[str, Path]:
    """Map each dotted module name of the package under ``root`` to its file."""
    files: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def _data_files(folder: Path) -> list[Path]:
    """Non-Python files a module in ``folder`` may read (``importlib.resources``, ``open``)."""
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and p.suffix not in {".py", ".pyc", ".pyo"}
        and p.name not in _INERT
        and not p.name.startswith(".")
    ]


@lru_cache(maxsize=256)
def _imports_of_file(path: str, current: str, _mtime_ns: int, _size: int) -> frozenset[str]:
    return frozenset(imported_modules(Path(path).read_text("utf-8"), current=current))


def dependency_files(code: str | Iterable[str], root: Path) -> list[Path]:
    """Files of ``linreg_src`` under ``root`` that ``code`` depends on, transitively, sorted.

    ``code`` is one piece of code or several (a page's cells). Importing a submodule also runs
    every parent package's ``__init__``; data files beside a module count as its dependencies.
    """
    files = _module_files(Path(root))
    cells = [code] if isinstance(code, str) else list(code)
    todo = [name for cell in cells for name in imported_modules(cell)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name == f"{PACKAGE}.*":
            todo.extend(files)
            continue
        if name not in files:
            name = name.rsplit(".", 1)[0]  # ``from linreg_src.chain import factory_forward``
        if name in seen or name not in files:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        path = files[name]
        stat = path.stat()
        current = f"{name}.__init__" if path.name == "__init__.py" else name
        todo.extend(_imports_of_file(str(path), current, stat.st_mtime_ns, stat.st_size))
    deps = {files[n] for n in seen}
    for folder in {p.parent for p in deps}:
        deps.update(_data_files(folder))
    return sorted(deps)


def fingerprint(paths: Iterable[Path], root: Path) -> str:
    """Digest of the files' paths (relative to ``root``) and contents."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


# -- Sphinx ---------------------------------------------------------------------------------------


def read_notebook(path: str | Path, text: str, md_config=None, nb_config=None):
    """The page as MyST-NB reads it (a ``NotebookNode``), or ``None`` if it is not a notebook.

    ``md_config`` and ``nb_config`` default to MyST's and MyST-NB's defaults.
    """
    return _read(path, text, md_config, nb_config)[0]


def _read(path: str | Path, text: str, md_config=None, nb_config=None):
    """``(notebook, read_fmt)`` as MyST-NB's reader gives them, or ``(None, None)``."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    md_config = MdParserConfig() if md_config is None else md_config
    nb_config = NbParserConfig() if nb_config is None else nb_config
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    if reader is None:
        return None, None
    try:
        return reader.read(text), reader.read_fmt
    except Exception:  # a malformed page: MyST-NB reports it when it parses the page itself
        return None, None


def code_cells(notebook) -> list[str]:
    """The sources of ``notebook``'s code cells, or none if its kernel is not Python's."""
    if notebook is None:
        return []
    if notebook.metadata.get("kernelspec", {}).get("language", "python") != "python":
        return []
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def page_dependency_files(path: str | Path, root: str | Path) -> list[Path]:
    """Files of ``linreg_src`` under ``root`` whose change re-executes the page at ``path``.

    The same rule the build applies, usable without Sphinx (e.g. by tools measuring rebuilds).
    """
    path = Path(path)
    return dependency_files(code_cells(read_notebook(path, path.read_text("utf-8"))), Path(root))


@dataclass(frozen=True)
class Page:
    """A page as the build parses it, read through MyST-NB once.

    ``source`` is the file's text; ``text`` is what Sphinx hands to MyST-NB (``source`` plus the
    fingerprint cell when the page's code imports ``linreg_src``); ``notebook`` is ``text`` as
    MyST-NB reads it (``None``: not a notebook) and ``read_fmt`` the reader's format, which
    jupyter-cache records; ``deps`` are the ``linreg_src`` files the page depends on.
    """

    path: Path
    source: str
    text: str
    notebook: Any
    read_fmt: dict | None
    deps: tuple[Path, ...]


def fingerprint_cell(deps: Iterable[Path], root: Path):
    """The hidden code cell that carries the digest of ``deps``, as MyST-NB reads it."""
    from nbformat.v4 import new_code_cell

    return new_code_cell(
        f"{MARKER} {fingerprint(deps, root)}", metadata={"tags": ["remove-cell"]}, id=CELL_ID
    )


def read_page(path: str | Path, source: str, root: str | Path, md_config=None, nb_config=None):
    """Read the page at ``path`` (its text: ``source``) once, and add its fingerprint cell.

    The cell goes into both the text (for MyST-NB) and the notebook read from the original text
    (for ``linreg_parallel``), so the page is not read a second time: ``tests/test_linreg_deps.py``
    checks that jupyter-cache sees the two as the same notebook. Only ``.md`` and ``.ipynb`` pages
    can carry the cell; any other page keeps its text (and its dependencies).
    """
    path, root = Path(path), Path(root)
    notebook, read_fmt = _read(path, source, md_config, nb_config)
    deps = tuple(dependency_files(code_cells(notebook), root))
    text = source
    if deps and path.suffix in {".md", ".ipynb"}:
        cell = fingerprint_cell(deps, root)
        if path.suffix == ".md":
            text = f"{source.rstrip()}\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n"
            text += f"{cell.source}\n```\n"
        else:  # add the cell to the JSON, keeping it a valid notebook
            data = json.loads(source)
            data["cells"].append({**cell, "metadata": {"tags": ["remove-cell"]}})
            text = json.dumps(data, ensure_ascii=False, indent=1)
        notebook.cells.append(cell)
        source_map = notebook.metadata.get("source_map")  # MyST's reader: each cell's line
        if source_map is not None and path.suffix == ".md":
            source_map.append(source.rstrip().count("\n") + 3)  # the fence, after a blank line
    return Page(path, source, text, notebook, read_fmt, deps)


#: This build's readings, by page path (``page``); emptied once Sphinx has read the pages.
_PAGES: dict[str, Page] = {}


def page(env: BuildEnvironment, docname: str, source: str | None = None) -> Page:
    """``docname`` as this build parses it, read once per build (see the module docstring).

    ``source`` is the page's text as Sphinx read it (``source-read``); a reading of other text
    (the file changed since) is not used.
    """
    path = Path(env.doc2path(docname))
    found = _PAGES.get(str(path))
    if source is None:
        if found is not None:
            return found
        source = path.read_text(env.config.source_encoding)
    if found is None or found.source != source:
        root = package_root(env.config)
        found = read_page(path, source, root, env.myst_config, env.mystnb_config)
        _PAGES[str(path)] = found
    return found


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    _PAGES.clear()
    for docname in docnames:
        try:
            page(env, docname)
        except (OSError, UnicodeDecodeError):  # Sphinx reports an unreadable page itself
            continue


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    env = app.env
    found = page(env, docname, source[0])
    if not found.deps:
        return
    root = package_root(app.config)
    for dep in found.deps:
        env.note_dependency(dep)
    logger.debug(
        "[linreg_deps] %s depends on %s",
        docname,
        ", ".join(p.relative_to(root).as_posix() for p in found.deps),
    )
    if found.path.suffix not in {".md", ".ipynb"}:
        logger.warning(
            "[linreg_deps] cannot add the linreg_src fingerprint to a %s notebook; "
            "edits to linreg_src would not re-execute it",
            found.path.suffix,
            location=docname,
        )
    source[0] = found.text


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    _PAGES.clear()


def glue_sources(text: str) -> set[str]:
    """Documents (as written, relative) that ``text`` pastes values from with cross-doc glue.

    Examples
    --------
    >>> sorted(glue_sources("梯度为 {glue:text}`chain_rule.md::hand_grad_v:g`。"))
    ['chain_rule.md']
    """
    return {m.group(1).strip() for m in _GLUE_ROLE.finditer(text)} | {
        m.group(1) for m in _GLUE_DIRECTIVE.finditer(text)
    }


def _on_env_get_outdated(
    app: Sphinx,
    env: BuildEnvironment,
    added: set[str],
    changed: set[str],
    removed: set[str],
) -> list[str]:
    rereading = added | changed
    if not rereading:
        return []
    extra = []
    for docname in sorted(env.found_docs - rereading):
        try:
            text = Path(env.doc2path(docname)).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for rel in glue_sources(text):
            _, path = env.relfn2path(rel, docname)
            if env.path2doc(path) in rereading:
                extra.append(docname)
                break
    if extra:
        logger.info("[linreg_deps] re-reading pages that paste from re-read pages: %s", extra)
    return extra


# -- where the kernels import linreg_src from ------------------------------------------------------

_WHERE = (
    "import importlib.util as u; s = u.find_spec({name!r}); "
    "print(next(iter(s.submodule_search_locations), '') if s and s.submodule_search_locations "
    "else '')"
)


def kernel_package_dir(cwd: str | Path, name: str = PACKAGE) -> Path | None:
    """The folder a kernel started in ``cwd`` imports package ``name`` from (``None``: nowhere).

    A kernel is this interpreter run with this environment, so a child started the same way
    finds exactly what the kernels will (``PYTHONPATH``, the editable install, the working
    folder), without importing the package.
    """
    result = subprocess.run(
        [sys.executable, "-c", _WHERE.format(name=name)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    found = result.stdout.strip()
    return Path(found).resolve() if result.returncode == 0 and found else None


def package_root(config: Config) -> Path:
    """The folder holding the ``linreg_src`` the build fingerprints and the kernels import."""
    return Path(config.linreg_package_root)


def _on_config_inited(app: Sphinx, config: Config) -> None:
    expected = (Path(app.confdir).parent / PACKAGE).resolve()
    spec = importlib.util.find_spec(PACKAGE)
    here = spec.submodule_search_locations if spec is not None else None
    places = {
        "the kernels": kernel_package_dir(app.srcdir),
        "Sphinx": Path(next(iter(here))).resolve() if here else None,
    }
    for who, found in places.items():
        if found != expected:
            raise SystemExit(
                f"linreg_deps: {who} would import {PACKAGE} from {found or 'nowhere'}, not from "
                f"this project ({expected}). Install the project editable "
                f"(python3 -m pip install -e {expected.parent}; every nox session does), or, for "
                "a copy of the project, put the copy first on PYTHONPATH."
            )
    config.linreg_package_root = str(expected.parent)


def setup(app: Sphinx) -> dict[str, object]:
    from linreg_versions import require

    require("linreg_deps")
    # Set by config-inited from where linreg_src is imported; not a setting.
    app.add_config_value("linreg_package_root", "", "", types=frozenset({str}))
    app.connect("config-inited", _on_config_inited)
    app.connect("env-before-read-docs", _on_env_before_read_docs, priority=100)
    app.connect("source-read", _on_source_read)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-updated", _on_env_updated)
    return {
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "version": "3",
        "env_version": 2,  # what it keeps in the environment has not changed
    }
