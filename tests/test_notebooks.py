"""The downloadable notebooks ($LINREG_SITE_DIR/_sources/*.ipynb) open and run in plain Jupyter.

A reader downloads a page's ``.ipynb`` and the wheel of ``linreg_src`` the site ships, installs
the wheel with the one command the notebook's first cell gives, and runs the notebook top to
bottom. These tests do the same, as far as a test can without the network:

* every notebook reads as plain Jupyter Markdown -- no MyST role, directive fence, target or
  equation label left, no notation macro outside the first cell (which defines them all), the
  page's key numbers (``KEY_NUMBERS`` of ``tests/test_site.py``) written in, every link to an
  anchor landing on one;
* the wheel holds every module of ``linreg_src``, and what it requires (with its ``[notebook]``
  extra) covers every module the notebooks import;
* each notebook, copied alone into a scratch folder, runs top to bottom with nbclient in a
  kernel that imports ``linreg_src`` from the installed wheel -- not from the checkout -- and
  its outputs equal the ones the page shows (for a page of measurements, the same outputs of
  the same kinds: its numbers are timings).

The wheel is installed with ``pip install --no-deps --target``: its dependencies are this test
environment's, already installed, so nothing is downloaded.
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
import book_notebooks  # noqa: E402  (conf/_ext)
import notation  # noqa: E402  (conf/_ext)

#: How long one notebook may run (the timing page measures for a while).
TIMEOUT = 900


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"_{name}", TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def key_numbers() -> dict[str, list[str]]:
    return _module("test_site").KEY_NUMBERS


@cache
def measured() -> dict[str, str]:
    """Pages whose numbers are timings (``tests/test_reproducible.py``)."""
    return _module("test_reproducible").MEASURED


def notebooks(site_dir: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((site_dir / "_sources").glob("*.ipynb"))}


def pages_with_notebooks() -> list[str]:
    docs = ROOT / "docs"
    return sorted(p.stem for p in docs.glob("*.md") if "kernelspec:" in p.read_text("utf-8")[:600])


# -- Markdown a plain Jupyter renders ----------------------------------------------------------

FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
RAW_MYST = {
    "a role": re.compile(r"\{[\w:.+-]+\}`"),
    "a directive fence": re.compile(r"^[ \t]*(`{3,}|~{3,}|:{3,})[ \t]*\{[\w:.+-]+\}", re.M),
    "a target": re.compile(r"^\([^()\s]+\)=[ \t]*$", re.M),
    "an equation label": re.compile(r"\$\$[ \t]*\([^()\s]+\)"),
    "a MyST comment": re.compile(r"^%", re.M),
}
MACRO = re.compile(
    r"\\(" + "|".join(sorted(notation.MACROS, key=len, reverse=True)) + r")(?![A-Za-z])"
)


def prose(markdown: str) -> str:
    """Markdown without code: fenced blocks and inline code spans go."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def markdown_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


@pytest.mark.parametrize("page", pages_with_notebooks())
def test_every_notebook_page_offers_one(site_dir, page):
    assert page in notebooks(site_dir), f"_sources/{page}.ipynb was not written"


@pytest.mark.parametrize("page", pages_with_notebooks())
def test_no_myst_syntax_is_left(site_dir, page):
    notebook = nbformat.read(notebooks(site_dir)[page], as_version=4)
    problems = []
    for index, source in enumerate(markdown_cells(notebook)):
        text = prose(source)
        problems += [f"cell {index}: {what}" for what, rx in RAW_MYST.items() if rx.search(text)]
        if index > 0 and MACRO.search(source):
            problems.append(f"cell {index}: macro {MACRO.search(source)[0]} not expanded")
    assert not problems, f"{page}: " + "; ".join(problems)


@pytest.mark.parametrize("page", pages_with_notebooks())
def test_first_cell_says_how_to_install(site_dir, page):
    notebook = nbformat.read(notebooks(site_dir)[page], as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    (wheel,) = (site_dir / book_notebooks.DOWNLOADS).glob("*.whl")
    assert book_notebooks.install_command(wheel.name) in first.source
    for line in notation.newcommands().splitlines():
        assert line in first.source, f"{page}: the first cell does not define {line}"


def in_notebook_text(fragment: str) -> list[str]:
    r"""A KEY_NUMBERS fragment as the notebook writes it: ``\(..\)`` math is ``$..$``, macros
    expanded. A fragment cut inside math keeps its text part only."""
    fragment = fragment.replace("\\(", "$").replace("\\)", "$")
    if fragment.count("$") % 2:  # starts or ends inside math: compare the text after/before it
        head, _, tail = fragment.partition("$")
        fragment = tail if "$" not in tail else head
    return ["".join(book_notebooks.expand_macros(fragment).split())]


@pytest.mark.parametrize("page", sorted(key_numbers()))
def test_key_numbers_are_written_in(site_dir, page):
    notebook = nbformat.read(notebooks(site_dir)[page], as_version=4)
    # As the reader sees it: inline code and bold marks are markup, not text.
    text = "".join("".join(markdown_cells(notebook)).replace("`", "").replace("**", "").split())
    for cell in notebook.cells:  # a key number may be in an output (a table the cell shows)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            table = str(data.get("text/markdown", "")).replace("|", " ").replace("---", " ")
            shown = str(output.get("text", "")) + str(data.get("text/html", "")) + table
            text += "".join(re.sub(r"<[^>]+>", "", shown).split())
    missing = [f for f in key_numbers()[page] for piece in in_notebook_text(f) if piece not in text]
    assert not missing, f"{page}: not in the notebook: {missing}"


ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LINK = re.compile(r"\]\((?P<file>[\w./-]*?)(?:\.ipynb)?#(?P<anchor>[^)\s]+)\)")


def test_links_land_on_anchors(site_dir):
    books = {name: nbformat.read(path, as_version=4) for name, path in notebooks(site_dir).items()}
    anchors = {
        name: set(ANCHOR.findall("\n".join(markdown_cells(nb)))) for name, nb in books.items()
    }
    broken = []
    for name, notebook in books.items():
        for source in markdown_cells(notebook):
            for link in LINK.finditer(prose(source)):
                target = Path(link["file"]).name or name
                if link["anchor"] not in anchors.get(target, set()):
                    broken.append(f"{name}: {link[0]}")
    assert not broken, "\n".join(sorted(set(broken)))


# -- The wheel ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(site_dir) -> Path:
    (path,) = (site_dir / book_notebooks.DOWNLOADS).glob("*.whl")
    return path


def test_the_wheel_holds_all_of_linreg_src(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "linreg_src").rglob("*.py")}
    assert modules <= names, f"not in {wheel.name}: {sorted(modules - names)}"


def dist_name(requirement: str) -> str:
    """The normalized distribution name a requirement string starts with."""
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _requirements(wheel: Path) -> set[str]:
    """Distributions the wheel requires, with its notebook extra, and what they require."""
    metadata = (
        zipfile.ZipFile(wheel)
        .read(
            next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
        )
        .decode()
    )
    direct = []
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:"):
            spec = line.split(":", 1)[1]
            marker = spec.split(";", 1)[1] if ";" in spec else ""
            if not marker or f'extra == "{book_notebooks.NOTEBOOK_EXTRA}"' in marker:
                direct.append(dist_name(spec))
    seen: set[str] = set()
    todo = list(direct)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for spec in requires:
            if "extra ==" not in spec:
                todo.append(dist_name(spec))
    return seen


def test_the_install_command_covers_every_import(site_dir, wheel):
    required = _requirements(wheel)
    providers = importlib.metadata.packages_distributions()
    missing = set()
    for path in notebooks(site_dir).values():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for module in re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", cell.source, re.M):
                if module in sys.stdlib_module_names or module == "linreg_src":
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
                if not dists & required:
                    missing.add(f"{path.stem}: import {module} ({', '.join(sorted(dists))})")
    assert not missing, "not installed by the notebook's command:\n" + "\n".join(sorted(missing))


# -- Running them ------------------------------------------------------------------------------


PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    """The site's wheel installed into a scratch folder (``pip install --no-deps --target``)."""
    target = tmp_path_factory.mktemp("wheel") / "lib"
    subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(wheel)],
        check=True,
    )
    return target


WHERE = "import linreg_src as _m, pathlib as _p; print(_p.Path(_m.__file__).resolve())"


#: Runs one notebook in a process of its own (nbclient is not meant to share one process between
#: threads): ``python -c RUNNER notebook.ipynb executed.ipynb timeout``.
RUNNER = """
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

source, target, timeout = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
notebook = nbformat.read(source, as_version=4)
folder = {"metadata": {"path": str(source.parent)}}
NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources=folder).execute()
nbformat.write(notebook, target)
"""


def run_notebook(path: Path, folder: Path, lib: Path) -> nbformat.NotebookNode:
    """Run a copy of the notebook alone in ``folder``, ``linreg_src`` from ``lib`` first."""
    folder.mkdir(parents=True)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(WHERE))
    copy = folder / path.name
    copy.write_text(nbformat.writes(notebook), "utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(copy), str(folder / "executed.ipynb"), str(TIMEOUT)],
        env={**os.environ, "PYTHONPATH": str(lib)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{path.name} failed to run:\n{result.stderr[-4000:]}"
    return nbformat.read(folder / "executed.ipynb", as_version=4)


@pytest.fixture(scope="session")
def executed(site_dir, installed, tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """Every downloaded notebook, run again: two at a time, each in a process of its own."""
    scratch = tmp_path_factory.mktemp("notebooks")
    paths = notebooks(site_dir)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(run_notebook, path, scratch / name, installed)
            for name, path in paths.items()
        }
        return {name: future.result() for name, future in futures.items()}


def comparable(outputs: list) -> list:
    """What a cell showed, comparably: streams joined per stream, plain text and glued values,
    images as their kind, errors as their type."""
    shown, streams = [], {}
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            streams[output["name"]] = streams.get(output["name"], "") + output["text"]
        elif kind == "error":
            shown.append(("error", output["ename"]))
        else:
            data = output.get("data", {})
            for mime in sorted(data):
                value = data[mime] if "image" not in mime else "<image>"
                shown.append((mime, "".join(value) if isinstance(value, list) else value))
    return sorted(streams.items()) + shown


def kinds(outputs: list) -> list:
    return [(mime, "" if isinstance(v, str) else v) for mime, v in comparable(outputs)]


@pytest.mark.parametrize("page", pages_with_notebooks())
def test_notebook_runs_and_shows_what_the_page_shows(site_dir, executed, installed, page):
    downloaded = nbformat.read(notebooks(site_dir)[page], as_version=4)
    ran = executed[page]
    *cells, where = ran.cells
    assert Path(where.outputs[0]["text"].strip()).is_relative_to(installed.resolve()), (
        f"{page}: linreg_src came from {where.outputs[0]['text'].strip()}, not the wheel"
    )
    assert len(cells) == len(downloaded.cells)
    differ = []
    for index, (before, after) in enumerate(zip(downloaded.cells, cells, strict=True)):
        if before.cell_type != "code":
            continue
        if page in measured():
            same = [k[0] for k in kinds(before.outputs)] == [k[0] for k in kinds(after.outputs)]
        else:
            same = comparable(before.outputs) == comparable(after.outputs)
        if not same:
            page_shows, run_shows = (
                json.dumps(comparable(c.outputs), ensure_ascii=False)[:600] for c in (before, after)
            )
            differ.append(f"cell {index}:\n  page: {page_shows}\n  ran:  {run_shows}")
    assert not differ, f"{page}: outputs differ from the page's\n" + "\n".join(differ)
