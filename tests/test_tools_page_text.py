"""tools/page_text.py shows a page's text exactly as KEY_NUMBERS in tests/test_site.py sees it."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS.parent / "tools"))  # the tools import each other as scripts do
page_text = importlib.import_module("page_text")


def _test_site():
    spec = importlib.util.spec_from_file_location(
        "site_tests_for_page_text", TESTS / "test_site.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_page_text_is_what_key_numbers_are_compared_with(site_dir):
    test_site = _test_site()
    for page in sorted(test_site.KEY_NUMBERS):
        raw = (site_dir / f"{page}.html").read_text("utf-8")
        expected = test_site.compact_text(test_site.article(BeautifulSoup(raw, "html.parser")))
        assert page_text.compact_text(raw) == expected, page
        assert all(fragment in expected for fragment in test_site.KEY_NUMBERS[page])
