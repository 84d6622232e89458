"""Numbers on pages outside the main path start again at 1 on each page.

Sphinx numbers equations, figures, tables and exercises (``numfig``) with the chapter number of
a ``:numbered:`` toctree: 式 (3.4), 图 2.1, 练习 5.3. A page of an un-numbered toctree (the
verification pages, the appendix) has no chapter number, and Sphinx then counts on with one
counter through every such page in reading order: the fourth appendix page opened with "(14)",
"图 2" or "练习 4", numbers carried over from pages the reader may never have opened.

The book's scheme: main-path chapters keep "chapter.n"; every other page numbers its own
equations, figures, tables and exercises 1, 2, 3 ... without a prefix (式 (1), 图 1, 练习 1). The
site, the notebooks and the PDF take their numbers from the same place
(``env.toc_fignumbers``, which ``book_latex`` and ``book_notebooks`` read), so they agree.

This wraps the toctree collector's ``assign_figure_numbers``: after Sphinx has numbered, each
un-numbered page's numbers are renumbered in their order on the page, and the pages whose numbers
changed since the last build are reported for rewriting as Sphinx itself does.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector

Numbers = dict[str, dict[str, tuple[int, ...]]]


def per_page(env: BuildEnvironment) -> None:
    """Renumber, 1, 2, 3 ..., each figure type on every page that has no chapter number."""
    for docname, by_type in env.toc_fignumbers.items():
        if env.toc_secnumbers.get(docname):
            continue  # a main-path chapter: "chapter.n", as Sphinx numbered it
        for figtype, numbers in by_type.items():
            in_order = sorted(numbers, key=numbers.__getitem__)
            by_type[figtype] = {node_id: (k,) for k, node_id in enumerate(in_order, start=1)}


def wrap(collector: TocTreeCollector) -> None:
    assign = collector.assign_figure_numbers

    def assign_figure_numbers(env: BuildEnvironment) -> list[str]:
        old: dict[str, Numbers] = env.toc_fignumbers
        assign(env)
        per_page(env)
        return [doc for doc, numbers in env.toc_fignumbers.items() if numbers != old.get(doc)]

    collector.assign_figure_numbers = assign_figure_numbers  # type: ignore[method-assign]


def setup(app: Sphinx) -> dict[str, Any]:
    collectors = [
        listener.handler.__self__
        for listener in app.events.listeners.get("env-get-updated", [])
        if isinstance(getattr(listener.handler, "__self__", None), TocTreeCollector)
    ]
    if len(collectors) != 1:
        raise RuntimeError(f"book_numbering: expected Sphinx's one toctree collector: {collectors}")
    wrap(collectors[0])
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
