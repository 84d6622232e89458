r"""The timing harness: several zero-argument calls timed interleaved, median and quartiles.

Timings go through :class:`torch.utils.benchmark.Timer` (warm-up, calls per block chosen so that a
block outlasts the clock's resolution, several blocks); :func:`compare` takes the candidates in
turn, round by round, so a burst of load on a shared machine hits all of them alike. Nothing here
asserts a speed: the numbers are whatever the machine delivers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch.utils.benchmark import Timer

from linreg_src._guard import checked
from linreg_src._validate import check_real_scalar, describe

__all__ = ["Timing", "compare"]


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one candidate: ``median``, ``q1`` and ``q3`` over ``blocks`` blocks."""

    name: str
    median: float
    q1: float
    q3: float
    blocks: int
    calls_per_block: int

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
        )

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median (0.05 means ±2.5 %)."""
        return (self.q3 - self.q1) / self.median


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


@checked(calls=_calls, blocks=_blocks, block_seconds=_block_seconds)
def compare(
    calls: Mapping[str, Callable[[], object]],
    *,
    blocks: int = 7,
    block_seconds: float = 0.02,
    threads: int | None = None,
) -> dict[str, Timing]:
    """Time several calls, interleaved; each block lasts about ``block_seconds``.

    ``threads`` (default ``torch.get_num_threads()``) bounds PyTorch's and NumPy's thread pools.

    >>> t = compare({"sum": lambda: sum(range(100))}, blocks=3, block_seconds=0.001)
    >>> t["sum"].blocks, t["sum"].median > 0
    (3, True)
    """
    threads = torch.get_num_threads() if threads is None else threads
    timers = {
        name: Timer("fn()", globals={"fn": fn}, num_threads=threads, label=name)
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
        result[name] = Timing(name, median, q1, q3, blocks, numbers[name])
    return result
