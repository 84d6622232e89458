"""Reproducible: two clean builds of the book give byte-identical sites.

Both builds run the command and environment of ``nox -s docs`` (``conf/build_env.py``) on the
same copy of the project, at the same time, each from nothing: its own execution cache,
doctrees, executed notebooks and output folder, so every page executes in a fresh kernel both
times. Every file of the HTML output is compared byte for byte -- pages, images, the search
index, the downloadable notebooks, ``_static`` and Sphinx's ``.buildinfo``.

The kernels that execute the pages are forked from one process that imported torch already
(``conf/_ext/linreg_forkserver.py``); a third build with kernels started from scratch, one page
after another as MyST-NB alone would run them, must give the same site again.

The one exception is a page listed in :data:`MEASURED`: it shows wall-clock timings taken while
the book builds, which no two runs share. Its page and notebook must still be identical without
their outputs and glued values (prose, code, cells), its figures must be as many, and the search
index must be identical once that page's entries are set aside. The status page
(:data:`TIMINGS`) reports how long each page's kernel ran: only those times are masked. The
site's archive (``downloads/*.zip``) holds the site itself: unpacked, it must compare the same
way, and its manifest may differ only in the hashes of the files above.
"""

from __future__ import annotations

import filecmp
import json
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

#: Pages whose numbers are measurements of the build machine, not computations: page -> why.
#: Keep this short; a page that computes its numbers belongs to the byte-identical rest.
MEASURED: dict[str, str] = {
    "cost": "times hand-written and autograd gradients on the build machine (linreg_src.timing)",
}
#: Pages that execute nothing but report the build's execution times, each time in an element of
#: this class (conf/_ext/book_status.py): page -> class. Only those elements are masked.
TIMINGS: dict[str, str] = {"status": "book-measured"}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_IMAGE = re.compile(r"_images/[0-9a-f]{16,}\.(?:png|svg|jpg|jpeg|gif)")


def files_under(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def notebook_pages(docs: Path) -> set[str]:
    """Pages MyST-NB executes: text notebooks (a jupytext header) and .ipynb files."""
    pages = {p for p in docs.rglob("*.ipynb")}
    pages |= {p for p in docs.rglob("*.md") if "jupytext:" in p.read_text("utf-8")[:500]}
    return {p.relative_to(docs).with_suffix("").as_posix() for p in pages}


def images_of(html: Path) -> set[str]:
    return set(_IMAGE.findall(html.read_text("utf-8")))


def glued_markdown(html: Path, executed: Path | None = None) -> list[str]:
    """The Markdown values a page pastes inline (``{glue:md}``), rendered as the page shows them.

    MyST-NB writes them into the page with no element around them, so they are found by text:
    MyST-NB keeps each page's glued values in ``<build>/jupyter_execute/<page>.glue.json``
    (``executed``: that folder, for a site that is not in its build folder).
    """
    from markdown_it import MarkdownIt

    executed = executed or html.parent.parent / "jupyter_execute"
    glue = json.loads((executed / f"{html.stem}.glue.json").read_text())
    values = [v["data"]["text/markdown"] for v in glue.values() if "text/markdown" in v["data"]]
    return [MarkdownIt().renderInline(v) for v in values]


def masked(path: Path, executed: Path | None = None) -> str:
    """A measured page without what its measurements decide: outputs, pasted values, numbers.

    What stays must match exactly: the prose, the code, the headings, the cells and their order.
    Cell outputs and glued values go (the page states verdicts such as "faster" or "within 2x"
    that depend on the timings); remaining numbers and the blanks that align them are masked.
    """
    text = path.read_text("utf-8")
    if path.suffix == ".html":
        # Outside code listings only: a page's code may spell out a verdict it can glue.
        parts = re.split(r"(<pre\b.*?</pre>)", text, flags=re.S)
        for value in glued_markdown(path, executed):
            prose = parts[::2]
            assert any(value in part for part in prose), f"{path.name}: {value!r} not found"
            parts[::2] = [part.replace(value, "#") for part in prose]
        text = "".join(parts)
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        glued = [  # the downloadable notebook writes glued Markdown into its Markdown cells
            "".join(value)
            for cell in notebook["cells"]
            for output in cell.get("outputs", [])
            for mime, value in output.get("data", {}).items()
            if mime.endswith("record/text/markdown")
        ]
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                for value in glued:
                    source = source.replace(value, "#")
                cell["source"] = source
            if "outputs" in cell:
                cell["outputs"] = []
                cell["execution_count"] = None
        text = json.dumps(notebook, indent=1, sort_keys=True)
    else:
        soup = BeautifulSoup(text, "html.parser")
        for output in soup.select(".cell_output"):
            output.decompose()
        for pasted in soup.select(".pasted-text, .pasted-inline"):
            pasted.string = "#"
        text = str(soup)
    return re.sub(r"[ \t]+", " ", _NUMBER.sub("#", _IMAGE.sub("_images/#", text)))


def timings_masked(path: Path, css_class: str) -> str:
    """A page with the text of its timing elements (class ``css_class``) replaced by ``#``."""
    soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
    timings = soup.select(f".{css_class}")
    assert timings, f"{path.name}: no .{css_class} element"
    for timing in timings:
        timing.string = "#"
    return str(soup)


def search_index_without(path: Path, pages: set[str]) -> dict:
    """The search index, with the given pages' words and titles taken out."""
    data = json.loads(
        re.fullmatch(r"Search\.setIndex\((.*)\)\s*", path.read_text("utf-8"), re.S)[1]
    )
    drop = {data["docnames"].index(p) for p in pages if p in data["docnames"]}
    for key in ("terms", "titleterms"):
        kept = {}
        for term, docs in data[key].items():  # one page: its number; several: a list
            docs = sorted(d for d in ([docs] if isinstance(docs, int) else docs) if d not in drop)
            if docs:
                kept[term] = docs
        data[key] = kept
    return data


def test_two_clean_builds_are_byte_identical(clean_builds):
    pages = notebook_pages(clean_builds.project.docs)
    for tag, run in clean_builds.runs.items():
        assert run.executed == pages, f"{tag}: every notebook page executed, none came cached"
        assert run.executed_ahead == pages, f"{tag}: MyST-NB had to execute a page itself"
    assert MEASURED.keys() <= pages, "MEASURED names a page that does not execute"
    assert_same_site(clean_builds.html("first"), clean_builds.html("second"), pages)


def test_kernels_started_from_scratch_give_the_same_site(clean_builds):
    project = clean_builds.project
    run = project.sphinx(
        "scratch", "html", "-D", "linreg_fork_kernels=0", "-D", "linreg_execution_workers=0"
    ).check()
    pages = notebook_pages(project.docs)
    assert run.executed == pages, "every notebook page executed, none came cached"
    assert not run.executed_ahead, "MyST-NB ran each page itself"
    assert_same_site(clean_builds.html("first"), project.build_dir("scratch") / "html", pages)


def assert_same_site(
    first: Path, second: Path, pages: set[str], executed: tuple[Path, Path] | None = None
) -> set[str]:
    """The two HTML folders are byte-identical but for the :data:`MEASURED` pages' numbers,
    the :data:`TIMINGS` and the archives (compared unpacked). Returns the names that differ.

    ``executed``: each build's ``jupyter_execute`` folder, if not beside its HTML folder.
    """
    first_files, second_files = files_under(first), files_under(second)
    assert any(name.endswith(".html") for name in first_files)

    measured = {f"{p}.html" for p in MEASURED} | {f"_sources/{p}.ipynb" for p in MEASURED}
    measured &= first_files.keys()
    timed = {f"{p}.html" for p in TIMINGS} & first_files.keys()
    archives = {n for n in first_files if n.startswith("downloads/") and n.endswith(".zip")}
    figures = {side: set() for side in (first, second)}
    for side in figures:
        for page in MEASURED:
            figures[side] |= images_of(side / f"{page}.html")
        for page in set(pages) - MEASURED.keys():  # a figure other pages show must match
            figures[side] -= images_of(side / f"{page}.html")
    assert len(figures[first]) == len(figures[second])
    ignore = measured | figures[first] | figures[second] | {"searchindex.js"} | timed | archives

    assert first_files.keys() - ignore == second_files.keys() - ignore
    compared = sorted(first_files.keys() - ignore)
    _, mismatch, errors = filecmp.cmpfiles(first, second, compared, shallow=False)
    assert not errors
    assert not mismatch, f"{first.parent.name} and {second.parent.name} differ: {mismatch}"

    executed = executed or (first.parent / "jupyter_execute", second.parent / "jupyter_execute")
    for name in sorted(measured):
        assert masked(first / name, executed[0]) == masked(second / name, executed[1]), (
            f"{name} differs beyond its numbers"
        )
    for page, css_class in TIMINGS.items():
        if f"{page}.html" in timed:
            name = f"{page}.html"
            assert timings_masked(first / name, css_class) == timings_masked(
                second / name, css_class
            ), f"{name} differs beyond its timings"
    assert search_index_without(first / "searchindex.js", set(MEASURED)) == search_index_without(
        second / "searchindex.js", set(MEASURED)
    )
    for name in sorted(archives):
        assert_same_archive(first / name, second / name, pages, executed, ignore - archives)
    return ignore


def assert_same_archive(
    first: Path, second: Path, pages: set[str], executed: tuple[Path, Path], varying: set[str]
) -> None:
    """Two archives of the site hold the same site, and manifests that differ only in the
    hashes of files that may vary (``varying``)."""
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for side, archive in (("first", first), ("second", second)):
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(Path(tmp, side))
            (folder,) = Path(tmp, side).iterdir()
            folders.append(folder)
        manifests = [json.loads((f / "MANIFEST.json").read_text("utf-8")) for f in folders]
        hashes = [manifest.pop("files") for manifest in manifests]
        assert manifests[0] == manifests[1], "the manifests differ beyond their files' hashes"
        # A measured page's figures are named after their content: other names, as many.
        assert hashes[0].keys() - varying == hashes[1].keys() - varying
        assert len(hashes[0]) == len(hashes[1])
        differ = {
            name
            for name in hashes[0].keys() & hashes[1].keys()
            if hashes[0][name] != hashes[1][name]
        }
        assert differ <= varying, f"{first.name}: files differ: {sorted(differ - varying)}"
        for folder in folders:
            (folder / "MANIFEST.json").unlink()
        assert_same_site(folders[0], folders[1], pages, executed)
