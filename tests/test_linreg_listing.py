"""Listings show the computation (conf/_ext/linreg_listing.py): every ``:pyobject:`` a page
includes keeps a one-line docstring, without reST math, and fits the desktop column."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
import linreg_listing  # noqa: E402  (conf/_ext)

#: Characters of a code line the desktop column shows without scrolling (book.css, 1400 px).
COLUMN = 86
LISTING = re.compile(r"```\{literalinclude\} (\S+)\n(.*?)```", re.S)


def listings() -> list[tuple[str, Path, str]]:
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for match in LISTING.finditer(page.read_text("utf-8")):
            pyobject = re.search(r"^:pyobject: (\S+)", match.group(2), re.M)
            if pyobject:
                path = (page.parent / match.group(1)).resolve()
                found.append((page.stem, path, pyobject.group(1)))
    return found


def shown(path: Path, pyobject: str) -> str:
    from sphinx.config import Config

    reader = linreg_listing.SummaryLiteralIncludeReader(
        str(path), {"pyobject": pyobject}, Config({}, {})
    )
    return reader.read()[0]


def test_the_summary_line_is_kept_and_roles_become_names():
    text = (
        "@checked\n"
        "def sgd(params, lr):\n"
        '    r"""Apply :func:`~linreg_src.optim.sgd_update` to each ``.grad``.\n'
        "\n"
        "    Shapes: ...\n"
        "\n"
        "    >>> sgd([], 0.1)\n"
        '    """\n'
        "    for p in params:\n"
        "        p -= lr * p.grad\n"
    )
    assert linreg_listing.summary_docstring(text) == (
        "@checked\n"
        "def sgd(params, lr):\n"
        '    """Apply ``linreg_src.optim.sgd_update`` to each ``.grad``."""\n'
        "    for p in params:\n"
        "        p -= lr * p.grad\n"
    )


def test_code_without_a_docstring_is_left_alone():
    text = "def f(x):\n    return x + 1\n"
    assert linreg_listing.summary_docstring(text) == text
    assert linreg_listing.summary_docstring("x = 1\n") == "x = 1\n"


def test_the_pages_have_listings():
    assert len(listings()) > 20


@pytest.mark.parametrize(
    ("page", "path", "pyobject"), listings(), ids=[f"{p}:{o}" for p, _, o in listings()]
)
def test_a_listing_is_the_computation(page, path, pyobject):
    text = shown(path, pyobject)
    docstrings = re.findall(r'^\s*[rRuU]?("""|\'\'\')(.*?)\1', text, re.S | re.M)
    outer = docstrings[0][1] if docstrings else ""
    assert "\n" not in outer, f"{page}: {pyobject} shows a docstring of several lines"
    assert ":math:" not in text, f"{page}: {pyobject} shows reST math: {text[:300]}"
    wide = [line for line in text.splitlines() if len(line) > COLUMN]
    assert not wide, f"{page}: {pyobject} has lines wider than {COLUMN} columns: {wide}"
