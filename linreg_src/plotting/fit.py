r"""Figures of a fitted line: the data with fitted lines, the loss surface, learned parameters.

- :func:`plot_fitted_lines` -- the data points and one or more lines :math:`\hat y = wx + b`;
- :func:`plot_loss_landscape` -- contours of the mean squared error over :math:`(w, b)` with
  optimisation paths on top: the elongated valley is why plain gradient descent is slow;
- :func:`plot_parameter_cloud` -- many learned :math:`(w, b)` (one per seed) as a point cloud,
  with named points marked.

Examples
--------
>>> import torch
>>> x = torch.linspace(0, 1, 5).unsqueeze(1)
>>> fig = plot_fitted_lines(x, 2 * x + 1, {"true": (2.0, 1.0)})
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['true']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import torch

from linreg_src._validate import (
    check_column_pair,
    check_float_array,
    describe,
    require_backend,
)
from linreg_src.plotting._checks import (
    PLOT_LIMIT,
    check_figure_text,
    check_plot_number,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_fitted_lines", "plot_loss_landscape", "plot_parameter_cloud"]

_MARKERS = ("*", "X", "P", "D", "s", "^")


def _check_mapping(
    name: str, value: object, *, allow_empty: bool = False
) -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a mapping of label -> values, got {describe(value)}"
        )
    if not value and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one entry")
    for label in value:
        check_figure_text(f"{name} label", label)
    return value


#: The loss landscape squares its data on a float32 grid: it draws magnitudes up to 1e30.
LANDSCAPE_LIMIT = 1e30


def _check_point(
    name: str, point: object, limit: float = PLOT_LIMIT
) -> tuple[float, float]:
    if (
        isinstance(point, (str, bytes))
        or not isinstance(point, Sequence)
        or len(point) != 2
    ):
        raise TypeError(
            f"{name} must be a pair (w, b) of numbers, got {describe(point)}"
        )
    w = check_plot_number(f"{name}[0]", point[0], limit=limit)
    return w, check_plot_number(f"{name}[1]", point[1], limit=limit)


def _check_series(name: str, values: object, limit: float) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(
            f"{name} must be a sequence of numbers, got {describe(values)}"
        )
    if len(values) == 0:  # type: ignore[arg-type]
        raise ValueError(f"{name} is empty")
    return [
        check_plot_number(f"{name}[{i}]", v, limit=limit)
        for i, v in enumerate(values)
    ]  # type: ignore[call-overload]


def _within(name: str, t: torch.Tensor, limit: float) -> torch.Tensor:
    check_plot_number(
        f"{name}'s largest magnitude", float(t.detach().abs().max()), limit=limit
    )
    return t.detach().double()


def _check_data(
    x: object, y: object, limit: float = PLOT_LIMIT
) -> tuple[torch.Tensor, torch.Tensor]:
    require_backend("torch", "plotting", x=x, y=y)
    check_column_pair(x, y, names=("x", "y"))
    return _within("x", x, limit).flatten(), _within("y", y, limit).flatten()  # type: ignore[arg-type]


def _mark(
    ax: Axes,
    points: Mapping[str, tuple[float, float]],
    *,
    size: float,
    face: Callable[[int], str],
) -> None:
    """Mark each named point (w, b) with a black-edged marker, the k-th filled ``face(k)``."""
    for k, (label, (w, b)) in enumerate(points.items()):
        ax.plot(
            w,
            b,
            _MARKERS[k % len(_MARKERS)],
            color="black",
            markersize=size,
            markerfacecolor=face(k),
            label=label,
            linestyle="none",
        )


def _new_figure(size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, facecolor="white", layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    return fig, ax


def plot_fitted_lines(
    x: torch.Tensor,
    y: torch.Tensor,
    lines: Mapping[str, tuple[float, float]],
    *,
    title: str | None = None,
) -> Figure:
    r"""Scatter x, y (N, 1) and draw each line :math:`\hat y = wx + b` of ``lines`` (label: w, b).

    >>> x = torch.linspace(0, 1, 3).unsqueeze(1)
    >>> fig = plot_fitted_lines(x, x, {"a": (1.0, 0.0), "b": (0.5, 0.2)})
    >>> [[float(v) for v in line.get_ydata()] for line in fig.axes[0].get_lines()]
    [[0.0, 1.0], [0.2, 0.7]]
    """
    xs, ys = _check_data(x, y)
    lines = _check_mapping("lines", lines)
    params = {
        label: _check_point(f"lines[{label!r}]", p) for label, p in lines.items()
    }
    if title is not None:
        title = check_figure_text("title", title)

    fig, ax = _new_figure((6.4, 4.0))
    ax.scatter(xs.tolist(), ys.tolist(), s=10, color="0.55", alpha=0.8, zorder=1)
    lo, hi = float(xs.min()), float(xs.max())
    for k, (label, (w, b)) in enumerate(params.items()):
        ax.plot(
            [lo, hi],
            [w * lo + b, w * hi + b],
            label=label,
            linewidth=2.0,
            linestyle=("-", "--", "-.", ":")[k % 4],
            zorder=2 + k,
        )
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_loss_landscape(
    x: torch.Tensor,
    y: torch.Tensor,
    paths: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    marks: Mapping[str, tuple[float, float]] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw contours of the MSE :math:`L(w, b) - L^*` over x, y (N, 1), with optimisation paths.

    ``paths`` maps a label to the iterates ``(weights, biases)``; ``marks`` a label to one point
    ``(w, b)``. Levels are factors of 2 apart and the axes share one scale, so the ellipses show the
    surface's true shape: the long axis is where gradient descent is slow.

    >>> x = torch.linspace(0, 1, 10).unsqueeze(1)
    >>> fig = plot_loss_landscape(x, 2 * x + 1, {"gd": ([0.0, 1.0, 1.5], [0.0, 1.2, 1.1])})
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('$w$', '$b$')
    """
    xs, ys = _check_data(x, y, LANDSCAPE_LIMIT)
    paths = _check_mapping("paths", paths)
    checked_paths: dict[str, tuple[list[float], list[float]]] = {}
    for label, pair in paths.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                f"paths[{label!r}] must be a pair (weights, biases), got {describe(pair)}"
            )
        ws = _check_series(f"paths[{label!r}][0]", pair[0], LANDSCAPE_LIMIT)
        bs = _check_series(f"paths[{label!r}][1]", pair[1], LANDSCAPE_LIMIT)
        if len(ws) != len(bs):
            raise ValueError(
                f"paths[{label!r}] has {len(ws)} weights but {len(bs)} biases; "
                "each iterate needs both"
            )
        checked_paths[label] = (ws, bs)
    marks = _check_mapping(
        "marks", {} if marks is None else marks, allow_empty=True
    )
    points = {
        label: _check_point(f"marks[{label!r}]", p, LANDSCAPE_LIMIT)
        for label, p in marks.items()
    }
    if title is not None:
        title = check_figure_text("title", title)

    all_w = [w for ws, _ in checked_paths.values() for w in ws] + [
        p[0] for p in points.values()
    ]
    all_b = [b for _, bs in checked_paths.values() for b in bs] + [
        p[1] for p in points.values()
    ]
    span_w = max(max(all_w) - min(all_w), 0.1)
    span_b = max(max(all_b) - min(all_b), 0.1)
    w_grid = torch.linspace(
        min(all_w) - 0.12 * span_w, max(all_w) + 0.12 * span_w, 241
    )
    b_grid = torch.linspace(
        min(all_b) - 0.12 * span_b, max(all_b) + 0.12 * span_b, 241
    )
    W, B = torch.meshgrid(w_grid.double(), b_grid.double(), indexing="xy")
    # L(w, b) = mean((w x + b - y)^2), expanded into the data's moments
    m_xx, m_x, m_xy = (xs * xs).mean(), xs.mean(), (xs * ys).mean()
    m_y, m_yy = ys.mean(), (ys * ys).mean()
    loss = (
        W * W * m_xx + 2 * W * B * m_x + B * B - 2 * W * m_xy - 2 * B * m_y + m_yy
    )
    A = torch.stack([xs, torch.ones_like(xs)], dim=1)
    theta = torch.linalg.lstsq(A, ys.unsqueeze(1), driver="gelsd").solution
    min_loss = float(((A @ theta).squeeze(1) - ys).pow(2).mean())
    excess = (loss - min_loss).clamp_min(1e-12)
    top = float(excess.max())
    levels = [top / 2**k for k in range(22, 0, -1)]

    from matplotlib.colors import LogNorm

    fig, ax = _new_figure((6.4, 4.8))
    ax.contour(
        W.numpy(),
        B.numpy(),
        excess.numpy(),
        levels=levels,
        cmap="viridis",
        norm=LogNorm(vmin=levels[0], vmax=levels[-1]),
        linewidths=0.9,
    )
    for k, (label, (ws, bs)) in enumerate(checked_paths.items()):
        color = f"C{(k + 3) % 10}"
        ax.plot(
            ws,
            bs,
            color=color,
            linewidth=1.5,
            marker=".",
            markersize=4,
            label=label,
        )
        ax.plot(
            ws[0], bs[0], "o", color=color, markerfacecolor="white", markersize=8
        )
        ax.plot(ws[-1], bs[-1], "o", color=color, markersize=7)
    _mark(ax, points, size=11, face=lambda k: "gold" if k == 0 else "white")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("$w$")
    ax.set_ylabel("$b$")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best", fontsize=9)
    return fig


def plot_parameter_cloud(
    clouds: Mapping[str, torch.Tensor],
    *,
    marks: Mapping[str, tuple[float, float]] | None = None,
    title: str | None = None,
) -> Figure:
    """Scatter many learned :math:`(w, b)`, a cloud (S, 2) per label, and mark named points on top.

    >>> fig = plot_parameter_cloud({"sgd": torch.tensor([[1.0, 1.2], [1.5, 1.0]])},
    ...                            marks={"true": (2.0, 1.0)})
    >>> len(fig.axes[0].collections), [l.get_label() for l in fig.axes[0].get_lines()]
    (1, ['true'])
    """
    clouds = _check_mapping("clouds", clouds)
    checked: dict[str, torch.Tensor] = {}
    for label, cloud in clouds.items():
        require_backend("torch", "plotting", **{f"clouds[{label!r}]": cloud})
        check_float_array(f"clouds[{label!r}]", cloud, ndim=2)
        if cloud.shape[1] != 2:
            raise ValueError(
                f"clouds[{label!r}] must have shape (S, 2), one (w, b) per row, "
                f"got {tuple(cloud.shape)}"
            )
        checked[label] = _within(f"clouds[{label!r}]", cloud, PLOT_LIMIT)
    marks = _check_mapping(
        "marks", {} if marks is None else marks, allow_empty=True
    )
    points = {
        label: _check_point(f"marks[{label!r}]", p) for label, p in marks.items()
    }
    if title is not None:
        title = check_figure_text("title", title)

    fig, ax = _new_figure((6.4, 4.4))
    for k, (label, cloud) in enumerate(checked.items()):
        ax.scatter(
            cloud[:, 0].tolist(),
            cloud[:, 1].tolist(),
            s=6,
            alpha=0.35,
            color=f"C{k}",
            label=f"{label} ({len(cloud)} runs)",
            linewidths=0,
        )
    _mark(
        ax,
        points,
        size=12,
        face=lambda k: ("gold", "white", "tomato", "skyblue")[k % 4],
    )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("$w$")
    ax.set_ylabel("$b$")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    legend = ax.legend(loc="best", fontsize=9, markerscale=1.0)
    for handle in legend.legend_handles:
        if handle is not None and hasattr(handle, "set_alpha"):
            handle.set_alpha(1.0)
    return fig
