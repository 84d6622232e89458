"""Keep executed pages fresh when ``linreg_src`` changes.

MyST-NB's execution cache (jupyter-cache) keys a page only on the text of its code cells, and
Sphinx re-reads a page only when the page's own file changes. Editing the package a page imports
would therefore re-run nothing and leave stale numbers on the site.

This extension closes the gaps, per page and no wider than needed:

1. On ``source-read`` it reads the page the way MyST-NB does (so only real notebooks count, in
   any format MyST-NB reads), finds the ``linreg_src`` modules its code cells import (IPython
   magics included), follows their imports inside the package, and registers every such file,
   plus the package data files beside them, with ``env.note_dependency`` -- so Sphinx re-reads
   exactly the pages whose code can change.
2. It appends a hidden code cell carrying a digest of those files, so the cell text that
   jupyter-cache hashes changes whenever they do, and the page re-executes.
3. On ``env-get-outdated`` it also re-reads every page that pastes a value from a re-read page
   with cross-document glue (``{glue:text}`page.md::key```): MyST-NB resolves those at write time
   from the other page's ``.glue.json`` and records no dependency, so the pasting page would
   otherwise keep the old number.
4. On ``config-inited`` it puts ``linreg_src_root`` first on the kernels' ``PYTHONPATH``, so the
   kernels import the very files that were fingerprinted (not, say, another installed copy).

Code it cannot analyse statically but that names the package (``importlib.import_module``,
``%run``, a shell escape, a cell that does not parse) makes the page depend on the whole package:
when in doubt, re-execute. Everything is recomputed from the files on each read and nothing is
kept in the environment except Sphinx's own dependency records, so parallel reads are safe.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
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


# -- Sphinx ----------------------------------------------------------------------------------------


def _root(config: Config) -> Path:
    return Path(config.linreg_src_root)


def read_notebook(path: str | Path, text: str, md_config=None, nb_config=None):
    """The page as MyST-NB reads it (a ``NotebookNode``), or ``None`` if it is not a notebook.

    ``md_config`` and ``nb_config`` default to MyST's and MyST-NB's defaults.
    """
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    md_config = MdParserConfig() if md_config is None else md_config
    nb_config = NbParserConfig() if nb_config is None else nb_config
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    if reader is None:
        return None
    try:
        return reader.read(text)
    except Exception:  # a malformed page: MyST-NB reports it when it parses the page itself
        return None


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


def fingerprinted_source(
    page: str | Path, text: str, root: str | Path, md_config=None, nb_config=None
) -> tuple[str, list[Path]]:
    """The page's text as the build parses it, and the ``linreg_src`` files it depends on.

    If the page is a notebook whose code imports ``linreg_src``, the text gains a hidden code cell
    carrying a digest of those files (see the module docstring); otherwise it is returned as is.
    Only ``.md`` and ``.ipynb`` pages can carry the cell; any other page is returned unchanged
    (with its dependencies). This is what ``source-read`` does to every page; ``linreg_parallel``
    calls it to build, ahead of reading, the very notebook MyST-NB will look up in its cache.
    """
    page, root = Path(page), Path(root)
    notebook = read_notebook(page, text, md_config, nb_config)
    deps = dependency_files(code_cells(notebook), root)
    if not deps:
        return text, []  # nothing from linreg_src runs here: its outputs cannot change with it
    line = f"{MARKER} {fingerprint(deps, root)}"
    if page.suffix == ".md":
        text = (
            f"{text.rstrip()}\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{line}\n```\n"
        )
    elif page.suffix == ".ipynb":  # add the cell to the JSON, keeping it a valid notebook
        data = json.loads(text)
        data["cells"].append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": CELL_ID,
                "metadata": {"tags": ["remove-cell"]},
                "outputs": [],
                "source": line,
            }
        )
        text = json.dumps(data, ensure_ascii=False, indent=1)
    return text, deps


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    env = app.env
    root = _root(app.config)
    page = Path(env.doc2path(docname))
    text, deps = fingerprinted_source(page, source[0], root, env.myst_config, env.mystnb_config)
    if not deps:
        return
    for dep in deps:
        env.note_dependency(dep)
    logger.debug(
        "[linreg_deps] %s depends on %s",
        docname,
        ", ".join(p.relative_to(root).as_posix() for p in deps),
    )
    if page.suffix not in {".md", ".ipynb"}:
        logger.warning(
            "[linreg_deps] cannot add the linreg_src fingerprint to a %s notebook; "
            "edits to linreg_src would not re-execute it",
            page.suffix,
            location=docname,
        )
    source[0] = text


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


def _on_config_inited(app: Sphinx, config: Config) -> None:
    if not config.linreg_src_root:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ExtensionError(f"linreg_deps: set linreg_src_root; {PACKAGE} is not importable")
        config.linreg_src_root = str(Path(next(iter(spec.submodule_search_locations))).parent)
    root = Path(config.linreg_src_root).resolve()
    if not (root / PACKAGE / "__init__.py").is_file():
        raise ExtensionError(f"linreg_deps: no {PACKAGE}/__init__.py under {root}")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if paths[:1] != [str(root)]:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(root), *paths])


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("linreg_src_root", "", "env", types=frozenset({str}))
    app.connect("config-inited", _on_config_inited)
    app.connect("source-read", _on_source_read)
    app.connect("env-get-outdated", _on_env_get_outdated)
    return {
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "version": "2",
        "env_version": 2,
    }
