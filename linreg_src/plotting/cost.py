r"""Roofline-style figure of what a gradient step costs: time and achieved bandwidth against size.

A step that moves :math:`B` bytes on a machine with memory bandwidth :math:`\beta` and a fixed
cost :math:`t_0` per call cannot take less than :math:`\max(t_0, B/\beta)`. On a log-log plot of
bytes per second (:math:`B/t`) against :math:`B` the bound is a *roofline*: a rising diagonal
:math:`B/t_0` where the fixed cost dominates, and a flat roof :math:`\beta` where memory does.

Examples
--------
>>> fig = plot_gradient_roofline(
...     [1e3, 1e6, 1e9], {"hand": [1e-5, 2e-5, 0.1]}, bandwidth=2e10, overhead=1e-5
... )
>>> [ax.get_xscale() for ax in fig.axes]
['log', 'log']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from linreg_src._validate import check_real_scalar, describe
from linreg_src.plotting._checks import check_figure_text, check_plot_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_gradient_roofline"]

ROOF_COLOR = "#555555"


def _positive(name: str, value: object) -> float:
    result = check_real_scalar(name, value)
    if result <= 0:
        raise ValueError(f"{name} must be positive, got {result}")
    return check_plot_number(
        name, result, log=True, limit=1e30
    )  # its ratios stay drawable


def _positives(name: str, values: object) -> list[float]:
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"{name} must be a sequence of numbers, got {describe(values)}"
        )
    return [_positive(f"{name}[{i}]", v) for i, v in enumerate(values)]  # type: ignore[arg-type]


def plot_gradient_roofline(
    traffic_bytes: Sequence[float],
    seconds: Mapping[str, Sequence[float]],
    *,
    bandwidth: float,
    overhead: float,
    cache_at: float | None = None,
) -> Figure:
    r"""Draw step times, and the bytes per second they achieve, against bytes moved per step.

    Left: seconds per step under the bound :math:`\max(t_0, B/\beta)`; right: :math:`B/t` under
    the roofline :math:`\min(B/t_0, \beta)`, with ``bandwidth`` :math:`\beta` and ``overhead``
    :math:`t_0`; ``cache_at`` marks where X fills the largest cache.

    >>> fig = plot_gradient_roofline([1e3, 1e9], {"a": [1e-6, 1e-1]}, bandwidth=1e10,
    ...                              overhead=1e-6, cache_at=7.2e7)
    >>> line = next(ln for ln in fig.axes[1].get_lines() if ln.get_label() == "a")
    >>> [round(float(y) / 1e9, 3) for y in line.get_ydata()]
    [1.0, 10.0]
    """
    sizes = _positives("traffic_bytes", traffic_bytes)
    if not sizes:
        raise ValueError("traffic_bytes is empty")
    if not isinstance(seconds, Mapping) or not seconds:
        raise TypeError(
            f"seconds must be a non-empty mapping of label -> times, got {describe(seconds)}"
        )
    times: dict[str, list[float]] = {}
    for label, values in seconds.items():
        check_figure_text("label", label)
        values = _positives(f"seconds[{label!r}]", values)
        if len(values) != len(sizes):
            raise ValueError(
                f"seconds[{label!r}] has {len(values)} values but traffic_bytes has {len(sizes)}"
            )
        times[label] = values
    beta = _positive("bandwidth", bandwidth)
    t0 = _positive("overhead", overhead)
    cache = None if cache_at is None else _positive("cache_at", cache_at)

    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.8), facecolor="white", layout="constrained")
    ax_t, ax_bw = fig.subplots(1, 2)
    grid = np.geomspace(min(sizes) / 2, max(sizes) * 2, 200)
    ax_t.plot(
        grid,
        np.maximum(t0, grid / beta),
        color=ROOF_COLOR,
        linewidth=2.5,
        alpha=0.35,
        label=r"bound $\max(t_0, B/\beta)$",
    )
    ax_bw.plot(
        grid,
        np.minimum(grid / t0, beta),
        color=ROOF_COLOR,
        linewidth=2.5,
        alpha=0.35,
        label=r"roofline $\min(B/t_0, \beta)$",
    )
    ax_bw.axhline(beta, color=ROOF_COLOR, linestyle="--", linewidth=1)
    for marker, (label, values) in zip("osD^v<>", times.items(), strict=False):
        ax_t.plot(sizes, values, marker=marker, markersize=4, label=label)
        ax_bw.plot(
            sizes,
            [b / t for b, t in zip(sizes, values, strict=True)],
            marker=marker,
            markersize=4,
            label=label,
        )
    for ax in (ax_t, ax_bw):
        ax.set_facecolor("white")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("bytes moved per step $B$")
        ax.grid(True, which="major", alpha=0.3)
        if cache is not None:
            ax.axvline(cache, color=ROOF_COLOR, linestyle=":", linewidth=1)
            ax.annotate(
                "X fills the cache",
                (cache, 0.02),
                xycoords=("data", "axes fraction"),
                rotation=90,
                ha="right",
                va="bottom",
                fontsize=8,
                color=ROOF_COLOR,
            )
    ax_t.set_ylabel("seconds per step")
    ax_bw.set_ylabel("achieved bytes per second $B/t$")
    ax_bw.annotate(
        rf"memory bandwidth $\beta$ = {beta / 1e9:.1f} GB/s",
        (0.02, beta),
        xycoords=("axes fraction", "data"),
        va="bottom",
        fontsize=8,
        color=ROOF_COLOR,
    )
    ax_t.legend(fontsize=8)
    ax_bw.legend(fontsize=8, loc="lower right")
    return fig
