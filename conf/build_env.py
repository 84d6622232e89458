"""How the book is built -- its environment, its settings and strict flags -- in one place.

``noxfile.py`` passes :func:`build_env` to sphinx-build (``docs``, ``doctest``, ``serve`` ...) and
the tests that build copies of the book (``tests/conftest.py``) pass the very same mapping, so
"two clean builds are byte-identical" is tested under the conditions the book is built in.
``conf.py`` reads the same settings with :func:`read_settings` when sphinx-build runs on its own.

It must be set *before* sphinx-build starts -- ``PYTHONHASHSEED`` only takes effect when an
interpreter starts -- and the Jupyter kernels that execute the pages inherit it.

The environment variables an author may set are validated here, and only here
(:data:`VARIABLES`): a bad value stops the build with one line naming the variable, what it
accepts and what it got, before Sphinx starts.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent

#: The date of a build outside a git checkout: 2026-01-01T00:00:00Z.
FALLBACK_EPOCH = 1767225600
#: 10000-01-01T00:00:00Z: Sphinx formats dates with four-digit years.
_EPOCH_END = 253402300800


class SettingError(ValueError):
    """A build setting (environment variable or ``-D`` value) that is not one of its values."""


def _bad(name: str, allowed: str, value: object) -> SettingError:
    return SettingError(f"{name}={value!s:.60}: expected {allowed}")


def workers(value: object, name: str = "LINREG_EXECUTION_WORKERS") -> int | str:
    """Kernels at a time: ``"auto"`` or a whole number from 0 to 64.

    Examples
    --------
    >>> workers("auto"), workers("3"), workers(0)
    ('auto', 3, 0)
    """
    text = str(value).strip()
    if text.lower() == "auto":
        return "auto"
    if isinstance(value, bool) or not text.isdigit() or int(text) > 64:
        raise _bad(name, "'auto' or a whole number from 0 to 64", value)
    return int(text)


_SWITCH = {"1": True, "true": True, "yes": True, "on": True}
_SWITCH |= {"0": False, "false": False, "no": False, "off": False}


def switch(value: object, name: str = "LINREG_FORK_KERNELS") -> bool:
    """An on/off setting: 1/0, true/false, yes/no or on/off (any case), or a bool.

    Examples
    --------
    >>> switch("1"), switch("Off"), switch(False)
    (True, False, False)
    """
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key not in _SWITCH:
        raise _bad(name, "one of 1, 0, true, false, yes, no, on, off", value)
    return _SWITCH[key]


def epoch(value: object, name: str = "SOURCE_DATE_EPOCH") -> int:
    """Seconds since 1970-01-01 UTC (the reproducible-builds.org convention), up to year 9999.

    Examples
    --------
    >>> epoch("1767225600")
    1767225600
    """
    text = str(value).strip()
    if not text.isdigit() or int(text) >= _EPOCH_END:
        raise _bad(name, "whole seconds since 1970-01-01 UTC, from 0 to 253402300799", value)
    return int(text)


def path(value: object, name: str) -> Path:
    """A folder; empty means unset, which is refused rather than taken as the current folder."""
    text = str(value).strip()
    if not text:
        raise _bad(name, "a folder path (unset the variable for the default)", repr(value))
    return Path(text)


@dataclass(frozen=True)
class Variable:
    """An environment variable the build reads: how to parse it and what it means."""

    parse: Callable[[object, str], object]
    meaning: str


#: Every environment variable an author may set for a build, and what it accepts.
VARIABLES: dict[str, Variable] = {
    "LINREG_EXECUTION_WORKERS": Variable(
        workers, "kernels at a time ('auto': usable CPUs + 1; 0: MyST-NB runs each page itself)"
    ),
    "LINREG_FORK_KERNELS": Variable(
        switch, "fork kernels from a process that has imported torch (0: start each afresh)"
    ),
    "SOURCE_DATE_EPOCH": Variable(epoch, "the build's date (default: the last commit's)"),
    "LINREG_BOOK_CACHE": Variable(path, "the execution cache (default: _build/.jupyter_cache)"),
}


@dataclass(frozen=True)
class Settings:
    """The validated values of :data:`VARIABLES` (``None``: not set)."""

    execution_workers: int | str = "auto"
    fork_kernels: bool = True
    source_date_epoch: int | None = None
    book_cache: Path | None = None


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate every variable of :data:`VARIABLES` that is set; raise on the first bad one.

    Raises
    ------
    SettingError
        One line: the variable, the values it accepts, the value it has.
    """
    env = os.environ if environ is None else environ
    values = {name: var.parse(env[name], name) for name, var in VARIABLES.items() if name in env}
    defaults = Settings()
    return Settings(
        execution_workers=values.get("LINREG_EXECUTION_WORKERS", defaults.execution_workers),
        fork_kernels=values.get("LINREG_FORK_KERNELS", defaults.fork_kernels),
        source_date_epoch=values.get("SOURCE_DATE_EPOCH"),
        book_cache=values.get("LINREG_BOOK_CACHE"),
    )


def last_commit_time(root: Path = ROOT) -> int | None:
    """The last commit's time, in seconds since the epoch, or ``None`` outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git
        return None
    stamp = result.stdout.strip()
    return int(stamp) if stamp.isdigit() else None


def build_date(environ: Mapping[str, str] | None = None, root: Path = ROOT) -> int:
    """The book's date: ``SOURCE_DATE_EPOCH`` if set, else the last commit's time, else 2026-01-01.

    The one definition of the date in the pages' "last updated" line, the copyright year and
    matplotlib's SVG/PDF metadata. Deterministic for a given commit, so builds stay
    byte-identical, and honest: the date the book's sources last changed, never "now".
    """
    settings = read_settings(environ)
    if settings.source_date_epoch is not None:
        return settings.source_date_epoch
    commit = last_commit_time(root)
    return FALLBACK_EPOCH if commit is None else commit


def build_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of sphinx-build and of the kernels it starts, on top of ``environ``'s.

    Raises
    ------
    SettingError
        If a variable of :data:`VARIABLES` in ``environ`` (default: ``os.environ``) is bad.
    """
    return {
        # Same str/bytes hashes, hence the same set and dict-of-set orders, in Sphinx and kernels.
        "PYTHONHASHSEED": "0",
        # The build's date: Sphinx's "last updated" and copyright year, matplotlib's SVG/PDF dates.
        "SOURCE_DATE_EPOCH": str(build_date(environ)),
        # matplotlib in the kernels reads conf/matplotlibrc (fixed SVG ids), not a user's rc file.
        "MATPLOTLIBRC": str(CONF_DIR / "matplotlibrc"),
        # Quiets ipykernel's debugger warning about frozen modules in every kernel's stderr.
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


#: The PDF's tools -> the Debian package that has it (``nox -s pdf``; tests/test_pdf.py skips,
#: naming them, where one is missing).
PDF_TOOLS: dict[str, str] = {
    "xelatex": "texlive-xetex",
    "latexmk": "latexmk",
    "pdffonts": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
}
#: Everything the PDF needs from Debian: TeX and its packages (xeCJK is in texlive-lang-chinese,
#: titlesec/fncychap/tabulary in texlive-latex-extra, the hyperref link font pzdr in
#: texlive-fonts-recommended) and the fonts conf.py names (Noto CJK SC, DejaVu). .ci/run
#: installs exactly these.
PDF_PACKAGES: list[str] = [
    "texlive-xetex",
    "texlive-lang-chinese",
    "texlive-latex-extra",
    "texlive-fonts-recommended",
    "latexmk",
    "fonts-noto-cjk",
    "fonts-dejavu-core",
    "poppler-utils",
]

# -n: every reference must resolve; -W: warnings are errors; --keep-going: report them all.
SPHINX_STRICT: list[str] = ["-n", "-W", "--keep-going", "-c", "conf"]
# After the pages' {doctest} blocks (sphinx-build -b doctest), the package's docstring examples.
DOCTEST_MODULES: list[str] = ["--doctest-modules", "linreg_src", "-p", "no:randomly"]
