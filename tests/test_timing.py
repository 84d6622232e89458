"""linreg_src.timing, the harness: the logic, never the speed (no test asserts how fast)."""

from __future__ import annotations

import time

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


def test_one_thread_is_timed_by_its_cpu_time_several_by_the_wall_clock():
    calls = {"x": lambda: sum(range(50))}
    one = compare(calls, blocks=3, block_seconds=1e-4, threads=1)["x"]
    two = compare(calls, blocks=3, block_seconds=1e-4, threads=2)["x"]
    wall = compare(calls, blocks=3, block_seconds=1e-4, threads=1, clock="wall")["x"]
    assert (one.clock, two.clock, wall.clock) == ("thread", "wall", "wall")
    assert one.per(10).clock == "thread"
    # a call that sleeps keeps no processor busy: its thread time is far below its wall time
    nap = {"nap": lambda: time.sleep(0.002)}
    cpu = compare(nap, blocks=3, block_seconds=0.004, threads=1)["nap"]
    elapsed = compare(nap, blocks=3, block_seconds=0.004, threads=1, clock="wall")["nap"]
    assert cpu.median < elapsed.median / 2
    with pytest.raises(ValueError, match=r'clock="thread" measures one thread, but threads=2'):
        compare(calls, threads=2, clock="thread")
    with pytest.raises(ValueError, match=r'clock must be "auto", "thread" or "wall", got \'cpu\''):
        compare(calls, clock="cpu")


def test_checked_calls_are_timed_with_their_checks():
    # compare is not @checked: inside a checked function every checked call would be trusted,
    # and a "checked" candidate would be timed without its checks
    from linreg_src.grad import squared_loss_grads

    seen = []

    def probe():
        try:
            squared_loss_grads(torch.ones(2, 2), torch.ones(2), torch.ones(2, 1), torch.ones(1))
        except ValueError:
            seen.append("checked")

    compare({"probe": probe}, blocks=3, block_seconds=1e-4, threads=1)
    assert seen and set(seen) == {"checked"}


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


def test_distinct_only_when_the_interquartile_ranges_do_not_overlap():
    a = Timing("a", median=1.0, q1=0.9, q3=1.1, blocks=7, calls_per_block=1)
    touching = Timing("b", median=1.2, q1=1.1, q3=1.3, blocks=7, calls_per_block=1)
    apart = Timing("c", median=1.3, q1=1.2, q3=1.4, blocks=7, calls_per_block=1)
    assert not a.distinct_from(touching) and not touching.distinct_from(a)
    assert a.distinct_from(apart) and apart.distinct_from(a)
    assert not a.distinct_from(a)
    with pytest.raises(TypeError, match="other must be a Timing, got float"):
        a.distinct_from(1.0)


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
