r"""What one gradient step costs, measured on the machine that runs this code.

The chapter 《手推梯度的代价》 compares three ways of getting the gradients of
:math:`L = \sum_i \frac12(\hat y^{(i)} - y^{(i)})^2`:

- ``"autograd"`` -- d2l's way: build the graph with :func:`linreg_src.model.linreg` and
  :func:`linreg_src.loss.squared_loss`, then ``l.sum().backward()``;
- ``"hand"`` -- the derived formula in PyTorch, no graph:
  :func:`linreg_src.grad.squared_loss_grads`;
- ``"numpy"`` -- the same formula in NumPy: :func:`linreg_src.grad_np.squared_loss_grads`.

Each also has an *unchecked* twin that runs the bare formula without the package's argument
checks, so the cost of the checks can be measured instead of guessed.

All timings go through :class:`torch.utils.benchmark.Timer` (warm-up, calls per block chosen so a
block outlasts the clock's resolution, several blocks, median and quartiles). :func:`compare`
interleaves the candidates round by round, so a burst of load on a shared machine hits all of
them alike. Nothing here asserts a speed: the numbers are whatever the machine delivers.

Examples
--------
>>> traffic = gradient_traffic(1000, 2, torch.float32)
>>> traffic.x_bytes, traffic.vector_bytes, traffic.total_bytes
(16000, 32000, 48024)
"""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch.utils.benchmark import Timer

from linreg_src import grad, grad_np
from linreg_src._validate import check_positive
from linreg_src.data import data_iter, synthetic_data
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.optim import sgd, sgd_update

__all__ = [
    "GRADIENT_OPS",
    "METHODS",
    "Bandwidth",
    "GradientTraffic",
    "Problem",
    "Timing",
    "autograd_grads",
    "autograd_grads_unchecked",
    "bandwidth_calls",
    "compare",
    "cpu_model",
    "d2l_epoch",
    "epoch_calls",
    "gradient_traffic",
    "hand_epoch",
    "hand_grads_numpy_unchecked",
    "hand_grads_unchecked",
    "last_level_cache_bytes",
    "machine_description",
    "make_problem",
    "memory_bandwidth",
    "numpy_epoch",
    "step_calls",
]

#: The three ways of computing the gradient, in the order the chapter shows them.
METHODS = ("autograd", "hand", "numpy")

#: Each array operation of the hand gradient, as ``(name, elements read, elements written)``
#: with the counts as functions of ``(N, d)``; together they compute
#: :math:`\boldsymbol\delta = \mathbf X\mathbf w + b - \mathbf y`,
#: :math:`\mathbf X^\top\boldsymbol\delta` and :math:`\sum_i\delta^{(i)}`.
GRADIENT_OPS: tuple[tuple[str, Callable[[int, int], int], Callable[[int, int], int]], ...] = (
    ("X @ w", lambda n, d: n * d + d, lambda n, d: n),
    ("+ b", lambda n, d: n + 1, lambda n, d: n),
    ("- y", lambda n, d: 2 * n, lambda n, d: n),
    ("X.T @ delta", lambda n, d: n * d + n, lambda n, d: d),
    ("delta.sum()", lambda n, d: n, lambda n, d: 1),
)


# -- the bytes a full-batch gradient moves ---------------------------------------------------


@dataclass(frozen=True)
class GradientTraffic:
    """Bytes that the hand gradient moves between memory and the processor, op by op.

    Attributes
    ----------
    n, d : int
        Examples and features.
    itemsize : int
        Bytes per number (4 for float32).
    per_op : tuple of (str, int, int)
        ``(operation, bytes read, bytes written)`` for each op of :data:`GRADIENT_OPS`.
    """

    n: int
    d: int
    itemsize: int
    per_op: tuple[tuple[str, int, int], ...]

    @property
    def x_bytes(self) -> int:
        """Bytes of ``X`` read: twice, once by ``X @ w`` and once by ``X.T @ delta``."""
        return 2 * self.n * self.d * self.itemsize

    @property
    def total_bytes(self) -> int:
        """All bytes read and written by the five operations."""
        return sum(r + w for _, r, w in self.per_op)

    @property
    def vector_bytes(self) -> int:
        """Bytes of the length-N columns (``y``, ``X @ w``, ``y_hat``, ``delta``) moved."""
        return 8 * self.n * self.itemsize

    @property
    def flops(self) -> int:
        """Count the floating-point operations (2Nd per product, N for ``+ b``, ``- y``, sum)."""
        return 4 * self.n * self.d + 3 * self.n

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, flops per byte moved."""
        return self.flops / self.total_bytes


def gradient_traffic(n: int, d: int, dtype: torch.dtype = torch.float32) -> GradientTraffic:
    r"""Count the bytes the hand gradient of an (N, d) batch reads and writes.

    Each array operation streams its inputs from memory and its output back (the model of a
    batch much larger than the caches). ``X`` is read **twice** -- by :math:`\mathbf X\mathbf w`
    going forward and by :math:`\mathbf X^\top\boldsymbol\delta` going back -- which is
    :math:`2Nd` numbers; the length-N columns add :math:`8N`; ``w``, ``b`` and the gradients
    add :math:`2d + 2`.

    Parameters
    ----------
    n : int
        Number of examples N (rows of ``X``).
    d : int
        Number of features d.
    dtype : torch.dtype, default torch.float32
        Element type; sets the bytes per number.

    Returns
    -------
    GradientTraffic
        The op-by-op count, with totals.

    Raises
    ------
    ValueError
        If ``n`` or ``d`` is not a positive integer.
    TypeError
        If ``dtype`` is not a floating-point torch dtype.

    Examples
    --------
    >>> t = gradient_traffic(10**6, 32, torch.float32)
    >>> t.x_bytes, t.vector_bytes, t.total_bytes
    (256000000, 32000000, 288000264)
    >>> round(t.intensity, 3)
    0.455
    """
    n = int(check_positive("n", n, integer=True))
    d = int(check_positive("d", d, integer=True))
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch dtype, got {dtype!r}")
    size = torch.empty((), dtype=dtype).element_size()
    per_op = tuple((name, r(n, d) * size, w(n, d) * size) for name, r, w in GRADIENT_OPS)
    return GradientTraffic(n, d, size, per_op)


# -- the problem and the three gradients -----------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One batch and one point ``(w, b)``, in PyTorch and in NumPy (sharing memory).

    Attributes
    ----------
    X, y : torch.Tensor
        Features (N, d) and labels (N, 1).
    w, b : torch.Tensor
        Weights (d, 1) and bias (1,), leaves with ``requires_grad=True`` (for autograd).
    X_np, y_np, w_np, b_np : numpy.ndarray
        The same numbers as NumPy arrays (views, no copy).
    """

    X: torch.Tensor
    y: torch.Tensor
    w: torch.Tensor
    b: torch.Tensor
    X_np: np.ndarray
    y_np: np.ndarray
    w_np: np.ndarray
    b_np: np.ndarray

    @property
    def n(self) -> int:
        """Number of examples N."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Number of features d."""
        return int(self.X.shape[1])


def make_problem(n: int, d: int, *, dtype: torch.dtype = torch.float32, seed: int = 0) -> Problem:
    """Draw d2l's synthetic data with N examples and d features, and start at ``w = 0, b = 0``.

    The true weights are d2l's ``[2, -3.4]`` for d = 2, and ``1, -1, 1, ...`` otherwise; the true
    bias is 4.2.

    Parameters
    ----------
    n, d : int
        Examples and features.
    dtype : torch.dtype, default torch.float32
        Element type.
    seed : int, default 0
        Seed of the generator.

    Returns
    -------
    Problem
        The batch and the starting point.

    Raises
    ------
    ValueError
        If ``n`` or ``d`` is not a positive integer.

    Examples
    --------
    >>> p = make_problem(10, 2)
    >>> p.X.shape, p.y.shape, p.w.shape, p.b.shape, p.X_np.shape
    (torch.Size([10, 2]), torch.Size([10, 1]), torch.Size([2, 1]), torch.Size([1]), (10, 2))
    """
    n = int(check_positive("n", n, integer=True))
    d = int(check_positive("d", d, integer=True))
    if d == 2:
        true_w = torch.tensor([2.0, -3.4], dtype=dtype)
    else:
        true_w = torch.tensor([(-1.0) ** j for j in range(d)], dtype=dtype)
    generator = torch.Generator().manual_seed(seed)
    X, y = synthetic_data(true_w, 4.2, n, generator=generator)
    w = torch.zeros(d, 1, dtype=dtype, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    return Problem(X, y, w, b, X.numpy(), y.numpy(), w.detach().numpy(), b.detach().numpy())


def autograd_grads(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the gradients the d2l way: forward with the graph, then ``l.sum().backward()``.

    ``w`` and ``b`` must be leaves with ``requires_grad=True``; their ``.grad`` is reset first, so
    repeated calls do not accumulate.

    Parameters
    ----------
    X, y, w, b : torch.Tensor
        Batch (N, d), labels (N, 1), weights (d, 1), bias (1,).

    Returns
    -------
    tuple of torch.Tensor
        ``(w.grad, b.grad)``.

    Examples
    --------
    >>> p = make_problem(5, 2)
    >>> gw, gb = autograd_grads(p.X, p.y, p.w, p.b)
    >>> torch.allclose(gw, grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())[0])
    True
    """
    w.grad = None
    b.grad = None
    l = squared_loss(linreg(X, w, b), y)  # noqa: E741 (d2l's name)
    l.sum().backward()
    return w.grad, b.grad


def autograd_grads_unchecked(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return :func:`autograd_grads` without the package's argument checks: the bare graph.

    Parameters
    ----------
    X, y, w, b : torch.Tensor
        As for :func:`autograd_grads`.

    Returns
    -------
    tuple of torch.Tensor
        ``(w.grad, b.grad)``.
    """
    w.grad = None
    b.grad = None
    ((X @ w + b - y) ** 2 / 2).sum().backward()
    return w.grad, b.grad


def hand_grads_unchecked(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Return the hand gradient's bare formula in PyTorch, without argument checks.

    The five array operations of :data:`GRADIENT_OPS`:
    :math:`\boldsymbol\delta = \mathbf X\mathbf w + b - \mathbf y`, then
    :math:`\mathbf X^\top\boldsymbol\delta` and :math:`\sum_i\delta^{(i)}`.

    Parameters
    ----------
    X, y, w, b : torch.Tensor
        Batch (N, d), labels (N, 1), weights (d, 1), bias (1,).

    Returns
    -------
    tuple of torch.Tensor
        ``(grad_w, grad_b)`` of the summed loss.
    """
    with torch.no_grad():
        delta = X @ w + b - y
        return X.T @ delta, delta.sum().reshape(b.shape)


def hand_grads_numpy_unchecked(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`hand_grads_unchecked` in NumPy.

    Parameters
    ----------
    X, y, w, b : numpy.ndarray
        Batch (N, d), labels (N, 1), weights (d, 1), bias (1,).

    Returns
    -------
    tuple of numpy.ndarray
        ``(grad_w, grad_b)`` of the summed loss.
    """
    delta = X @ w + b - y
    return X.T @ delta, delta.sum().reshape(b.shape)


def step_calls(problem: Problem, *, checked: bool = True) -> dict[str, Callable[[], Any]]:
    """Return one zero-argument call per method of :data:`METHODS`, bound to ``problem``.

    Parameters
    ----------
    problem : Problem
        The batch and the point.
    checked : bool, default True
        Call the package's functions (with argument checks) or the bare formulas.

    Returns
    -------
    dict of str to callable
        ``{"autograd": ..., "hand": ..., "numpy": ...}``.

    Examples
    --------
    >>> calls = step_calls(make_problem(4, 2))
    >>> sorted(calls)
    ['autograd', 'hand', 'numpy']
    >>> g_torch, g_numpy = calls["hand"](), calls["numpy"]()
    >>> all(np.allclose(a.numpy(), b) for a, b in zip(g_torch, g_numpy))
    True
    """
    p = problem
    w, b = p.w.detach(), p.b.detach()
    if checked:
        return {
            "autograd": lambda: autograd_grads(p.X, p.y, p.w, p.b),
            "hand": lambda: grad.squared_loss_grads(p.X, p.y, w, b),
            "numpy": lambda: grad_np.squared_loss_grads(p.X_np, p.y_np, p.w_np, p.b_np),
        }
    return {
        "autograd": lambda: autograd_grads_unchecked(p.X, p.y, p.w, p.b),
        "hand": lambda: hand_grads_unchecked(p.X, p.y, w, b),
        "numpy": lambda: hand_grads_numpy_unchecked(p.X_np, p.y_np, p.w_np, p.b_np),
    }


# -- one epoch of minibatch SGD, three ways --------------------------------------------------


def d2l_epoch(
    features: torch.Tensor,
    labels: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    batch_size: int,
    generator: torch.Generator,
) -> int:
    """Run one epoch of d2l's training loop (Python minibatches + autograd); return the steps.

    Parameters
    ----------
    features, labels : torch.Tensor
        All examples (N, d) and labels (N, 1).
    w, b : torch.Tensor
        Leaves with ``requires_grad=True``, updated in place.
    lr : float
        Learning rate.
    batch_size : int
        Examples per step.
    generator : torch.Generator
        Source of the shuffle.

    Returns
    -------
    int
        Number of steps taken.
    """
    steps = 0
    for X, y in data_iter(batch_size, features, labels, generator=generator):
        l = squared_loss(linreg(X, w, b), y)  # noqa: E741 (d2l's name)
        l.sum().backward()
        sgd([w, b], lr, len(y))
        steps += 1
    return steps


def hand_epoch(
    features: torch.Tensor,
    labels: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    batch_size: int,
    generator: torch.Generator,
) -> int:
    """Run one epoch of the same loop with the hand gradient (no graph); return the steps.

    Parameters
    ----------
    features, labels : torch.Tensor
        All examples (N, d) and labels (N, 1).
    w, b : torch.Tensor
        Plain tensors (no ``requires_grad``), updated in place.
    lr : float
        Learning rate.
    batch_size : int
        Examples per step.
    generator : torch.Generator
        Source of the shuffle.

    Returns
    -------
    int
        Number of steps taken.
    """
    steps = 0
    for X, y in data_iter(batch_size, features, labels, generator=generator):
        grad_w, grad_b = grad.squared_loss_grads(X, y, w, b)
        sgd_update([w, b], [grad_w, grad_b], lr, len(y))
        steps += 1
    return steps


def _numpy_batches(
    batch_size: int, features: np.ndarray, labels: np.ndarray, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    order = rng.permutation(len(features))
    for start in range(0, len(features), batch_size):
        idx = order[start : start + batch_size]
        yield features[idx], labels[idx]


def numpy_epoch(
    features: np.ndarray,
    labels: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
) -> int:
    """Run one epoch of the same loop in NumPy (shuffle, slice, hand gradient); return the steps.

    Parameters
    ----------
    features, labels : numpy.ndarray
        All examples (N, d) and labels (N, 1).
    w, b : numpy.ndarray
        Weights (d, 1) and bias (1,), updated in place.
    lr : float
        Learning rate.
    batch_size : int
        Examples per step.
    rng : numpy.random.Generator
        Source of the shuffle.

    Returns
    -------
    int
        Number of steps taken.
    """
    steps = 0
    for X, y in _numpy_batches(batch_size, features, labels, rng):
        grad_w, grad_b = grad_np.squared_loss_grads(X, y, w, b)
        sgd_update([w, b], [grad_w, grad_b], lr, len(y))
        steps += 1
    return steps


def epoch_calls(problem: Problem, *, lr: float, batch_size: int) -> dict[str, Callable[[], int]]:
    """Return one zero-argument epoch per method, on copies of ``problem``'s starting point.

    Each call trains its own copy of ``(w, b)`` for one epoch and returns the number of steps,
    so the per-step cost is the epoch's time divided by that number.

    Parameters
    ----------
    problem : Problem
        All examples and the starting point.
    lr : float
        Learning rate.
    batch_size : int
        Examples per step.

    Returns
    -------
    dict of str to callable
        ``{"autograd": ..., "hand": ..., "numpy": ...}``.

    Examples
    --------
    >>> calls = epoch_calls(make_problem(25, 2), lr=0.03, batch_size=10)
    >>> [calls[m]() for m in METHODS]
    [3, 3, 3]
    """
    p = problem
    w_a, b_a = (t.detach().clone().requires_grad_() for t in (p.w, p.b))
    w_h, b_h = p.w.detach().clone(), p.b.detach().clone()
    w_n, b_n = p.w_np.copy(), p.b_np.copy()
    g_a, g_h = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    rng = np.random.default_rng(1)
    kw = {"lr": lr, "batch_size": batch_size}
    return {
        "autograd": lambda: d2l_epoch(p.X, p.y, w_a, b_a, generator=g_a, **kw),
        "hand": lambda: hand_epoch(p.X, p.y, w_h, b_h, generator=g_h, **kw),
        "numpy": lambda: numpy_epoch(p.X_np, p.y_np, w_n, b_n, rng=rng, **kw),
    }


# -- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one candidate: median and quartiles over the measured blocks.

    Attributes
    ----------
    name : str
        The candidate.
    median, q1, q3 : float
        Seconds per call: median, first and third quartile over the blocks.
    blocks : int
        Number of measured blocks.
    calls_per_block : int
        Calls timed together in each block.
    """

    name: str
    median: float
    q1: float
    q3: float
    blocks: int
    calls_per_block: int

    def per(self, count: int) -> Timing:
        """Return the timing divided by ``count``, e.g. an epoch's time per step.

        Parameters
        ----------
        count : int
            How many units one call did.

        Returns
        -------
        Timing
            Seconds per unit.

        Examples
        --------
        >>> Timing("epoch", 1.0, 0.9, 1.1, 7, 1).per(100).median
        0.01
        """
        count = int(check_positive("count", count, integer=True))
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


def compare(
    calls: Mapping[str, Callable[[], object]],
    *,
    blocks: int = 7,
    block_seconds: float = 0.02,
    threads: int | None = None,
) -> dict[str, Timing]:
    """Time several zero-argument calls, interleaved, with :class:`torch.utils.benchmark.Timer`.

    Each candidate is first warmed up and calibrated (calls per block so that a block lasts
    about ``block_seconds``); then ``blocks`` rounds each time one block of every candidate in
    turn. Interleaving spreads any change in the machine's load over all candidates alike.

    Parameters
    ----------
    calls : Mapping[str, Callable[[], object]]
        The candidates, by name.
    blocks : int, default 7
        Measured blocks per candidate (at least 3, for quartiles).
    block_seconds : float, default 0.02
        Target duration of one block; a single call longer than this makes a block of one.
    threads : int, optional
        Threads while timing, for PyTorch (the Timer's ``num_threads``) and for NumPy's BLAS and
        OpenMP pools (``threadpoolctl.threadpool_limits``); default:
        ``torch.get_num_threads()``.

    Returns
    -------
    dict of str to Timing
        Seconds per call of each candidate.

    Raises
    ------
    ValueError
        If ``blocks < 3`` or ``block_seconds <= 0``.

    Examples
    --------
    >>> t = compare({"sum": lambda: sum(range(100))}, blocks=3, block_seconds=0.001)
    >>> t["sum"].blocks, t["sum"].median > 0
    (3, True)
    """
    blocks = int(check_positive("blocks", blocks, integer=True))
    if blocks < 3:
        raise ValueError(f"blocks must be at least 3 to give quartiles, got {blocks}")
    block_seconds = float(check_positive("block_seconds", block_seconds))
    threads = torch.get_num_threads() if threads is None else threads
    timers = {
        name: Timer("fn()", globals={"fn": fn}, num_threads=threads, label=name)
        for name, fn in calls.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in timers}
    with threadpool_limits(limits=threads):
        numbers = {name: _calls_per_block(t, block_seconds) for name, t in timers.items()}
        for _ in range(blocks):
            for name, t in timers.items():
                samples[name].append(t.timeit(numbers[name]).median)
    result = {}
    for name, values in samples.items():
        q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
        result[name] = Timing(name, median, q1, q3, blocks, numbers[name])
    return result


@dataclass(frozen=True)
class Bandwidth:
    """Memory bandwidth measured with PyTorch on large tensors.

    Attributes
    ----------
    copy : float
        Bytes per second of ``dst.copy_(src)``, counting each byte read and each byte written.
    read : float
        Bytes per second of ``src.sum()``: reading only.
    nbytes : int
        Size of ``src`` in bytes.
    threads : int
        PyTorch threads used.
    """

    copy: float
    read: float
    nbytes: int
    threads: int


def bandwidth_calls(nbytes: int) -> tuple[dict[str, Callable[[], object]], dict[str, int]]:
    """Return the copy and read calls of :func:`memory_bandwidth`, with the bytes each moves.

    Parameters
    ----------
    nbytes : int
        Size of the source tensor in bytes (rounded down to whole float32 numbers).

    Returns
    -------
    calls : dict of str to callable
        ``{"copy": ..., "read": ...}``.
    moved : dict of str to int
        Bytes each call moves: ``2 * nbytes`` for the copy (read + write), ``nbytes`` for the sum.

    Raises
    ------
    ValueError
        If ``nbytes`` is smaller than one float32 number.

    Examples
    --------
    >>> calls, moved = bandwidth_calls(4096)
    >>> moved
    {'copy': 8192, 'read': 4096}
    """
    count = int(check_positive("nbytes", nbytes, integer=True)) // 4
    if count == 0:
        raise ValueError(f"nbytes must hold at least one float32 (4 bytes), got {nbytes}")
    src = torch.ones(count)
    dst = torch.zeros(count)  # zeros writes every page: no page faults while timing
    size = count * 4
    return {"copy": lambda: dst.copy_(src), "read": lambda: src.sum()}, {
        "copy": 2 * size,
        "read": size,
    }


def memory_bandwidth(
    nbytes: int = 2**27,
    *,
    blocks: int = 5,
    block_seconds: float = 0.05,
    threads: int | None = None,
) -> Bandwidth:
    """Measure the machine's memory bandwidth with a large copy and a large sum.

    Pick ``nbytes`` well above the last-level cache (default 128 MiB), so the numbers describe
    main memory rather than a cache. To compare a computation with the bandwidth, time both in
    one :func:`compare` call with :func:`bandwidth_calls` instead, so they share the machine's
    conditions.

    Parameters
    ----------
    nbytes : int, default 2**27
        Size of the source tensor in bytes.
    blocks : int, default 5
        Measured blocks, as for :func:`compare`.
    block_seconds : float, default 0.05
        Duration of one block, as for :func:`compare`.
    threads : int, optional
        PyTorch threads, as for :func:`compare`.

    Returns
    -------
    Bandwidth
        Copy and read bandwidth in bytes per second (median over the blocks).

    Examples
    --------
    >>> bw = memory_bandwidth(2**20, blocks=3, block_seconds=0.001)
    >>> bw.nbytes, bw.copy > 0, bw.read > 0
    (1048576, True, True)
    """
    threads = torch.get_num_threads() if threads is None else threads
    calls, moved = bandwidth_calls(nbytes)
    t = compare(calls, blocks=blocks, block_seconds=block_seconds, threads=threads)
    return Bandwidth(
        copy=moved["copy"] / t["copy"].median,
        read=moved["read"] / t["read"].median,
        nbytes=moved["read"],
        threads=threads,
    )


# -- the machine -------------------------------------------------------------------------------


def cpu_model() -> str:
    """Return the processor's model name (from ``/proc/cpuinfo`` on Linux), or a fallback.

    Examples
    --------
    >>> isinstance(cpu_model(), str)
    True
    """
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown processor"


def last_level_cache_bytes() -> int | None:
    """Return the size of the largest CPU cache in bytes (Linux sysfs), or None if unknown.

    Examples
    --------
    >>> size = last_level_cache_bytes()
    >>> size is None or size > 0
    True
    """
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    sizes = []
    for path in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = path.read_text().strip()
        if text[:-1].isdigit() and text[-1] in units:
            sizes.append(int(text[:-1]) * units[text[-1]])
        elif text.isdigit():
            sizes.append(int(text))
    return max(sizes) if sizes else None


def machine_description(threads: int | None = None) -> str:
    """Describe the machine, the libraries and the thread settings the timings ran with.

    Parameters
    ----------
    threads : int, optional
        Threads the timings use (the ``threads`` of :func:`compare`), if not the default.

    Returns
    -------
    str
        Several ``key: value`` lines.

    Examples
    --------
    >>> "torch threads" in machine_description()
    True
    """
    cache = last_level_cache_bytes()
    lines = {
        "processor": cpu_model(),
        "logical CPUs": str(os.cpu_count()),
        "largest cache": f"{cache / 2**20:g} MiB" if cache else "unknown",
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": f"{torch.__version__}, torch threads = {torch.get_num_threads()}",
        "numpy": np.__version__,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(not set)"),
        "timed with": f"{threads or torch.get_num_threads()} thread(s)",
    }
    width = max(map(len, lines))
    return "\n".join(f"{key:<{width}} : {value}" for key, value in lines.items())
