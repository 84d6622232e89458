"""conf/_ext/book_numbering.py: pages off the main path number their own things from 1."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "conf" / "_ext"))
import book_numbering  # conf/_ext


def sphinx_numbers() -> dict:
    """What Sphinx assigns: chapter 2 numbered 2.k; two appendix pages counting on together."""
    return {
        "chapter": {"figure": {"f1": (2, 1), "f2": (2, 2)}, "displaymath": {"e1": (2, 1)}},
        "app_a": {"displaymath": {"a2": (15,), "a1": (14,)}, "exercise": {"x": (4,)}},
        "app_b": {"displaymath": {"b1": (16,)}, "figure": {"g": (3,)}},
    }


def env() -> SimpleNamespace:
    return SimpleNamespace(
        toc_secnumbers={"chapter": {"": (2,)}, "app_a": {}},
        toc_fignumbers=sphinx_numbers(),
    )


def test_main_path_keeps_chapter_numbers_appendix_pages_start_at_one():
    e = env()
    book_numbering.per_page(e)
    assert e.toc_fignumbers["chapter"] == sphinx_numbers()["chapter"]
    assert e.toc_fignumbers["app_a"] == {
        "displaymath": {"a1": (1,), "a2": (2,)},  # in their order on the page
        "exercise": {"x": (1,)},
    }
    assert e.toc_fignumbers["app_b"] == {"displaymath": {"b1": (1,)}, "figure": {"g": (1,)}}


def test_pages_are_rewritten_only_when_their_own_numbers_change():
    class Collector:
        def assign_figure_numbers(self, env):
            env.toc_fignumbers = sphinx_numbers()  # Sphinx's global count, every build
            return sorted(env.toc_fignumbers)  # Sphinx: all differ from the per-page numbers

    collector = Collector()
    book_numbering.wrap(collector)
    e = env()
    book_numbering.per_page(e)  # the numbers the last build kept
    assert collector.assign_figure_numbers(e) == []
    e.toc_fignumbers["app_b"]["figure"]["g"] = (7,)  # as if the page had changed
    assert collector.assign_figure_numbers(e) == ["app_b"]
