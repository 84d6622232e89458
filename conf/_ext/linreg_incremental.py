"""An incremental build gives the site a clean build gives, and a failed strict build stays failed.

Sphinx reads and writes only the pages that changed. Four things a clean build does are lost
that way, and this extension restores them:

1. **Warnings.** A page's warnings are raised when it is read or written, so a strict (``-W``)
   build that failed "succeeds" when run again with the broken page still in the output. The
   pages that warned are remembered (a file in the doctrees folder) and read and written again
   by the next build, which therefore warns -- and fails -- again until the cause is fixed. A
   warning no page can be blamed for makes the next build read every page.
2. **Navigation.** Every page shows the table of contents (sphinx-book-theme's sidebar) and its
   neighbours' titles (previous/next). When the toctree or a page title changes, every page is
   written again, not only the changed ones.
3. **The search index.** Sphinx reloads the previous ``searchindex.js`` but not its index entries
   (sphinx-doc/sphinx#12599), so an incremental build drops those of every page it does not
   write. They are put back from the previous index, in a clean build's order. Words no page has
   any more (a page removed, or a word edited out) are dropped instead of listed with no page.
4. **Leftovers and asset links.** ``_static`` is emptied before each HTML build: Sphinx copies its
   own static files before writing the pages, MyST-NB and sphinx-exercise copy theirs after, and
   Sphinx appends ``?v=<checksum>`` to a link only if the file is there when the page is
   written -- so a page written by an incremental build would link ``mystnb.css?v=…`` where a
   clean build links ``mystnb.css``. After the build, images, downloads, sources and pages that
   no current page uses are deleted (earlier runs of the timing page leave their figures).
"""

from __future__ import annotations

import json
import logging as std_logging
import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.logging import get_node_location, is_suppressed_warning

logger = logging.getLogger(__name__)

STATE = "linreg-incremental.json"
#: In the state file: a warning no page could be blamed for.
EVERY_PAGE = "*"


# -- 1. pages that warned --------------------------------------------------------------------------


def docname_of(env: BuildEnvironment, location: Any) -> str | None:
    """The page a warning's ``location`` points at, or ``None``.

    Sphinx's loggers take a docname, ``(docname, line)``, a node, or (once Sphinx has formatted
    it) ``"path:line"``.
    """
    if isinstance(location, tuple):
        location = location[0]
    if isinstance(location, nodes.Node):
        location = get_node_location(location)
    if not location or not isinstance(location, str):
        return None
    if location in env.found_docs:
        return location
    path = re.sub(r":\d*$", "", location)
    try:
        return env.path2doc(path)
    except ValueError:
        return None


class WarningRecorder(std_logging.Handler):
    """Collects the pages that warned, from every warning Sphinx logs (and does not suppress)."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(std_logging.WARNING)
        self.app = app
        self.pages: set[str] = set()

    def emit(self, record: std_logging.LogRecord) -> None:
        config = getattr(self.app, "config", None)
        suppressed = getattr(config, "suppress_warnings", []) if config else []
        kind, subtype = getattr(record, "type", None), getattr(record, "subtype", None)
        if is_suppressed_warning(kind, subtype, suppressed):
            return
        env = getattr(self.app, "env", None)
        docname = docname_of(env, getattr(record, "location", None)) if env else None
        self.pages.add(docname if docname is not None else EVERY_PAGE)


def _state_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / STATE


def read_state(path: Path) -> set[str]:
    """The pages the last build warned about (:data:`EVERY_PAGE`: it could not say)."""
    try:
        return set(json.loads(path.read_text("utf-8"))["warned"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    _STATE["navigation"] = navigation(env)
    if not app.config.linreg_reread_warned:
        return []
    warned = read_state(_state_file(app))
    again = sorted(env.found_docs if EVERY_PAGE in warned else warned & env.found_docs)
    if again:
        logger.info(
            "[linreg_incremental] reading again %d page(s) that warned in the last build",
            len(again),
        )
    return again


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    _STATE["read"] = set(docnames)


def still_warned(old: set[str], read: set[str], warned_now: set[str], found: set[str]) -> set[str]:
    """The pages to read again next time: those that warned in this build, and those that
    warned before and were not read this time. :data:`EVERY_PAGE` stays only until a build
    has read every page again (it names no page, so reading pages never removes it otherwise).
    """
    left = old - read
    if EVERY_PAGE in left and found <= read:
        left.discard(EVERY_PAGE)
    return warned_now | left


def _save_state(app: Sphinx) -> None:
    recorder: WarningRecorder = _STATE["recorder"]
    old = read_state(_state_file(app))
    warned = still_warned(old, _STATE.get("read", set()), recorder.pages, set(app.env.found_docs))
    path = _state_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"warned": sorted(warned)}), "utf-8")


# -- 2. navigation ---------------------------------------------------------------------------------


def navigation(env: BuildEnvironment) -> dict[str, Any]:
    """What every page's sidebar and previous/next links show: the toctree and the titles."""
    return {
        "toctree": {doc: list(included) for doc, included in sorted(env.toctree_includes.items())},
        "titles": {doc: title.astext() for doc, title in sorted(env.titles.items())},
        "found": sorted(env.found_docs),
    }


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    before = _STATE.get("navigation")
    if before is None or not before["titles"] or before == navigation(env):
        return []  # a fresh environment writes every page anyway
    logger.info(
        "[linreg_incremental] the table of contents or a title changed: "
        "writing every page again (each shows them)"
    )
    return sorted(env.found_docs)


# -- 3. the search index ---------------------------------------------------------------------------


def restored_index_entries(
    entries: dict[str, list[tuple[str, str, str]]], frozen: dict[str, Any], keep: set[str]
) -> dict[str, list[tuple[str, str, str]]]:
    """``entries`` (the pages written now) plus the previous index's entries of the other pages
    in ``keep``, ordered by page as a clean build orders them.

    ``frozen`` is the previous ``searchindex.js``'s data. It holds each entry lower-cased, and
    Sphinx lower-cases them again when it writes the index, so the result is the same.

    Examples
    --------
    >>> old = {"docnames": ["a", "b"], "indexentries": {"f()": [[0, "f", True], [1, "g", False]]}}
    >>> restored_index_entries({"b": []}, old, {"a", "b"})
    {'a': [('f()', 'f', 'main')], 'b': []}
    """
    docnames = frozen.get("docnames", [])
    restored: dict[str, set[tuple[str, str, str]]] = {}
    for entry, refs in frozen.get("indexentries", {}).items():
        for doc, target, main in refs:
            name = docnames[doc]
            if name in keep and name not in entries:
                restored.setdefault(name, set()).add((entry, target, "main" if main else ""))
    merged = {**entries, **{doc: sorted(found) for doc, found in restored.items()}}
    return {doc: merged[doc] for doc in sorted(merged)}


def _on_html_collect_pages(app: Sphinx):
    indexer = getattr(app.builder, "indexer", None)
    if indexer is None or not hasattr(indexer, "_index_entries"):
        return []
    from sphinx.search import js_index

    path = Path(app.outdir) / app.builder.searchindex_filename
    try:
        frozen = js_index.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        frozen = {}
    indexer._index_entries = restored_index_entries(
        indexer._index_entries, frozen, set(app.env.all_docs)
    )
    drop_empty_terms(indexer)
    return []


def drop_empty_terms(indexer) -> None:
    """Forget the words no page has any more.

    Sphinx removes a page that is gone or written again from each word's pages, but keeps the
    word, which then goes into the index with no page; a clean build never has it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> indexer = SimpleNamespace(_mapping={"plt": set(), "sgd": {"api"}}, _title_mapping={})
    >>> drop_empty_terms(indexer)
    >>> indexer._mapping
    {'sgd': {'api'}}
    """
    for name in ("_mapping", "_title_mapping"):
        mapping = getattr(indexer, name, None)
        if isinstance(mapping, dict):
            for word in [word for word, pages in mapping.items() if not pages]:
                del mapping[word]


# -- 4. leftovers ----------------------------------------------------------------------------------


def _on_builder_inited(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    for name in ("_static", "reports"):  # reports: MyST-NB's tracebacks of failed pages
        shutil.rmtree(Path(app.outdir) / name, ignore_errors=True)


def _on_html_page_context(app: Sphinx, pagename: str, *args: Any) -> None:
    _STATE.setdefault("written", set()).add(pagename)


def unused_files(
    outdir: Path, env: BuildEnvironment, written: set[str], source_suffixes: list[str]
) -> list[Path]:
    """Files in the HTML output that no current page uses: earlier builds' leftovers."""
    out = Path(outdir)
    images = {unique for _, unique in env.images.values()}
    downloads = {dest for _, dest in env.dlfiles.values()}
    pages = set(env.found_docs) | written

    def docname(relative: str) -> str:
        for suffix in (".txt", ".ipynb", *source_suffixes):
            relative = relative.removesuffix(suffix)
        return relative

    unused = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        top = relative.split("/", 1)[0]
        if top == "_images":
            keep = relative.removeprefix("_images/") in images
        elif top == "_downloads":
            keep = relative.removeprefix("_downloads/") in downloads
        elif top == "_sources":
            keep = docname(relative.removeprefix("_sources/")) in env.found_docs
        elif top.startswith((".", "_")) or not relative.endswith(".html"):
            keep = True
        else:
            keep = relative.removesuffix(".html") in pages
        if not keep:
            unused.append(path)
    return unused


def _remove_unused(app: Sphinx) -> None:
    suffixes = list(app.config.source_suffix)
    removed = unused_files(Path(app.outdir), app.env, _STATE.get("written", set()), suffixes)
    for path in removed:
        path.unlink()
    if removed:
        logger.info("[linreg_incremental] removed %d file(s) no page uses any more", len(removed))


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    try:
        if exception is None and app.builder.format == "html":
            _remove_unused(app)
    finally:
        _save_state(app)
        std_logging.getLogger(logging.NAMESPACE).removeHandler(_STATE["recorder"])
        _STATE.clear()


#: This build's state (one build at a time per process).
_STATE: dict[str, Any] = {}


def setup(app: Sphinx) -> dict[str, object]:
    # False: do not read again the pages that warned last time (tools/bench_build.py's
    # execution-off baseline, whose glue roles all warn by design).
    app.add_config_value("linreg_reread_warned", True, "", types=frozenset({bool}))
    recorder = WarningRecorder(app)
    std_logging.getLogger(logging.NAMESPACE).addHandler(recorder)
    _STATE.clear()
    _STATE["recorder"] = recorder
    app.connect("builder-inited", _on_builder_inited, priority=100)  # before _static is filled
    app.connect("env-get-outdated", _on_env_get_outdated, priority=100)  # the env as loaded
    app.connect("env-before-read-docs", _on_env_before_read_docs, priority=999)
    app.connect("env-updated", _on_env_updated)
    app.connect("html-page-context", _on_html_page_context)
    app.connect("html-collect-pages", _on_html_collect_pages)
    # Last: after MyST-NB and sphinx-exercise copy their files, and their warnings.
    app.connect("build-finished", _on_build_finished, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
