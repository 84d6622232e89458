"""Shared fixtures and the rules that keep fast, site and slow tests apart."""

from __future__ import annotations

import concurrent.futures
import functools
import os
import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# How nox builds the book (environment, strict flags): the one definition, shared with noxfile.py.
BUILD = runpy.run_path(str(ROOT / "conf" / "build_env.py"))
try:
    BUILD_ENV: dict[str, str] = BUILD["build_env"]()
except BUILD["SettingError"] as _err:
    pytest.exit(str(_err), returncode=4)
SPHINX_STRICT: list[str] = BUILD["SPHINX_STRICT"]
DOCTEST_MODULES: list[str] = BUILD["DOCTEST_MODULES"]
#: Generous: a clean build of the whole book executes every page (a kernel each, ~4 s).
BUILD_TIMEOUT = 1800


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


# -- Copies of the project, built as `nox -s docs` / `nox -s doctest` build the book (slow tests) --

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NOTEBOOK_LOG = re.compile(
    r"^(?P<path>\S+?\.(?:md|ipynb)): "
    r"(?P<what>Executing notebook(?P<ahead> ahead of reading)?|Using cached notebook)",
    re.M,
)


@dataclass
class Run:
    """One finished command in a copy of the project."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    docs: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def _pages(self, what: str) -> set[str]:
        return {
            (self.docs.parent / m["path"])
            .resolve()
            .relative_to(self.docs.resolve())
            .with_suffix("")
            .as_posix()
            for m in _NOTEBOOK_LOG.finditer(self.output)
            if m["what"].startswith(what)
        }

    @property
    def executed(self) -> set[str]:
        """Pages whose notebook ran in a kernel ("Executing notebook": MyST-NB while reading the
        page, or conf/_ext/linreg_parallel.py ahead of reading)."""
        return self._pages("Executing notebook")

    @property
    def executed_ahead(self) -> set[str]:
        """Pages linreg_parallel executed before Sphinx read them."""
        return self._pages("Executing notebook ahead of reading")

    @property
    def cached(self) -> set[str]:
        """Pages whose outputs came from the jupyter-cache (MyST-NB logs "Using cached ...")."""
        return self._pages("Using cached notebook")

    def check(self) -> Run:
        assert self.returncode == 0, f"{' '.join(self.args)} failed:\n{self.output[-6000:]}"
        return self


#: The jupytext header of an executed page (as the book's pages carry it).
NOTEBOOK_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""


class Project:
    """A copy of the project in a temporary folder, with helpers to edit and build it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"

    def build_dir(self, tag: str) -> Path:
        """``_build/<tag>``: one build's output, doctrees, jupyter_execute and cache."""
        return self.root / "_build" / tag

    def cache(self, tag: str) -> Path:
        return self.build_dir(tag) / "jupyter_cache"

    def seed_cache(self, tag: str, cache: Path) -> None:
        """Start build ``tag`` from a copy of another build's execution cache."""
        shutil.copytree(cache, self.cache(tag))

    def sphinx(self, tag: str, builder: str = "html", *extra: str) -> Run:
        """``sphinx-build`` as the nox sessions run it (strict, BUILD_ENV), into ``_build/<tag>``.

        Incremental when ``_build/<tag>`` exists from an earlier call, as a second
        ``nox -s docs`` is. MyST-NB writes executed notebooks beside the output folder, so each
        tag has its own ``jupyter_execute``.
        """
        base = self.build_dir(tag)
        args = [
            sys.executable,
            "-m",
            "sphinx",
            *SPHINX_STRICT,
            "-b",
            builder,
            "-d",
            str(base / "doctrees"),
            *extra,
            "docs",
            str(base / builder),
        ]
        return self.run(args, LINREG_BOOK_CACHE=str(self.cache(tag)))

    def doctest_modules(self) -> Run:
        """The second half of ``nox -s doctest``: the package's docstring examples."""
        args = [sys.executable, "-m", "pytest", *DOCTEST_MODULES, "-p", "no:cacheprovider"]
        return self.run(args)

    def run(self, args: list[str], **env: str) -> Run:
        """Run ``args`` in the copy, with the book's environment; the copy's ``linreg_src`` comes
        first on ``PYTHONPATH`` (the editable install is the working tree's)."""
        proc = subprocess.run(
            args,
            cwd=self.root,
            env={**os.environ, **BUILD_ENV, "PYTHONPATH": str(self.root), **env},
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        plain = functools.partial(_ANSI.sub, "")  # kernels colour their tracebacks
        return Run(args, proc.returncode, plain(proc.stdout), plain(proc.stderr), self.docs)

    def edit(self, relpath: str, pattern: str, replacement: str) -> None:
        """Replace the one match of the regular expression ``pattern`` in a file of the copy."""
        path = self.root / relpath
        text, count = re.subn(pattern, replacement, path.read_text("utf-8"))
        assert count == 1, f"{relpath}: expected one match of {pattern!r}, found {count}"
        path.write_text(text, "utf-8")

    def add_page(self, name: str, text: str, *, notebook: bool = False) -> Path:
        """Add ``docs/<name>.md`` and list it in a hidden toctree of the index (strict builds
        reject a page that is in no toctree). ``notebook=True`` prepends the jupytext header
        that makes MyST-NB execute the page's code cells."""
        path = self.docs / f"{name}.md"
        path.write_text((NOTEBOOK_HEADER if notebook else "") + text, "utf-8")
        index = self.docs / "index.md"
        index.write_text(
            index.read_text("utf-8").rstrip() + f"\n\n```{{toctree}}\n:hidden:\n\n{name}\n```\n",
            "utf-8",
        )
        return path


def project_files(root: Path) -> list[str]:
    """The project's files: tracked ones and untracked ones git does not ignore.

    Outside a git checkout (an unpacked archive), every file but build products and caches.
    """
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = listing.split("\0")
    except (OSError, subprocess.CalledProcessError):
        skip = re.compile(
            r"(^|/)(\.git|\.nox|_build|__pycache__|\.\w+_cache|\.hypothesis|"
            r"\.ipynb_checkpoints|jupyter_execute|[^/]*\.egg-info)(/|$)"
        )
        names = [p.relative_to(root).as_posix() for p in root.rglob("*")]
        names = [n for n in names if not skip.search(n)]
    return sorted(n for n in names if n and (root / n).is_file())


@pytest.fixture(scope="session")
def project_snapshot(tmp_path_factory) -> Path:
    """One copy of the project taken at the start of the session, so every slow test builds the
    same files even while someone edits the working tree."""
    dest = tmp_path_factory.mktemp("snapshot")
    for name in project_files(ROOT):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


@pytest.fixture(scope="session")
def copy_project(tmp_path_factory, project_snapshot) -> Callable[[str], Project]:
    """Factory: ``copy_project("name")`` is a fresh copy of the snapshot to edit and build."""

    def make(name: str) -> Project:
        dest = tmp_path_factory.mktemp(name) / "project"
        shutil.copytree(project_snapshot, dest)
        return Project(dest)

    return make


@dataclass
class CleanBuilds:
    """Two clean, strict HTML builds of one unedited copy, made side by side."""

    project: Project
    runs: dict[str, Run]

    def html(self, tag: str) -> Path:
        return self.project.build_dir(tag) / "html"

    @property
    def cache(self) -> Path:
        """The first build's execution cache: it seeds the other slow tests' builds, so each of
        them executes only the pages its edit concerns."""
        return self.project.cache("first")


@pytest.fixture(scope="session")
def clean_builds(copy_project) -> CleanBuilds:
    """``first`` and ``second``: each from nothing (own cache, doctrees, output), at the same
    time -- a build is mostly one busy process at a time (Sphinx or a kernel), so two fit on the
    two cores CI has."""
    project = copy_project("clean")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {tag: pool.submit(project.sphinx, tag) for tag in ("first", "second")}
        runs = {tag: future.result().check() for tag, future in futures.items()}
    return CleanBuilds(project, runs)


@pytest.fixture
def random_batch() -> Callable[..., tuple]:
    """A function giving a random ``(X, y, w, b)``: X (n, d), y (n, 1), w (d, 1), b (1,)."""
    import torch

    def make(n: int = 6, d: int = 3, seed: int = 0, dtype=torch.float64) -> tuple:
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(n, d, generator=g, dtype=dtype)
        y = torch.randn(n, 1, generator=g, dtype=dtype)
        w = torch.randn(d, 1, generator=g, dtype=dtype)
        b = torch.randn(1, generator=g, dtype=dtype)
        return X, y, w, b

    return make


# -- The site served, and a browser: the browser tests (test_browser.py, test_interactive.py) ------
CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root needs --no-sandbox; the rest keep it from calling Google on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-domain-reliability",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # nothing else resolves
]


@pytest.fixture(scope="module")
def base_url(site_dir: Path):
    """The site served on 127.0.0.1 (a free port) for as long as the module's tests run."""
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium under Playwright (skipped, or failed on CI, without it)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent: `apt-get install chromium` (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
