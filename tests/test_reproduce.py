"""The comparison table: every published number recomputed, statuses honest, mismatches loud."""

from types import SimpleNamespace

import numpy as np
import pytest

from linreg_src.articles import ARTICLE_002, ARTICLES
from linreg_src.reproduce import (
    STATUS_ZH,
    Reproduction,
    check_reproductions,
    comparison_table,
    float32_ulps,
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
        if r.article == "002":
            continue
        assert r.status in ("match", "determines input")
        assert r.live_text == r.published_text, r


def test_article_002_rows_are_seeded_runs_shown_in_full(rows):
    """002 printed float32 values in full: the rows show them so, and say how far each is."""
    seeded = [r for r in rows if r.article == "002"]
    assert {r.status for r in seeded} == {"seeded run"}
    assert all(r.decimals is None for r in seeded)
    assert [r.published_text for r in seeded] == [
        repr(ARTICLE_002.published[k]) for k in ("sgd_w", "sgd_b", "adam_w", "adam_b")
    ]
    ulps = {r.quantity: float32_ulps(r.live, r.published) for r in seeded}
    assert ulps == {"SGD w": 0, "SGD b": 0, "Adam w": 2, "Adam b": 0}
    assert seeded[2].live_text != seeded[2].published_text  # Adam's w: not every digit


def test_numbers_used_to_recover_a_draw_are_not_counted_as_evidence(rows):
    used = {(r.article, r.quantity) for r in rows if r.status == "determines input"}
    assert used == {
        ("001", "w.grad[0]"),
        ("001", "w.grad[1]"),
        ("004", "1d loss"),
        ("004", "2d loss[0]"),
        ("004", "2d loss[1]"),
    }


def test_article_002_rows_say_how_close_each_is(rows):
    notes = {r.quantity: r.note for r in rows if r.article == "002"}
    assert notes["SGD w"] == notes["SGD b"] == notes["Adam b"] == "全部数位相同"
    assert "相差 2 个 float32 ulp" in notes["Adam w"] and r"\times 10^{-7}" in notes["Adam w"]


def test_a_seeded_run_off_in_the_fourth_decimal_would_be_a_mismatch(monkeypatch):
    from linreg_src import article_002, reproduce

    real = article_002.article_002_run

    def off(*args, **kwargs):
        run = real(*args, **kwargs)
        return SimpleNamespace(weight=run.weight + 1e-3, bias=run.bias)

    monkeypatch.setattr(article_002, "article_002_run", off)
    rows = reproduce._article_002()
    assert {r.status for r in rows if r.quantity.endswith("w")} == {"mismatch"}
    with pytest.raises(AssertionError, match=r"002 SGD w: published 1\.3135614395141602"):
        check_reproductions(tuple(rows))


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


def test_comparison_table_has_a_row_per_number(rows):
    text = comparison_table(rows)
    lines = text.splitlines()
    assert len(lines) == len(rows) + 2  # headers and the rule
    assert lines[0] == "| 文章 | 量 | 原文 | 现算 | 状态 | 说明 |"
    for line, r in zip(lines[2:], rows, strict=True):
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert cells[0] == f"[{r.article}]"
        assert cells[2:5] == [r.published_text, r.live_text, STATUS_ZH[r.status]]
    assert text.count("| 用于反推 |") == 5 and text.count("| 定种子重跑 |") == 4
    assert text._repr_markdown_() == text


def test_comparison_table_escapes_a_pipe_in_a_note():
    row = Reproduction("000", "a|b", 1.0, 1.0, 0, "match", note="x | y")
    assert r"`a\|b`" in comparison_table((row,)) and r"x \| y" in comparison_table((row,))


def test_float32_ulps_counts_float32_steps_across_zero():
    one_up = float(np.nextafter(np.float32(1.0), np.float32(2.0)))
    assert float32_ulps(1.0, one_up) == 1
    assert float32_ulps(-1.0, -1.0) == 0
    tiny = float(np.nextafter(np.float32(0.0), np.float32(1.0)))
    assert float32_ulps(-tiny, tiny) == 2
    assert float32_ulps(0.0, -0.0) == 0


@pytest.mark.parametrize(
    ("a", "error", "match"),
    [(float("nan"), ValueError, "a must be a finite number"), (1e39, ValueError, "within"),
     ("1", TypeError, "a must be a real number"), (True, TypeError, "a must be a real number")],
)  # fmt: skip
def test_float32_ulps_refuses_what_float32_cannot_hold(a, error, match):
    with pytest.raises(error, match=match):
        float32_ulps(a, 1.0)


@pytest.mark.parametrize(
    ("rows", "match"), [(3, "rows must be a tuple of Reproduction"), ((1,), r"rows\[0\] must be")]
)
def test_rows_other_than_reproductions_are_refused(rows, match):
    for call in (check_reproductions, comparison_table):
        with pytest.raises(TypeError, match=match):
            call(rows)
