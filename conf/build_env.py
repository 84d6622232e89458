"""How the book is built -- its environment and strict flags -- in one place.

``noxfile.py`` passes :data:`BUILD_ENV` to sphinx-build (``docs``, ``doctest``, ``serve`` ...) and
the tests that build copies of the book (``tests/conftest.py``) pass the very same mapping, so
"two clean builds are byte-identical" is tested under the conditions the book is built in.

It must be set *before* sphinx-build starts -- ``PYTHONHASHSEED`` only takes effect when an
interpreter starts -- and the Jupyter kernels that execute the pages inherit it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent


def _last_commit_time() -> str:
    """The last commit's time (seconds since the epoch): the date the book's sources last changed.

    Deterministic for a given commit, so builds stay byte-identical, and honest in the pages'
    "last updated" line. Outside a git checkout: 2026-01-01, fixed.
    """
    result = subprocess.run(
        ["git", "-C", str(CONF_DIR.parent), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
    )
    stamp = result.stdout.strip()
    return stamp if stamp.isdigit() else "1767225600"


BUILD_ENV: dict[str, str] = {
    # Same str/bytes hashes, hence the same set and dict-of-set orders, in Sphinx and in kernels.
    "PYTHONHASHSEED": "0",
    # The build's date: Sphinx's "last updated" and copyright year, matplotlib's SVG/PDF dates.
    # A caller's value wins (the reproducible-builds.org convention); else the last commit's.
    "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH") or _last_commit_time(),
    # matplotlib in the kernels reads conf/matplotlibrc (fixed SVG ids), not a user's own rc file.
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
