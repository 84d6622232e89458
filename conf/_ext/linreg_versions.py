"""The versions of MyST-NB and jupyter-cache the book's execution machinery was written for.

``linreg_parallel``, ``linreg_cache``, ``linreg_deps`` and ``linreg_reproducible`` call into MyST-NB
and jupyter-cache below their documented surface: each use is listed in :data:`INTERNALS` and
pinned by a test in ``tests/``. On a version outside :data:`SUPPORTED` the build stops at once
with one line saying so, instead of failing somewhere in the middle or, worse, building a site
that is quietly wrong. ``pyproject.toml`` pins the same ranges, so ``nox`` installs them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import SpecifierSet
from packaging.version import Version

#: Distribution -> the versions checked against :data:`INTERNALS` (keep pyproject.toml in step).
SUPPORTED: dict[str, str] = {"myst-nb": ">=1.4,<1.5", "jupyter-cache": ">=1.0,<1.1"}

#: What the extensions rely on, beyond the packages' documented API.
INTERNALS: tuple[str, ...] = (
    "myst_nb.core.execute.cache: NotebookClientCache looks up single_nb_execution as a module "
    "global (linreg_parallel answers it with the page executed ahead)",
    "myst_nb.core.render: the renderer looks up coalesce_streams as a module global "
    "(linreg_reproducible)",
    "myst_nb.core.read.create_nb_reader: reads a page as MyST-NB does (linreg_deps)",
    "jupyter_cache: JupyterCacheBase._get_notebook_path_cache and NbCacheRecord (linreg_cache)",
)


def unsupported(supported: dict[str, str] | None = None) -> list[str]:
    """One line per distribution that is missing or outside its supported range.

    Examples
    --------
    >>> unsupported({"myst-nb": ">=0"})
    []
    >>> unsupported({"no-such-distribution": ">=1"})
    ['no-such-distribution is not installed (supported: >=1)']
    """
    problems = []
    for dist, spec in (SUPPORTED if supported is None else supported).items():
        try:
            found = version(dist)
        except PackageNotFoundError:
            problems.append(f"{dist} is not installed (supported: {spec})")
            continue
        if Version(found) not in SpecifierSet(spec):
            problems.append(f"{dist} {found} is installed (supported: {spec})")
    return problems


def require(extension: str, supported: dict[str, str] | None = None) -> None:
    """Stop the build, naming ``extension`` and what to do, on an unsupported version.

    ``SystemExit`` and not an exception: Sphinx would wrap an exception in its "please report
    this bug" banner, and this is no bug in Sphinx.
    """
    problems = unsupported(supported)
    if problems:
        raise SystemExit(
            f"{extension}: {'; '.join(problems)}. It relies on their internals "
            "(conf/_ext/linreg_versions.py lists them): install the versions pyproject.toml pins "
            "(nox does), or check each internal against the new version, run the tests, and "
            "widen SUPPORTED."
        )
