"""Keep executed pages fresh when ``linreg_src`` changes.

MyST-NB's execution cache (jupyter-cache) keys a page only on the text of its code cells, and
Sphinx re-reads a page only when the page's own file changes. Editing the package a page imports
would therefore re-run nothing and leave stale numbers on the site.

This extension closes both gaps, per page and no wider than needed:

1. On ``source-read`` it finds the ``linreg_src`` modules the page's code cells import, follows
   their imports inside the package, and registers every such file with
   ``env.note_dependency`` -- so Sphinx re-reads exactly the pages whose code can change.
2. It appends a hidden code cell carrying a digest of those files, so the cell text that
   jupyter-cache hashes changes whenever they do, and the page re-executes.
"""

from __future__ import annotations

import ast
import hashlib
import re
from functools import cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "linreg_src"
_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
MARKER = "# linreg_src fingerprint:"


def _strip_magics(code: str) -> str:
    if code.lstrip().startswith("---"):  # a cell's YAML option block
        _, _, rest = code.lstrip()[3:].partition("\n---")
        code = rest.partition("\n")[2] if rest else code
    lines = []
    for line in code.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!", ":")):  # IPython magics, shell escapes, cell options
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines)


def imported_modules(code: str, *, current: str | None = None) -> set[str]:
    """Return the dotted ``linreg_src`` modules that ``code`` imports.

    ``from linreg_src import grad`` counts as importing ``linreg_src.grad`` when that is a module;
    relative imports are resolved against ``current``.
    """
    try:
        tree = ast.parse(_strip_magics(code))
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and current:
                parent = current.split(".")[: -node.level] if current else []
                base = ".".join([*parent, base] if base else parent)
            if base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


@cache
def _module_files(root: str) -> dict[str, Path]:
    pkg = Path(root) / PACKAGE
    files: dict[str, Path] = {}
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def dependency_files(code: str, root: Path) -> list[Path]:
    """Files of ``linreg_src`` that ``code`` depends on, transitively, sorted."""
    files = _module_files(str(root))
    todo = [m for m in imported_modules(code) if m in files or m.rsplit(".", 1)[0] in files]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in files:
            name = name.rsplit(".", 1)[0]  # ``from linreg_src.grad import linreg_grads``
        if name in seen or name not in files:
            continue
        seen.add(name)
        # importing a submodule runs every parent package's __init__
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        todo.extend(
            imported_modules(files[name].read_text("utf-8"), current=_package_of(name, files))
        )
    return sorted(files[n] for n in seen)


def _package_of(name: str, files: dict[str, Path]) -> str:
    # for relative imports: a package's __init__ resolves against itself
    return name + ".__init__" if files[name].name == "__init__.py" else name


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    root = Path(app.config.linreg_src_root)
    deps = sorted({p for m in _CELL.finditer(text) for p in dependency_files(m.group(2), root)})
    if not deps:
        return
    digest = hashlib.sha256()
    for path in deps:
        app.env.note_dependency(str(path))
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    names = ", ".join(p.relative_to(root).as_posix() for p in deps)
    logger.debug("[linreg_deps] %s depends on %s", docname, names)
    source[0] = (
        text.rstrip("\n")
        + "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
        + f"{MARKER} {digest.hexdigest()[:16]}\n```\n"
    )


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("linreg_src_root", "", "env", types=frozenset({str}))
    app.connect("source-read", _on_source_read)
    return {
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "version": "1",
        "env_version": 1,
    }
