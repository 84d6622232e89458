"""Sessions for authors and maintainers. Bare ``nox`` runs the ones that make up "the tests pass".

- ``nox -s docs``     strict HTML build of the book (prints where to open it)
- ``nox -s doctest``  the pages' doctest blocks (Sphinx doctest builder) + linreg_src docstrings
- ``nox -s tests``    pytest with line coverage of linreg_src
- ``nox -s lint``     ruff
- ``nox -s site``     tests on the built HTML (pages, glue, numbers, a real browser)
- ``nox -s slow``     tests that build copies of the book (freshness, drift, reproducibility)
- ``nox -s serve``    live preview that rebuilds on edits to pages, conf and linreg_src
- ``nox -s bench``    build-speed measurements (not part of the tests)
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "tests", "doctest", "docs", "site", "slow"]

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "_build"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
# -n: every reference must resolve; -W: warnings are errors; --keep-going: report them all.
STRICT = ["-n", "-W", "--keep-going", "-c", "conf"]
# Environment of the build and of the Jupyter kernels it starts.
BUILD_ENV = {
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1767225600"),
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


def install(session: nox.Session, *groups: str) -> None:
    """Install linreg_src (editable, so kernels run the working tree) and dependency groups."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book as HTML, strictly; every page's cells execute (cached by content)."""
    install(session, "docs")
    out = BUILD / "html"
    session.run(
        "sphinx-build",
        *STRICT,
        "-b",
        "html",
        "-d",
        str(BUILD / "doctrees"),
        "docs",
        str(out),
        *session.posargs,
        env=BUILD_ENV,
    )
    session.log(f"书已构建 / the book is built: open {out / 'index.html'}")


@nox.session
def doctest(session: nox.Session) -> None:
    """Run every ``{doctest}`` block of the pages and every docstring example of linreg_src."""
    install(session, "docs", "test")
    session.run(
        "sphinx-build",
        *STRICT,
        "-b",
        "doctest",
        "-d",
        str(BUILD / "doctrees-doctest"),
        "docs",
        str(BUILD / "doctest"),
        env=BUILD_ENV,
    )
    session.run("pytest", "--doctest-modules", "linreg_src", "-p", "no:randomly", env=BUILD_ENV)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with line coverage of linreg_src."""
    install(session, "test")
    session.run(
        "pytest",
        "-m",
        "not site and not slow",
        "--cov=linreg_src",
        "--cov-report=term-missing",
        *session.posargs,
        env=BUILD_ENV,
    )


@nox.session
def site(session: nox.Session) -> None:
    """Test the built HTML in _build/html (run ``nox -s docs`` first; bare ``nox`` does)."""
    install(session, "docs", "test")
    index = BUILD / "html" / "index.html"
    if not index.exists():
        session.error(f"{index} is missing: run `nox -s docs` first")
    env = {**BUILD_ENV, "LINREG_SITE_DIR": str(BUILD / "html")}
    session.run("pytest", "-m", "site", *session.posargs, env=env)


@nox.session
def slow(session: nox.Session) -> None:
    """Tests that build temporary copies of the book: freshness, drift, reproducibility."""
    install(session, "docs", "test")
    session.run("pytest", "-m", "slow", *session.posargs, env=BUILD_ENV)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Measure build speed as ratios to an execution-off build (see README, maintainers)."""
    install(session, "docs")
    session.error("not written yet")


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common mistakes with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Live preview on http://127.0.0.1:8000: rebuilds on edits to pages, conf and linreg_src."""
    install(session, "docs")
    session.install("sphinx-autobuild")
    session.run(
        "sphinx-autobuild",
        *STRICT,
        "-d",
        str(BUILD / "doctrees"),
        "--watch",
        "linreg_src",
        "--watch",
        "conf",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "docs",
        str(BUILD / "html"),
        *session.posargs,
        env=BUILD_ENV,
    )
