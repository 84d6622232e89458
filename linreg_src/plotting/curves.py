r"""Loss curves: one line per training run, against epochs or steps.

A generic helper for every chapter that trains something: give it named sequences of losses and
it draws them on one axes, by default on a log scale (a loss that falls from 10 to
:math:`10^{-5}` is a flat line at zero on a linear axis).

Examples
--------
>>> fig = plot_loss_curves({"autograd": [10.0, 1.0, 0.1], "hand": [10.0, 1.0, 0.1]})
>>> ax = fig.axes[0]
>>> [line.get_label() for line in ax.get_lines()], ax.get_yscale()
(['autograd', 'hand'], 'log')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from linreg_src._validate import describe
from linreg_src.plotting._checks import check_figure_text, check_plot_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_loss_curves"]

#: Above this many points a curve is drawn without markers (they would hide the line).
MARKER_LIMIT = 40


def _check_curve(name: str, values: object, *, logy: bool) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(
            f"curves[{name!r}] must be a sequence of numbers (list, tuple, 1-D tensor or "
            f"array), got {describe(values)}"
        )
    if getattr(values, "ndim", 1) != 1:
        raise ValueError(
            f"curves[{name!r}] must be 1-D, got shape {tuple(values.shape)}"  # type: ignore[attr-defined]
        )
    if len(values) == 0:  # type: ignore[arg-type]
        raise ValueError(
            f"curves[{name!r}] is empty; a curve needs at least one value"
        )
    points = [
        check_plot_number(f"curves[{name!r}][{i}]", v)
        for i, v in enumerate(values)  # type: ignore[call-overload]
    ]
    if logy:
        bad = [i for i, v in enumerate(points) if v <= 0]
        if bad:
            raise ValueError(
                f"curves[{name!r}][{bad[0]}] is {points[bad[0]]}, but a log-scale axis needs "
                "positive values; pass logy=False"
            )
        for i, v in enumerate(points):
            check_plot_number(f"curves[{name!r}][{i}]", v, log=True)
    return points


def plot_loss_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = True,
    title: str | None = None,
    start: int = 0,
) -> Figure:
    """Draw one line per named loss sequence; point ``k`` of each curve is at ``x = start + k``.

    Values must be finite (and positive on the default log axis); short curves get markers, and a
    curve equal to an earlier one is dashed on top of it, so two runs that agree both show.

    >>> fig = plot_loss_curves({"sgd": [4.0, 2.0, 1.0]}, xlabel="step", start=1)
    >>> line = fig.axes[0].get_lines()[0]
    >>> line.get_xdata().tolist(), line.get_ydata().tolist()
    ([1, 2, 3], [4.0, 2.0, 1.0])
    """
    if not isinstance(curves, Mapping):
        raise TypeError(
            "curves must be a mapping of label -> losses, e.g. {'autograd': [...]}, "
            f"got {describe(curves)}"
        )
    if not curves:
        raise ValueError("curves is empty; pass at least one named curve")
    if not isinstance(logy, bool):
        raise TypeError(f"logy must be True or False, got {describe(logy)}")
    if isinstance(start, bool) or not isinstance(start, int):
        raise TypeError(f"start must be an int, got {describe(start)}")
    xlabel = check_figure_text("xlabel", xlabel)
    ylabel = check_figure_text("ylabel", ylabel)
    if title is not None:
        title = check_figure_text("title", title)
    checked: dict[str, list[float]] = {}
    for name, values in curves.items():
        label = check_figure_text("curve label", name)
        checked[label] = _check_curve(label, values, logy=logy)

    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6.4, 3.8), facecolor="white", layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    drawn: list[list[float]] = []
    for name, points in checked.items():
        xs = list(range(start, start + len(points)))
        repeat = points in drawn
        ax.plot(
            xs,
            points,
            label=name,
            marker="o" if len(points) <= MARKER_LIMIT else None,
            markersize=4,
            linestyle="--" if repeat else "-",
            linewidth=1.6,
        )
        drawn.append(points)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return fig
