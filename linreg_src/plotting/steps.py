r"""Loss per SGD step, side by side: one panel per setting, one line per way of stepping.

Made for the chapter on sum versus mean: for each batch size, the full-data loss after every
step when ``sgd`` divides the summed gradient by the batch size, and when it forgets to. A step
without the division is a step with learning rate :math:`B\eta` instead of :math:`\eta`, so the
panels differ only in how far :math:`B\eta` is from the stability limit.

Examples
--------
>>> fig = plot_step_losses(
...     {"$B = 10$": {"divide": [4.0, 2.0, 1.0], "forget": [4.0, 1.0, 0.5]},
...      "$B = 100$": {"divide": [4.0, 3.0, 2.0], "forget": [4.0, 40.0, 400.0]}}
... )
>>> [ax.get_title() for ax in fig.axes], fig.axes[1].get_yscale()
(['$B = 10$', '$B = 100$'], 'log')
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['divide', 'forget']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from linreg_src._validate import describe
from linreg_src.plotting._checks import check_figure_text, check_plot_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_step_losses"]

#: Line colours, assigned to labels in order of first appearance (same label, same colour).
COLORS = ("#1f4e79", "#c0392b", "#27ae60", "#8e44ad")


def _losses(where: str, values: object) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{where} must be a sequence of numbers, got {describe(values)}"
        )
    if len(values) == 0:
        raise ValueError(f"{where} is empty; a curve needs at least one loss")
    points = [check_plot_number(f"{where}[{k}]", v) for k, v in enumerate(values)]
    for k, v in enumerate(points):
        if v <= 0:
            raise ValueError(
                f"{where}[{k}] is {v}, but the log-scale axis needs positive losses"
            )
        check_plot_number(f"{where}[{k}]", v, log=True)
    return points


def plot_step_losses(
    panels: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    xlabel: str = "step",
    ylabel: str = "loss",
    ncols: int | None = None,
) -> Figure:
    """Draw one log-scale panel per setting, title -> (label -> losses after 0, 1, 2 ... steps).

    The panels fill rows of ``ncols`` (all in one row by default; ``ncols=1`` stacks them,
    which a phone screen shows larger).

    >>> fig = plot_step_losses({"a": {"x": [3.0, 2.0]}})
    >>> fig.axes[0].get_lines()[0].get_xydata().tolist()
    [[0.0, 3.0], [1.0, 2.0]]
    """
    if not isinstance(panels, Mapping):
        raise TypeError(
            f"panels must be a mapping of title -> curves, got {describe(panels)}"
        )
    if not panels:
        raise ValueError("panels is empty; pass at least one panel")
    xlabel = check_figure_text("xlabel", xlabel)
    ylabel = check_figure_text("ylabel", ylabel)
    if ncols is not None and (
        isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1
    ):
        raise ValueError(
            f"ncols must be a whole number >= 1 or None (one row), got {describe(ncols)}"
        )
    checked: dict[str, dict[str, list[float]]] = {}
    for title, curves in panels.items():
        check_figure_text("panel title", title)
        if not isinstance(curves, Mapping):
            raise TypeError(
                f"panels[{title!r}] must be a mapping of label -> losses, got {describe(curves)}"
            )
        if not curves:
            raise ValueError(
                f"panels[{title!r}] is empty; a panel needs at least one curve"
            )
        checked[title] = {
            check_figure_text("curve label", label): _losses(
                f"panels[{title!r}][{label!r}]", values
            )
            for label, values in curves.items()
        }

    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    colors: dict[str, str] = {}
    cols = min(ncols or len(checked), len(checked))
    rows = -(-len(checked) // cols)
    fig = Figure(
        figsize=(4.2 * cols, 3.6 * rows), facecolor="white", layout="constrained"
    )
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = grid.flatten()[: len(checked)]
    for unused in grid.flatten()[len(checked) :]:
        fig.delaxes(unused)
    for ax, (title, curves) in zip(axes, checked.items(), strict=True):
        ax.set_facecolor("white")
        for label, points in curves.items():
            color = colors.setdefault(label, COLORS[len(colors) % len(COLORS)])
            ax.plot(
                range(len(points)),
                points,
                label=label,
                color=color,
                marker="o",
                ms=3,
                lw=1.5,
            )
        ax.set_yscale("log")
        lows = [min(p) for p in curves.values()]
        highs = [max(p) for p in curves.values()]
        if math.isclose(
            min(lows), max(highs)
        ):  # a flat curve: give the log axis some room
            ax.set_ylim(min(lows) / 2, max(highs) * 2)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=9)
    for ax in grid[:, 0]:
        ax.set_ylabel(ylabel)
    return fig
