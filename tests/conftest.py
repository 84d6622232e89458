"""Shared fixtures and the rules that keep fast, site and slow tests apart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built HTML site named by $LINREG_SITE_DIR (``nox -s site`` sets it)."""
    value = os.environ.get("LINREG_SITE_DIR")
    if not value:
        pytest.fail("LINREG_SITE_DIR is not set: run these tests with `nox -s site`")
    path = Path(value)
    if not (path / "index.html").is_file():
        pytest.fail(f"{path}/index.html is missing: run `nox -s docs` first")
    return path
