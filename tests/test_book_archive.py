"""conf/_ext/book_archive.py and book_status.py: the site's archive and its provenance.

Fast tests on small folders and a scratch git repository; the built site's archive, download
menu and status page are checked by the ``site`` tests at the end (``nox -s site``).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
import book_archive  # noqa: E402  (conf/_ext)
import book_status  # noqa: E402  (conf/_ext)


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "html"
    for name, text in {
        "index.html": "<a href='b/c.html'>c</a>",
        "b/c.html": "c",
        "_static/x.png": "png",
        "downloads/book.pdf": "pdf",
    }.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def test_the_archive_holds_the_site_and_a_manifest(site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    target = site / "downloads" / "site.zip"
    book_archive.write_archive(site, target, "site", ROOT, "小书")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert names == [
            "site/MANIFEST.json",
            "site/_static/x.png",
            "site/b/c.html",
            "site/downloads/book.pdf",
            "site/index.html",
        ], "sorted, under one folder, without the archive itself"
        infos = archive.infolist()
        assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o644}
        assert archive.getinfo("site/_static/x.png").compress_type == zipfile.ZIP_STORED
        manifest = json.loads(archive.read("site/MANIFEST.json"))
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(archive.read(f"site/{name}")).hexdigest() == digest
    assert manifest["book"] == "小书"
    assert manifest["source_date_epoch"] == 1767225600
    assert manifest["built"] == "2026-01-01 00:00 UTC"
    assert "MANIFEST.json" not in manifest["files"]


def test_the_archive_is_byte_identical_for_the_same_site(site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = book_archive.write_archive(site, site / "a.zip", "site", ROOT, "b").read_bytes()
    (site / "a.zip").unlink()
    for path in site.rglob("*"):  # other file dates, same content
        if path.is_file():
            path.touch()
    second = book_archive.write_archive(site, site / "a.zip", "site", ROOT, "b").read_bytes()
    assert first == second


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
    )


def test_the_commit_is_read_from_the_checkout(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert book_status.commit_of(repo) == book_status.Commit(None, False)
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-qm", "a")
    commit = book_status.commit_of(repo)
    assert re.fullmatch(r"[0-9a-f]{40}", commit.sha or "") and not commit.dirty
    (repo / "a.txt").write_text("b")
    assert book_status.commit_of(repo).dirty
    assert "未提交" in book_status.commit_of(repo).describe()
    inner = repo / "copy"
    inner.mkdir()
    assert book_status.commit_of(inner).sha is None, "a folder inside a checkout is not it"


def test_seeds_are_found_in_code_and_in_the_package():
    assert book_status.seeds_in_code(
        ["torch.manual_seed(0)\ng = torch.Generator().manual_seed(2024)", "run(seed=SEED)"]
    ) == ["0", "2024", "SEED"]
    seeds = book_status.package_seeds()
    assert any(name.endswith(".ARTICLE_002_SEED") for name, _ in seeds)  # wherever it lives
    for name, value in seeds:
        module, attribute = name.rsplit(".", 1)
        assert getattr(importlib.import_module(module), attribute) == value
        assert not attribute.startswith("_"), f"{name} is private, not a seed the book uses"


def test_versions_name_what_computed_the_numbers():
    found = dict(book_status.versions())
    assert {"Python", "torch", "NumPy", "SymPy", "Sphinx", "MyST-NB"} <= found.keys()
    assert found["Python"].count(".") == 2


def test_the_build_date_comes_from_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert book_status.build_date() == (1767225600, "2026-01-01 00:00 UTC")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert book_status.build_date()[0] is None


# -- The built site (nox -s site) --------------------------------------------------------------


@pytest.fixture(scope="module")
def unpacked(site_dir, tmp_path_factory) -> Path:
    (archive,) = (site_dir / book_archive.DOWNLOADS).glob("*.zip")
    dest = tmp_path_factory.mktemp("archive")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(dest)
    (folder,) = dest.iterdir()
    return folder


@pytest.mark.site
def test_the_sites_archive_is_the_site(site_dir, unpacked):
    manifest = json.loads((unpacked / "MANIFEST.json").read_text("utf-8"))
    site_files = {
        p.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("*")
        if p.is_file() and not (p.parent.name == book_archive.DOWNLOADS and p.suffix == ".zip")
    }
    assert set(manifest["files"]) == site_files
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((unpacked / name).read_bytes()).hexdigest() == digest, name
        assert (site_dir / name).read_bytes() == (unpacked / name).read_bytes(), name


@pytest.mark.site
def test_the_archive_opens_from_index_html(unpacked):
    """Every page, stylesheet, script and image index.html needs is in the archive (but the
    archive itself, which the pages offer for download: an unpacked copy is already home)."""
    missing = []
    for page in ("index.html", "status.html"):
        soup = BeautifulSoup((unpacked / page).read_text("utf-8"), "html.parser")
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for node in soup.find_all(tag):
                url = urlsplit(node.get(attr) or "")
                if url.scheme or url.netloc or not url.path or url.path.endswith(".zip"):
                    continue
                if not (unpacked / unquote(url.path)).is_file():
                    missing.append(f"{page}: {node.get(attr)}")
    assert not missing, missing


@pytest.mark.site
def test_every_page_offers_the_take_home_files(site_dir):
    soup = BeautifulSoup((site_dir / "error_term.html").read_text("utf-8"), "html.parser")
    links = {a.get("href") for a in soup.select(".dropdown-download-buttons a")}
    (archive,) = (site_dir / book_archive.DOWNLOADS).glob("*.zip")
    (wheel,) = (site_dir / book_archive.DOWNLOADS).glob("*.whl")
    expected = {f"downloads/{archive.name}", f"downloads/{wheel.name}"}
    expected |= {f"downloads/{p.name}" for p in (site_dir / "downloads").glob("*.pdf")}
    assert expected <= links, links


@pytest.mark.site
def test_the_status_page_records_every_executed_page(site_dir):
    soup = BeautifulSoup((site_dir / "status.html").read_text("utf-8"), "html.parser")
    table = soup.select("table.book-status")[0]
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in table.select("tr")]
    rows = [r for r in rows if r]
    docs = ROOT / "docs"
    executed = {p.stem for p in docs.glob("*.md") if "kernelspec:" in p.read_text("utf-8")[:600]}
    assert len(rows) == len(executed)
    assert {r[1] for r in rows} == {"成功"}
    for row in rows:
        assert re.fullmatch(r"\d+\.\d", row[3]), row
    text = soup.get_text(" ", strip=True)
    for label in ("Python", "torch", "NumPy", "SymPy", "Sphinx", "MyST-NB", "PYTHONHASHSEED"):
        assert label in text
    timings = soup.select(".book-measured")
    # each row's time and whether this build ran the page, and the total
    assert len(timings) == 2 * len(rows) + 1 and all("no-search" in t["class"] for t in timings)


def test_every_download_icon_is_drawn():
    """The menu's take-home entries use icons that conf.py's ``linreg_icons`` draws, the PDF's
    too (a build without ``nox -s pdf`` first never shows it, so the site test cannot see it)."""
    import ast
    from types import SimpleNamespace

    tree = ast.parse((ROOT / "conf" / "conf.py").read_text("utf-8"))
    (icons,) = (
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "linreg_icons"
    )
    config = SimpleNamespace(
        html_context={"book_pdf": "linreg-book.pdf"},
        book_archive_name="linreg-book-html",
        linreg_package_root=str(ROOT),
    )
    entries = book_archive.downloads(SimpleNamespace(config=config))
    assert any(name.endswith(".pdf") for name, *_ in entries)
    for name, _, _, icon in entries:
        style, glyph = icon.split()
        assert glyph.removeprefix("fa-") in icons[style], f"{name}: {icon} is not drawn"
