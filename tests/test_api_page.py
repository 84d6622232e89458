"""The API page lists every public module of linreg_src, and only modules that exist."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import linreg_src

API_PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def public_modules() -> set[str]:
    """Every module of linreg_src whose dotted name has no part starting with ``_``."""
    found: set[str] = set()  # the package itself is the page, not an entry
    for module in pkgutil.walk_packages(linreg_src.__path__, "linreg_src."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            found.add(module.name)
    return found


def listed_modules() -> list[str]:
    return re.findall(r"^\.\. automodule:: (\S+)$", API_PAGE.read_text("utf-8"), re.M)


def test_every_public_module_is_on_the_api_page():
    missing = sorted(public_modules() - set(listed_modules()))
    assert not missing, (
        f"add these modules to {API_PAGE.name}, in the group of their concept: {missing}"
    )


def test_the_api_page_lists_each_module_once_and_no_module_that_is_gone():
    listed = listed_modules()
    twice = sorted({m for m in listed if listed.count(m) > 1})
    assert not twice, f"{API_PAGE.name} lists these modules more than once: {twice}"
    gone = sorted(set(listed) - public_modules())
    assert not gone, f"{API_PAGE.name} lists modules that linreg_src no longer has: {gone}"
