"""A reader who runs only the code a page shows gets no NameError.

Every name a shown cell uses is defined by a shown cell above it (or by itself), never only by
a hidden one (``remove-cell`` / ``remove-input``): hidden cells hold the page's plumbing, and a
student who copies the visible cells into a notebook must not need them. Cells folded by
``hide-input``/``hide-cell`` are shown (one click away), so they count as shown.
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
HIDDEN = {"remove-cell", "remove-input"}
PAGES = sorted(p.stem for p in DOCS.glob("*.md") if "{code-cell}" in p.read_text("utf-8"))


def cells(page: str) -> list[tuple[bool, str]]:
    """(shown, code) of each code cell of ``page``, in order."""
    out = []
    for match in CELL.finditer((DOCS / f"{page}.md").read_text("utf-8")):
        body = match.group(1)
        tags: set[str] = set()
        if body.startswith("---\n"):  # YAML options block
            options, _, body = body[4:].partition("\n---\n")
            tags = set(re.findall(r"[\w-]+", " ".join(re.findall(r"tags:\s*\[(.*?)\]", options))))
        else:
            while body.startswith(":"):
                line, _, body = body.partition("\n")
                if line.startswith(":tags:"):
                    tags |= set(re.findall(r"[\w-]+", line.split(":", 2)[2]))
        out.append((not tags & HIDDEN, body))
    return out


def defined(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            names |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        elif isinstance(node, ast.Lambda):
            names |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.comprehension):
            names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return names


def used(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def hidden_only_names(page: str) -> list[tuple[int, set[str]]]:
    shown_names, hidden_names = set(dir(builtins)), set()
    found = []
    for k, (shown, code) in enumerate(cells(page), 1):
        code = "\n".join(
            line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        if shown:
            missing = (used(tree) - defined(tree) - shown_names) & hidden_names
            if missing:
                found.append((k, missing))
            shown_names |= defined(tree)
        else:
            hidden_names |= defined(tree)
    return found


def test_pages_have_cells():
    assert len(PAGES) > 10 and all(cells(page) for page in PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_a_shown_cell_uses_only_what_shown_cells_define(page):
    found = hidden_only_names(page)
    assert not found, (
        f"{page}: shown code cells use names only a hidden cell defines "
        f"(cell number: names): {found}; define them in a shown cell"
    )
