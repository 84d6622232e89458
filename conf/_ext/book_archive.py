"""What a reader takes home from the site: the PDF, the whole site in one archive, the wheel.

* **The PDF** (``nox -s pdf`` builds it; ``book_pdf`` in ``conf.py`` names the file): an HTML
  build that finds it copies it to ``downloads/`` and links it; one that does not, doesn't.
  Whether it exists is part of the HTML configuration (``html_context``), so every page is
  written again when it appears or goes.
* **The archive** ``downloads/<book_archive_name>.zip``: every file of the HTML output under one
  folder, opening from its ``index.html`` with no server, and ``MANIFEST.json`` listing the
  commit, the build's date and the SHA-256 of every other file. Written at the end of every HTML
  build, byte-identical for identical sites (sorted entries, ``SOURCE_DATE_EPOCH`` timestamps,
  fixed permissions and compression).
* **The download menu** of every page (sphinx-book-theme) gains the PDF, the archive and
  ``linreg_src``'s wheel (``book_notebooks``); ``{book-downloads}`` lists them on a page, with
  the command that installs the wheel.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

from book_notebooks import DOWNLOADS, install_command, wheel_name
from book_status import build_date, commit_of
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: Formats already compressed: stored as they are.
STORED = {".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".whl", ".zip", ".pdf", ".gz"}
MANIFEST = "MANIFEST.json"


# -- The PDF -----------------------------------------------------------------------------------


def pdf_source(config: Config) -> Path | None:
    path = Path(config.book_pdf) if config.book_pdf else None
    return path if path is not None and path.is_file() else None


def note_pdf(app: Sphinx, config: Config) -> None:
    """Record in the HTML configuration whether there is a PDF to offer (see module docstring)."""
    pdf = pdf_source(config)
    config.html_context = {**config.html_context, "book_pdf": pdf.name if pdf else ""}


def copy_pdf(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    pdf = pdf_source(app.config)
    if pdf is not None:
        target = Path(app.outdir, DOWNLOADS, pdf.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != pdf.read_bytes():
            shutil.copyfile(pdf, target)


def downloads(app: Sphinx) -> list[tuple[str, str, str, str]]:
    """``(file name, menu text, tooltip, icon)`` of each take-home file of this build."""
    files = []
    pdf = app.config.html_context.get("book_pdf")
    if pdf:
        files.append((pdf, "全书 PDF", "下载整本书的 PDF", "fas fa-file-pdf"))
    files.append(
        (
            f"{app.config.book_archive_name}.zip",
            "离线网站 .zip",
            "下载整个网站：解压后打开 index.html，无需网络",
            "fas fa-file-zipper",
        )
    )
    wheel = wheel_name(Path(app.config.linreg_package_root))
    files.append((wheel, "linreg_src .whl", "下载书的源码包，供笔记本安装", "fas fa-box"))
    return files


def add_menu_entries(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """Append the take-home files to sphinx-book-theme's download menu (built at 501)."""
    group = next(
        (b for b in context.get("header_buttons", []) if b.get("label") == "download-buttons"),
        None,
    )
    if group is None:
        return
    for name, text, tooltip, icon in downloads(app):
        group["buttons"].append(
            {
                "type": "link",
                "url": context["pathto"](f"{DOWNLOADS}/{name}", 1),
                "text": text,
                "tooltip": tooltip,
                "icon": icon,
                "label": f"download-{name.rsplit('.', 1)[-1]}-book-button",
            }
        )


# -- {book-downloads} --------------------------------------------------------------------------


class downloads_placeholder(nodes.General, nodes.Element):
    pass


class BookDownloads(SphinxDirective):
    """``{book-downloads}``: links to the take-home files and the wheel's install command."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.__dict__.setdefault("book_download_pages", set()).add(self.env.docname)
        return [downloads_placeholder()]


NO_PDF = "这次构建没有 PDF：先运行 nox -s pdf，再构建网站。"
ON_THE_SITE = "书的网站在这一页提供全书 PDF、整个网站的离线存档和源码包下载。"
INSTALL = "在下载的笔记本旁边放好源码包，用这一条命令安装它和笔记本用到的库："


def downloads_nodes(app: Sphinx, docname: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    if app.builder.format == "html":
        items = nodes.bullet_list()
        for name, text, tooltip, _ in downloads(app):
            uri = posixpath.relpath(f"{DOWNLOADS}/{name}", posixpath.dirname(docname) or ".")
            para = nodes.paragraph()
            para += nodes.reference("", text, refuri=uri, classes=["book-download"])
            para += nodes.Text(f"：{tooltip}（{name}）")
            items += nodes.list_item("", para)
        out.append(items)
        if not app.config.html_context.get("book_pdf"):
            out.append(nodes.paragraph("", NO_PDF))
    else:
        out.append(nodes.paragraph("", ON_THE_SITE))
    wheel = wheel_name(Path(app.config.linreg_package_root))
    out.append(nodes.paragraph("", INSTALL))
    command = install_command(wheel)
    out.append(nodes.literal_block(command, command, language="bash"))
    return out


class DownloadsTransform(SphinxPostTransform):
    default_priority = 8

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(downloads_placeholder)):
            node.replace_self(downloads_nodes(self.app, self.env.docname))


def rewrite_download_pages(app: Sphinx, env: Any) -> list[str]:
    """Write the pages that list the downloads again when the list changed (a PDF built or
    gone, another wheel); a build with nothing to do writes nothing."""
    stamp = repr(
        [downloads(app), wheel_name(Path(app.config.linreg_package_root)), app.builder.format]
    )
    if getattr(env, "book_downloads_stamp", None) == stamp:
        return []
    env.book_downloads_stamp = stamp
    return sorted(getattr(env, "book_download_pages", set()) & env.found_docs)


def purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "book_download_pages", set()).discard(docname)


def merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    env.__dict__.setdefault("book_download_pages", set()).update(
        getattr(other, "book_download_pages", set()) & docnames
    )


# -- The archive -------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest(site: Path, files: list[str], root: Path, project: str) -> dict[str, Any]:
    """The archive's ``MANIFEST.json``: where and when the site was built, each file's hash."""
    commit = commit_of(root)
    stamp, date = build_date()
    return {
        "book": project,
        "commit": commit.sha,
        "dirty": commit.dirty,
        "source_date_epoch": stamp,
        "built": date,
        "note": (
            "built: the build's date as SOURCE_DATE_EPOCH gives it (by default the last "
            "commit's), so that two builds of one commit are byte-identical; files: SHA-256 "
            "of every other file of the archive, paths relative to its folder"
        ),
        "files": {name: sha256(site / name) for name in files},
    }


def write_archive(site: Path, target: Path, folder: str, root: Path, project: str) -> Path:
    """Zip the site ``site`` into ``target`` under ``folder/``, with a manifest; reproducibly."""
    stamp, _ = build_date()
    when = time.gmtime(max(stamp or 0, 315532800))[:6]  # zip dates start in 1980
    files = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.resolve() != target.resolve()
    )
    data = json.dumps(manifest(site, files, root, project), indent=1, ensure_ascii=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w") as archive:

        def add(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=when)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever system builds it
            stored = Path(name).suffix.lower() in STORED
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            # Level 1: the archive is written on every build; 6 took 3.6 s instead of 1.0 s
            # here, for 9 % less (8.6 MB instead of 9.4 MB).
            archive.writestr(info, content, compresslevel=None if stored else 1)

        add(MANIFEST, (data + "\n").encode("utf-8"))
        for name in files:
            add(name, (site / name).read_bytes())
    partial.replace(target)
    return target


def archive_site(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html" or app.builder.name != "html":
        return
    name = app.config.book_archive_name
    target = Path(app.outdir, DOWNLOADS, f"{name}.zip")
    write_archive(
        Path(app.outdir), target, name, Path(app.config.linreg_package_root), app.config.project
    )
    logger.info("archive of the site: %s", target)


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("book_pdf", "", "html", str)
    app.add_config_value("book_archive_name", "linreg-book-html", "html", str)
    app.add_node(downloads_placeholder)
    app.add_directive("book-downloads", BookDownloads)
    app.add_post_transform(DownloadsTransform)
    app.connect("config-inited", note_pdf)
    app.connect("builder-inited", copy_pdf)
    app.connect("html-page-context", add_menu_entries, priority=502)
    app.connect("env-updated", rewrite_download_pages)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    # Last: themes still write files when the build finishes (pydata: _static/pygments.css).
    # After linreg_incremental (999) has removed earlier builds' leftovers: archive what stays.
    app.connect("build-finished", archive_site, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
