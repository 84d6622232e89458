"""The examples in the docstrings of the book's build code (conf/build_env.py, conf/_ext) run.

``nox -s doctest`` runs linreg_src's; these modules are not a package, so they are run here.
"""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "conf" / "_ext"), str(ROOT / "conf")]

MODULES = ["build_env", *sorted(p.stem for p in (ROOT / "conf" / "_ext").glob("linreg_*.py"))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
