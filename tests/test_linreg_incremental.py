"""Builds that cannot lie (conf/_ext/linreg_incremental.py).

Probes of issue 13: a strict build that failed "succeeded" when run again (a ``{ref}`` to no
label; a deleted ``glue(...)`` line), an incremental build dropped the search index's entries and
linked assets with other ``?v=`` suffixes than a clean one, neighbours kept stale previous/next
links, and the images of earlier runs piled up in ``_build/html/_images``.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "conf" / "_ext"), str(ROOT / "conf")]

import linreg_incremental  # noqa: E402


def _env(tmp_path: Path, docs: list[str]) -> SimpleNamespace:
    src = tmp_path / "docs"
    return SimpleNamespace(
        found_docs=set(docs),
        path2doc=lambda path: (
            Path(path).relative_to(src).with_suffix("").as_posix()
            if Path(path).is_relative_to(src)
            else None
        ),
        images={"/b/jupyter_execute/a1.png": ({"page"}, "a1.png")},
        dlfiles={"/b/data.csv": ({"page"}, "0f/data.csv")},
    )


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("page", "page"),
        (("page", 12), "page"),
        ("{src}/page.md:12", "page"),
        ("{src}/page.md", "page"),
        ("{src}/page.md:", "page"),
        ("/elsewhere/conf.py:3", None),
        (None, None),
        ("", None),
    ],
)
def test_a_warning_is_blamed_on_its_page(tmp_path, location, expected):
    env = _env(tmp_path, ["page"])
    if isinstance(location, str):
        location = location.format(src=tmp_path / "docs")
    assert linreg_incremental.docname_of(env, location) == expected


def test_a_warning_on_a_node_is_blamed_on_its_page(tmp_path):
    node = nodes.paragraph()
    node.source, node.line = str(tmp_path / "docs" / "page.md"), 4
    assert linreg_incremental.docname_of(_env(tmp_path, ["page"]), node) == "page"


def test_an_unreadable_state_means_no_page_warned(tmp_path):
    assert linreg_incremental.read_state(tmp_path / "missing.json") == set()
    (tmp_path / "bad.json").write_text("{not json")
    assert linreg_incremental.read_state(tmp_path / "bad.json") == set()


def test_a_warning_without_a_page_rereads_every_page_once():
    every, found = linreg_incremental.EVERY_PAGE, {"a", "b"}
    assert linreg_incremental.still_warned(set(), found, {every}, found) == {every}
    # the next build reads every page again; nothing warns: the build after reads nothing
    assert linreg_incremental.still_warned({every}, found, set(), found) == set()
    # a build that read only some pages keeps the mark, and a page that warned and was not read
    assert linreg_incremental.still_warned({every, "b"}, {"a"}, set(), found) == {every, "b"}
    assert linreg_incremental.still_warned({"b"}, {"b"}, {"a"}, found) == {"a"}


def test_index_entries_come_back_in_a_clean_builds_order():
    frozen = {
        "docnames": ["api", "chain", "intro"],
        "indexentries": {
            "linreg() (in module m)": [[0, "m.linreg", False]],
            "sgd": [[0, "m.sgd", True], [2, "sgd-intro", False]],
        },
    }
    written = {"chain": [("chain rule", "c", "")]}
    assert linreg_incremental.restored_index_entries(written, frozen, {"api", "chain"}) == {
        "api": [("linreg() (in module m)", "m.linreg", ""), ("sgd", "m.sgd", "main")],
        "chain": [("chain rule", "c", "")],
    }, "intro is gone from the book; chain was written again and keeps its new entries"


def test_files_no_page_uses_are_listed(tmp_path):
    out = tmp_path / "html"
    files = [
        "page.html",
        "gone.html",
        "search.html",
        "_images/a1.png",
        "_images/old.png",
        "_downloads/0f/data.csv",
        "_downloads/9a/old.csv",
        "_sources/page.md.txt",
        "_sources/page.ipynb",
        "_sources/gone.md.txt",
        "_static/theme.css",
        "objects.inv",
    ]
    for name in files:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x")
    env = _env(tmp_path, ["page"])
    unused = linreg_incremental.unused_files(out, env, {"page", "search"}, [".md"])
    assert [p.relative_to(out).as_posix() for p in unused] == [
        "_downloads/9a/old.csv",
        "_images/old.png",
        "_sources/gone.md.txt",
        "gone.html",
    ]


# -- in builds of a copy of the book ---------------------------------------------------------------

MISSING_LABEL = "\n\n见 {ref}`no-such-label`。\n"
GLUE_LINE = 'glue("auto_grad_v", auto_grad_v, display=False)\n'


@pytest.mark.slow
def test_a_failed_strict_build_fails_again_until_the_cause_is_fixed(copy_project, clean_builds):
    project = copy_project("fixed-point")
    project.seed_cache("html", clean_builds.cache)
    notation, chain = project.docs / "notation.md", project.docs / "chain_rule.md"
    originals = {path: path.read_text("utf-8") for path in (notation, chain)}
    notation.write_text(originals[notation] + MISSING_LABEL, "utf-8")
    assert GLUE_LINE in originals[chain]
    chain.write_text(originals[chain].replace(GLUE_LINE, ""), "utf-8")
    expected = [
        f"{notation}:{{}}: WARNING: undefined label: 'no-such-label'",
        f"{chain}:{{}}: WARNING: No key 'auto_grad_v' found in glue data for this document.",
    ]

    for attempt in ("first", "second", "third"):
        run = project.sphinx("html")
        assert run.returncode != 0, f"the {attempt} build passed with both causes still there"
        for line in expected:
            assert re.search(re.escape(line).replace(r"\{\}", r"\d+"), run.stderr), (attempt, line)

    for path, text in originals.items():
        path.write_text(text, "utf-8")
    run = project.sphinx("html").check()
    assert "WARNING" not in run.stderr


EXTRA_PAGE = """# {title}

```{{code-cell}} ipython3
import matplotlib.pyplot as plt
import numpy as np

plt.plot(np.random.default_rng({seed}).normal(size=10))
plt.show()
```
"""


def assert_same_site(incremental: Path, clean: Path) -> None:
    """Byte for byte, file for file: the incremental build's output is the clean build's."""
    ours = sorted(
        p.relative_to(incremental).as_posix() for p in incremental.rglob("*") if p.is_file()
    )
    theirs = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file())
    assert set(ours) - set(theirs) == set(), "files a clean build does not have (leftovers)"
    assert set(theirs) - set(ours) == set(), "files the incremental build lacks"
    _, mismatch, errors = filecmp.cmpfiles(incremental, clean, ours, shallow=False)
    assert not errors
    mismatch = [name for name in mismatch if not _same_but_build_record(incremental, clean, name)]
    assert not mismatch, f"the incremental build differs from a clean one in {mismatch}"


#: The status page reports this build's execution record (which pages ran, for how long): it
#: is the one page an incremental build and a clean one may not share. Those elements carry
#: this class (conf/_ext/book_status.py) and are masked; all else on the page must match.
STATUS_PAGE, BUILD_RECORD = "status.html", "book-measured"


def _masked_record(path: Path) -> str:
    soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
    for element in soup.select(f".{BUILD_RECORD}"):
        element.string = "#"
    return str(soup)


def _same_but_build_record(incremental: Path, clean: Path, name: str) -> bool:
    """Whether ``name`` differs only in the status page's build record (or, for the site's
    archive, whether the archived sites do, with manifests that differ only in its hash)."""
    if name == STATUS_PAGE:
        return _masked_record(incremental / name) == _masked_record(clean / name)
    if not name.endswith(".zip"):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        folders, hashes = [], []
        for side, site in (("incremental", incremental), ("clean", clean)):
            with zipfile.ZipFile(site / name) as archive:
                archive.extractall(Path(tmp, side))
            (folder,) = Path(tmp, side).iterdir()
            manifest = json.loads((folder / "MANIFEST.json").read_text("utf-8"))
            hashes.append(manifest.pop("files"))
            (folder / "MANIFEST.json").unlink()
            folders.append((folder, manifest))
        (ours, our_manifest), (theirs, their_manifest) = folders
        assert our_manifest == their_manifest, f"{name}: the manifests differ"
        assert hashes[0].keys() == hashes[1].keys(), f"{name}: other files"
        differ = {f for f in hashes[0] if hashes[0][f] != hashes[1][f]}
        assert differ <= {STATUS_PAGE}, f"{name}: files differ: {sorted(differ)}"
        assert_same_site(ours, theirs)
    return True


@pytest.mark.slow
def test_an_incremental_build_gives_the_site_a_clean_build_gives(copy_project, clean_builds):
    project = copy_project("incremental")
    project.seed_cache("html", clean_builds.cache)
    project.sphinx("html").check()
    out = project.build_dir("html") / "html"

    # A new last chapter (every page's sidebar and the old last page's "next" change), a figure
    # on it, and an edited paragraph elsewhere.
    extra = project.add_page(
        "incremental_extra", EXTRA_PAGE.format(title="Extra", seed=1), notebook=True
    )
    notation = project.docs / "notation.md"
    notation.write_text(
        notation.read_text("utf-8") + "\n\n（增量构建测试追加的一句话。）\n", "utf-8"
    )
    project.sphinx("html").check()
    first_figure = set((out / "_images").iterdir())

    # The new page's title and figure change: a new image; the old one is used by no page.
    extra.write_text(
        extra.read_text("utf-8").replace("# Extra", "# Extra, renamed").replace("(1)", "(2)"),
        "utf-8",
    )
    run = project.sphinx("html").check()
    assert run.executed == {"incremental_extra"}
    assert first_figure - set((out / "_images").iterdir()), "the old figure was removed"

    project.seed_cache("clean", project.cache("html"))  # same executions: same numbers
    assert project.sphinx("clean").check().executed == set()
    assert_same_site(out, project.build_dir("clean") / "html")

    # The chapter goes again: its page and sources go, and the neighbours' links change back.
    extra.unlink()
    index = project.docs / "index.md"
    index.write_text(
        index.read_text("utf-8").replace(
            "\n\n```{toctree}\n:hidden:\n\nincremental_extra\n```\n", ""
        ),
        "utf-8",
    )
    project.sphinx("html").check()
    assert not (out / "incremental_extra.html").exists()
    shutil.rmtree(project.build_dir("clean"))
    project.seed_cache("clean", project.cache("html"))
    project.sphinx("clean").check()
    assert_same_site(out, project.build_dir("clean") / "html")
