"""Tests on the built HTML: every page is there, no cell failed, the key numbers are on the page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p.stem for p in DOCS.glob("*.md"))


def page_text(site_dir: Path, page: str) -> str:
    """The visible text of a built page (tags stripped, entities decoded)."""
    raw = (site_dir / f"{page}.html").read_text("utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_built_without_error_output(site_dir, page):
    text = page_text(site_dir, page)
    assert "Traceback" not in text, f"{page}: a traceback reached the page"
    assert not re.search(r"\b\w+Error\b:", text) or page in {"errata"}, f"{page}: error output"


def test_chain_rule_numbers_are_on_the_page(site_dir):
    text = "".join(page_text(site_dir, "chain_rule").split())  # glue adds spaces; drop them all
    for fragment in ("做出6个肉饼", "做出12个汉堡", "Loss}\\)为4。", "v=\\)24。", "w=\\)16。"):
        assert fragment in text, fragment
