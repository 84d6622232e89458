"""The comparison table: every published number recomputed, statuses honest, mismatches loud."""

import pytest

from linreg_src.articles import ARTICLES
from linreg_src.reproduce import (
    Reproduction,
    check_reproductions,
    render_html_table,
    reproduce_all,
)


@pytest.fixture(scope="module")
def rows():
    return reproduce_all()


def test_every_article_contributes_rows(rows):
    assert {r.article for r in rows} == {a.key for a in ARTICLES}
    counts = {
        key: sum(r.article == key for r in rows) for key in ("000", "001", "002", "003", "004")
    }
    assert counts == {"000": 1, "001": 3, "002": 4, "003": 5, "004": 12}


def test_no_row_is_a_mismatch_and_each_shows_the_published_digits(rows):
    check_reproductions(rows)
    for r in rows:
        assert r.status in ("match", "determines input")
        assert r.live_text == r.published_text, r


def test_numbers_used_to_recover_a_draw_are_not_counted_as_evidence(rows):
    used = {(r.article, r.quantity) for r in rows if r.status == "determines input"}
    assert used == {
        ("001", "w.grad[0]"),
        ("001", "w.grad[1]"),
        ("004", "1d loss"),
        ("004", "2d loss[0]"),
        ("004", "2d loss[1]"),
    }


def test_article_002_rows_name_the_seed_and_the_exactness(rows):
    notes = {r.quantity: r.note for r in rows if r.article == "002"}
    assert all(note.startswith("torch.manual_seed(0)") for note in notes.values())
    assert "全部数位相同" in notes["SGD w"] and "全部数位相同" in notes["SGD b"]
    assert "相差" in notes["Adam w"]


def test_a_mismatch_is_reported_with_both_values():
    bad = (
        Reproduction("004", "2d w.grad[0]", -124.4671, -124.4670, 4, "mismatch"),
        Reproduction("003", "grad_w", 16.0, 16.0, 1, "match"),
    )
    with pytest.raises(
        AssertionError,
        match=r"1 published number\(s\) not reproduced: "
        r"004 2d w.grad\[0\]: published -124.4671, live -124.4670",
    ):
        check_reproductions(bad)


def test_negative_zero_is_shown_as_zero():
    assert Reproduction("x", "q", 0.0, -1e-9, 4, "match").live_text == "0.0000"


def test_html_table_has_a_row_per_number_and_escapes_text(rows):
    html = render_html_table(rows)
    assert html.count("<tr") == len(rows) + 1
    assert html.count('class="cmp-determines-input"') == 5
    tricky = (Reproduction("000", "a<b", 1.0, 1.0, 0, "match", note="x & y"),)
    out = render_html_table(tricky)
    assert "a&lt;b" in out and "x &amp; y" in out and "匹配" in out


@pytest.mark.parametrize(
    ("rows", "match"), [(3, "rows must be a tuple of Reproduction"), ((1,), r"rows\[0\] must be")]
)
def test_rows_other_than_reproductions_are_refused(rows, match):
    for call in (check_reproductions, render_html_table):
        with pytest.raises(TypeError, match=match):
            call(rows)
