"""Every public module of linreg_src is on the API page, docs/api.md.

A module the book runs but the API page leaves out is code a reader cannot look up; the strict
build does not notice (autodoc documents only what the page names), so this test does.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_PAGE = ROOT / "docs" / "api.md"
#: ``.. automodule:: name`` inside {eval-rst}, or MyST's own ```{automodule} name```.
AUTOMODULE = re.compile(r"^\s*(?:\.\. automodule::|[`:]{3,}\{automodule\})\s*(\S+)\s*$", re.M)


def public_modules() -> list[str]:
    """linreg_src's modules and subpackages, except the package itself and private ones."""
    names = []
    for path in sorted((ROOT / "linreg_src").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if len(parts) > 1 and not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return names


def documented_modules() -> list[str]:
    return AUTOMODULE.findall(API_PAGE.read_text("utf-8"))


def test_public_modules_are_found():
    modules = public_modules()
    assert {"linreg_src.grad", "linreg_src.plotting", "linreg_src.plotting.graph"} <= set(modules)
    assert not [m for m in modules if "._" in m or m == "linreg_src"]


def test_every_public_module_is_on_the_api_page():
    missing = [m for m in public_modules() if m not in documented_modules()]
    blocks = "\n".join(f"```{{eval-rst}}\n.. automodule:: {m}\n   :members:\n```" for m in missing)
    assert not missing, (
        f"docs/api.md does not document {missing}; add (in a fitting section):\n{blocks}"
    )


def test_the_api_page_names_only_existing_modules_once():
    documented = documented_modules()
    assert len(documented) == len(set(documented)), "a module is documented twice"
    unknown = sorted(set(documented) - set(public_modules()))
    assert not unknown, f"docs/api.md documents modules that do not exist: {unknown}"
