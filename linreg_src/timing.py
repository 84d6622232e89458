r"""The timing harness: several zero-argument calls timed interleaved, median and quartiles.

Timings go through :class:`torch.utils.benchmark.Timer` (warm-up, calls per block chosen so that a
block outlasts the clock's resolution, several blocks); :func:`compare` takes the candidates in
turn, round by round, so a burst of load on a shared machine hits all of them alike. Timed on one
thread, the clock is that thread's CPU time (``time.thread_time``): the time the call kept a
processor busy, without the time other programs took the processor away from it. Nothing here
asserts a speed: the numbers are whatever the machine delivers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch.utils.benchmark import Timer

from linreg_src._guard import checked
from linreg_src._validate import check_positive, check_real_scalar, describe

__all__ = ["Timing", "compare"]


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one candidate: ``median``, ``q1`` and ``q3`` over ``blocks`` blocks.

    ``clock`` is ``"thread"`` (CPU time of the timing thread) or ``"wall"`` (elapsed time).
    """

    name: str
    median: float
    q1: float
    q3: float
    blocks: int
    calls_per_block: int
    clock: str = "wall"

    @checked
    def per(self, count: int) -> Timing:
        """Divide by ``count``, e.g. an epoch's time per step.

        >>> Timing("epoch", 1.0, 0.9, 1.1, 7, 1).per(100).median
        0.01
        """
        return Timing(
            self.name,
            self.median / count,
            self.q1 / count,
            self.q3 / count,
            self.blocks,
            self.calls_per_block,
            self.clock,
        )

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median (0.05 means ±2.5 %)."""
        return (self.q3 - self.q1) / self.median

    def distinct_from(self, other: Timing) -> bool:
        """Whether the interquartile ranges ``[q1, q3]`` of the two timings do not overlap.

        A page says "faster" or "slower" only then; otherwise the gap is within the noise.

        >>> a, b = Timing("a", 1.0, 0.9, 1.1, 7, 1), Timing("b", 1.5, 1.05, 1.6, 7, 1)
        >>> a.distinct_from(b), a.distinct_from(Timing("c", 2.0, 1.8, 2.2, 7, 1))
        (False, True)
        """
        if not isinstance(other, Timing):
            raise TypeError(f"other must be a Timing, got {describe(other)}")
        return self.q3 < other.q1 or other.q3 < self.q1


def _calls_per_block(timer: Timer, block_seconds: float) -> int:
    number = 1
    while True:  # the first, smallest blocks double as warm-up
        per_call = timer.timeit(number).median
        if per_call * number >= block_seconds / 4 or number >= 10**6:
            return max(1, math.ceil(block_seconds / per_call))
        number *= 10


def _calls(name: str, calls: Any) -> Mapping[str, Callable[[], object]]:
    if not isinstance(calls, Mapping) or not calls:
        raise TypeError(
            f"{name} must be a non-empty mapping of names to functions, got {describe(calls)}"
        )
    for key, fn in calls.items():
        if not callable(fn):
            raise TypeError(
                f"{name}[{key!r}] must be a function of no arguments, got {describe(fn)}"
            )
    return calls


def _blocks(name: str, blocks: Any) -> int:
    if (
        isinstance(blocks, bool)
        or not isinstance(blocks, int)
        or not 3 <= blocks <= 10**6
    ):
        raise ValueError(
            f"{name} must be a whole number in [3, 10**6] (quartiles need 3), got {blocks!r}"
        )
    return blocks


def _block_seconds(name: str, seconds: Any) -> float:
    value = check_real_scalar(name, seconds)
    if not 0 < value <= 60:
        raise ValueError(f"{name} must be in (0, 60] seconds, got {value}")
    return value


def _clock(name: str, clock: Any) -> str:
    if clock not in ("auto", "thread", "wall"):
        raise ValueError(
            f'{name} must be "auto", "thread" or "wall", got {clock!r}'
        )
    return clock


def compare(
    calls: Mapping[str, Callable[[], object]],
    *,
    blocks: int = 7,
    block_seconds: float = 0.02,
    threads: int | None = None,
    clock: str = "auto",
) -> dict[str, Timing]:
    """Time several calls, interleaved; each block lasts about ``block_seconds``.

    ``threads`` (default ``torch.get_num_threads()``) bounds PyTorch's and NumPy's thread pools.
    ``clock="auto"`` times one thread by its CPU time (``"thread"``) and several by the wall
    clock (``"wall"``): the CPU time of one thread misses the work of the others.

    Not ``@checked``: inside a checked function every checked call is trusted, and the calls
    must run as their caller would run them, their own checks included.

    >>> calls = {"sum": lambda: sum(range(100))}
    >>> t = compare(calls, blocks=3, block_seconds=0.001, threads=1)
    >>> t["sum"].blocks, t["sum"].clock, t["sum"].median > 0
    (3, 'thread', True)
    """
    calls = _calls("calls", calls)
    blocks = _blocks("blocks", blocks)
    block_seconds = _block_seconds("block_seconds", block_seconds)
    clock = _clock("clock", clock)
    threads = (
        torch.get_num_threads()
        if threads is None
        else int(check_positive("threads", threads, integer=True))
    )
    if clock == "auto":
        clock = "thread" if threads == 1 else "wall"
    if clock == "thread" and threads != 1:
        raise ValueError(
            f'clock="thread" measures one thread, but threads={threads}: pass threads=1, '
            'or clock="wall" to time several threads'
        )
    timer = time.thread_time if clock == "thread" else time.perf_counter
    timers = {
        name: Timer(
            "fn()", globals={"fn": fn}, timer=timer, num_threads=threads, label=name
        )
        for name, fn in calls.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in timers}
    with threadpool_limits(limits=threads):
        numbers = {
            name: _calls_per_block(t, block_seconds) for name, t in timers.items()
        }
        for _ in range(blocks):
            for name, t in timers.items():
                samples[name].append(t.timeit(numbers[name]).median)
    result = {}
    for name, values in samples.items():
        q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
        result[name] = Timing(name, median, q1, q3, blocks, numbers[name], clock)
    return result
