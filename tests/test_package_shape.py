"""linreg_src stays readable: one concept per module, each small enough to read in one sitting.

The pages show the package's functions as listings; a module that grows past this size has
grown a second concept and is due to be split (issue 11).
"""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "linreg_src"
#: Lines per module, at most.
MOST_LINES = 450
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_its_modules():
    assert len(MODULES) > 20


@pytest.mark.parametrize("path", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_a_module_is_small(path):
    lines = path.read_text("utf-8").count("\n")
    assert lines <= MOST_LINES, f"{path.name} has {lines} lines (at most {MOST_LINES}): split it"
