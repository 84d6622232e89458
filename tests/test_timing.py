"""linreg_src.timing, the harness: the logic, never the speed (no test asserts how fast)."""

from __future__ import annotations

import pytest
import torch

from linreg_src.timing import Timing, compare


def test_compare_returns_one_ordered_timing_per_candidate():
    result = compare({"a": lambda: sum(range(10)), "b": lambda: None}, blocks=3, block_seconds=1e-4)
    assert list(result) == ["a", "b"]
    for name, t in result.items():
        assert isinstance(t, Timing) and t.name == name
        assert t.blocks == 3 and t.calls_per_block >= 1
        assert 0 < t.q1 <= t.median <= t.q3
        assert t.spread >= 0


def test_compare_leaves_the_thread_settings_as_it_found_them():
    before = torch.get_num_threads()
    compare({"x": lambda: torch.ones(3).sum()}, blocks=3, block_seconds=1e-4, threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"blocks": 2}, ValueError), ({"blocks": 0}, ValueError), ({"block_seconds": 0}, ValueError)],
)
def test_compare_refuses_too_few_blocks_or_no_time(kwargs, error):
    with pytest.raises(error):
        compare({"x": lambda: None}, **kwargs)


def test_timing_per_divides_every_statistic():
    t = Timing("epoch", median=2.0, q1=1.0, q3=4.0, blocks=5, calls_per_block=3).per(100)
    assert (t.median, t.q1, t.q3) == (0.02, 0.01, 0.04)
    assert (t.name, t.blocks, t.calls_per_block) == ("epoch", 5, 3)
    assert t.spread == pytest.approx(1.5)
    with pytest.raises(ValueError):
        t.per(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        # issue 13: threads=0 used to fail inside torch without naming the argument
        ({"threads": 0}, ValueError, r"threads must be a positive whole number, got 0"),
        ({"threads": 1.5}, TypeError, r"threads must be a whole number, got float 1.5"),
        ({"blocks": 2}, ValueError, r"blocks must be a whole number in \[3, 10\*\*6\]"),
        ({"block_seconds": float("inf")}, ValueError, r"block_seconds must be a finite number"),
    ],
)
def test_compare_names_the_argument_it_refuses(kwargs, error, match):
    with pytest.raises(error, match=match):
        compare({"x": lambda: None}, **kwargs)


@pytest.mark.parametrize(
    ("calls", "match"),
    [({}, r"calls must be a non-empty mapping"), ({"x": 1}, r"calls\['x'\] must be a function")],
)
def test_compare_refuses_what_it_cannot_call(calls, match):
    with pytest.raises(TypeError, match=match):
        compare(calls)
