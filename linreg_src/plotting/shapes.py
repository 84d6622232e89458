r"""Shape figures: matrix products drawn cell by cell, and the error terms printed numbers allow.

- :func:`plot_matmul_shapes` draws products such as :math:`\mathbf X^\top\boldsymbol\delta`
  as grids of cells, so the shapes (d, N)(N, 1) = (d, 1) can be seen, with one row of the left
  factor, one column of the right factor and the cell of the result they make highlighted.
- :func:`plot_feasible_delta` draws, in the plane of two error terms
  :math:`(\delta^{(1)}, \delta^{(2)})`, the region that printed predictions, losses and gradients
  (all rounded) leave for the true error terms.

Examples
--------
>>> fig = plot_matmul_shapes([[("X^\\top", 2, 10), ("\\delta", 10, 1), ("g", 2, 1)]])
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from linreg_src._validate import check_column_pair, describe, require_backend
from linreg_src.recover import delta_bounds

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_feasible_delta", "plot_matmul_shapes"]

CELL_COLOR = "#eaf2f8"
EDGE_COLOR = "#1f4e79"
HIGHLIGHT_COLOR = "#f5b7b1"
RESULT_COLOR = "#c0392b"
STRIP_COLORS = ("#c0392b", "#1e8449", "#7d3c98", "#b9770e")

Matrix = tuple[str, int, int]


def _check_matrix(where: str, spec: object) -> Matrix:
    if (
        not isinstance(spec, Sequence)
        or isinstance(spec, str)
        or len(spec) != 3
        or not isinstance(spec[0], str)
    ):
        raise TypeError(
            f"{where} must be a (label, rows, cols) triple, got {describe(spec)}"
        )
    label, rows, cols = spec
    for name, n in (("rows", rows), ("cols", cols)):
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(
                f"{where}: {name} must be a whole number, got {describe(n)}"
            )
        if not 1 <= n <= 40:
            raise ValueError(
                f"{where}: {name} must be between 1 and 40 to be drawn, got {n}"
            )
    return label, rows, cols


def plot_matmul_shapes(
    products: Sequence[Sequence[Matrix]],
    *,
    highlight: tuple[int, int] | None = (0, 0),
) -> Figure:
    r"""Draw matrix products :math:`AB = C` as grids of cells, one product per row.

    Each matrix is a ``(label, rows, cols)`` triple (TeX label, no CJK; sizes 1 to 40), drawn with
    its shape underneath; ``highlight = (i, j)`` shades row *i* of :math:`A`, column *j* of
    :math:`B` and the cell of :math:`C` they make.

    >>> fig = plot_matmul_shapes(
    ...     [[("X^\\top", 3, 2), ("\\delta", 2, 1), ("g", 3, 1)],
    ...      [("\\delta^\\top", 1, 2), ("X", 2, 3), ("g^\\top", 1, 3)]], highlight=(0, 0))
    >>> len(fig.axes)
    1
    """
    if (
        isinstance(products, (str, bytes))
        or not isinstance(products, Sequence)
        or not products
    ):
        raise ValueError(
            f"products must be a non-empty list of [A, B, C], got {products!r}"
        )
    checked: list[tuple[Matrix, Matrix, Matrix]] = []
    for k, product in enumerate(products):
        if (
            not isinstance(product, Sequence)
            or isinstance(product, str)
            or len(product) != 3
        ):
            raise TypeError(
                f"products[{k}] must be [A, B, C], got {describe(product)}"
            )
        a, b, c = (
            _check_matrix(f"products[{k}][{m}]", s) for m, s in enumerate(product)
        )
        if a[2] != b[1]:
            raise ValueError(
                f"products[{k}]: {a[0]} has {a[2]} columns but {b[0]} has {b[1]} rows; "
                "(m, n)(n, p) needs the inner sizes to agree"
            )
        if (c[1], c[2]) != (a[1], b[2]):
            raise ValueError(
                f"products[{k}]: ({a[1]}, {a[2]})({b[1]}, {b[2]}) = ({a[1]}, {b[2]}), "
                f"but {c[0]} is ({c[1]}, {c[2]})"
            )
        if highlight is not None and not (
            0 <= highlight[0] < c[1] and 0 <= highlight[1] < c[2]
        ):
            raise ValueError(
                f"highlight {highlight} lies outside the ({c[1]}, {c[2]}) result of products[{k}]"
            )
        checked.append((a, b, c))

    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    gap = 1.6
    widths = [a[2] + b[2] + c[2] + 4 * gap for a, b, c in checked]
    heights = [max(a[1], b[1], c[1]) for a, b, c in checked]
    total_w = max(widths)
    total_h = sum(heights) + 2.2 * len(checked)
    scale = min(
        0.42, 9.0 / total_w, 6.0 / total_h
    )  # inches per cell; at most 9 x 6 inches
    fig = Figure(
        figsize=(total_w * scale + 0.4, total_h * scale + 0.4), facecolor="white"
    )
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-0.3, total_w + 0.3)
    ax.set_ylim(-0.3, total_h + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")

    def grid(
        x0: float,
        top: float,
        spec: Matrix,
        shade: set[tuple[int, int]],
        strong: bool,
    ) -> None:
        label, rows, cols = spec
        for i in range(rows):
            for j in range(cols):
                hit = (i, j) in shade
                color = (
                    (RESULT_COLOR if strong else HIGHLIGHT_COLOR)
                    if hit
                    else CELL_COLOR
                )
                ax.add_patch(
                    Rectangle(
                        (x0 + j, top - i - 1),
                        1,
                        1,
                        facecolor=color,
                        edgecolor=EDGE_COLOR,
                        lw=0.8,
                    )
                )
        ax.text(
            x0 + cols / 2,
            top - rows - 0.45,
            f"${label}$",
            ha="center",
            va="top",
            fontsize=12,
        )
        ax.text(
            x0 + cols / 2,
            top - rows - 1.25,
            f"({rows}, {cols})",
            ha="center",
            va="top",
            fontsize=10,
        )

    top = total_h
    for (a, b, c), h in zip(checked, heights, strict=True):
        i, j = highlight if highlight is not None else (-1, -1)
        x = 0.0
        grid(x, top, a, {(i, q) for q in range(a[2])}, strong=False)
        x += a[2] + gap
        ax.text(
            x - gap / 2,
            top - h / 2,
            r"$\times$",
            ha="center",
            va="center",
            fontsize=14,
        )
        grid(x, top, b, {(q, j) for q in range(b[1])}, strong=False)
        x += b[2] + gap
        ax.text(
            x - gap / 2, top - h / 2, "$=$", ha="center", va="center", fontsize=14
        )
        grid(x, top, c, {(i, j)}, strong=True)
        top -= h + 2.2
    return fig


def _clip(
    polygon: list[tuple[float, float]], a: tuple[float, float], c: float
) -> list:
    """Keep the part of a convex polygon where ``a[0]*x + a[1]*y <= c`` (Sutherland-Hodgman)."""
    out = []
    for k, p in enumerate(polygon):
        q = polygon[(k + 1) % len(polygon)]
        fp, fq = a[0] * p[0] + a[1] * p[1] - c, a[0] * q[0] + a[1] * q[1] - c
        if fp <= 0:
            out.append(p)
        if fp * fq < 0:
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def plot_feasible_delta(
    X: torch.Tensor,
    y: torch.Tensor,
    y_hat: torch.Tensor,
    losses: torch.Tensor,
    grad_w: torch.Tensor,
    *,
    decimals: int,
) -> Figure:
    r"""Draw where two error terms :math:`\delta^{(1)}, \delta^{(2)}` can lie, given the printout.

    Left, the square the printed predictions allow (:math:`\pm h`,
    :math:`h = \frac12 10^{-\text{decimals}}`) with the much smaller box of the printed losses
    (:func:`linreg_src.recover.delta_bounds`); right, a zoom on that box with the part inside every
    printed gradient's strip. X (2, d); y, y_hat, losses (2, 1); grad_w (d, 1).

    >>> from linreg_src.articles import ARTICLE_004, as_tensor
    >>> p = ARTICLE_004.published
    >>> fig = plot_feasible_delta(as_tensor(ARTICLE_004.inputs["X_2d"]), as_tensor(p["y_2d"]),
    ...     as_tensor(p["y_hat_2d"]), as_tensor(p["loss_2d"]), as_tensor(p["grad_w_2d"]),
    ...     decimals=4)
    >>> len(fig.axes)
    2
    """
    require_backend(
        "torch", "articles", X=X, y=y, y_hat=y_hat, losses=losses, grad_w=grad_w
    )
    lower, upper = delta_bounds(losses, y_hat, y, decimals=decimals)
    if tuple(X.shape[:1]) != (2,) or X.ndim != 2:
        raise ValueError(
            f"X must have exactly two rows (two examples), got {describe(X)}"
        )
    check_column_pair(
        grad_w,
        torch.zeros(X.shape[1], 1, dtype=grad_w.dtype),
        names=("grad_w", "w"),
    )

    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon, Rectangle

    h = 0.5 * 10.0**-decimals
    centre = [
        float(v) for v in (torch.sign(y_hat - y) * torch.sqrt(2 * losses)).flatten()
    ]
    gap = [float(v) - c for v, c in zip((y_hat - y).flatten(), centre, strict=True)]
    lo = [float(v) - c for v, c in zip(lower.flatten(), centre, strict=True)]
    hi = [float(v) - c for v, c in zip(upper.flatten(), centre, strict=True)]
    strips = []  # (a1, a2, c_low, c_high) in coordinates relative to the centre
    for j in range(X.shape[1]):
        a1, a2 = float(X[0, j]), float(X[1, j])
        mid = float(grad_w[j, 0]) - (a1 * centre[0] + a2 * centre[1])
        strips.append((a1, a2, mid - h, mid + h))

    fig = Figure(figsize=(10.0, 5.4), facecolor="white")
    left, right = fig.subplots(1, 2)
    unit_l, unit_r = 1e-5, 1e-6

    def lines(ax: Axes, unit: float, xlim: tuple[float, float]) -> None:
        for j, (a1, a2, c_lo, c_hi) in enumerate(strips):
            color = STRIP_COLORS[j % len(STRIP_COLORS)]
            for k, c in enumerate((c_lo, c_hi)):
                xs = torch.linspace(xlim[0], xlim[1], 2, dtype=torch.float64) * unit
                ys = (c - a1 * xs) / a2
                ax.plot(
                    (xs / unit).tolist(),
                    (ys / unit).tolist(),
                    color=color,
                    lw=1.2,
                    ls="-" if k == 0 else "--",
                    label=f"$g_{j + 1}$ printed $\\pm h$" if k == 0 else None,
                )

    # left: the prediction square
    s = h / unit_l
    left.add_patch(
        Rectangle(
            ((gap[0] - h) / unit_l, (gap[1] - h) / unit_l),
            2 * s,
            2 * s,
            facecolor="#eaf2f8",
            edgecolor=EDGE_COLOR,
            label=r"printed $\hat y$, $\pm h$",
        )
    )
    left.plot(
        gap[0] / unit_l,
        gap[1] / unit_l,
        "s",
        color=EDGE_COLOR,
        label=r"rounded $\hat y - y$",
    )
    left.add_patch(
        Rectangle(
            (lo[0] / unit_l, lo[1] / unit_l),
            (hi[0] - lo[0]) / unit_l,
            (hi[1] - lo[1]) / unit_l,
            facecolor="black",
            edgecolor="black",
            label="printed losses",
        )
    )
    xl = ((gap[0] - 1.6 * h) / unit_l, (gap[0] + 1.6 * h) / unit_l)
    lines(left, unit_l, xl)
    left.set_xlim(*xl)
    left.set_ylim((gap[1] - 1.6 * h) / unit_l, (gap[1] + 1.6 * h) / unit_l)
    left.set_title("prediction square")
    left.set_xlabel(r"$\delta^{(1)} - \hat\delta^{(1)}$  ($\times 10^{-5}$)")
    left.set_ylabel(r"$\delta^{(2)} - \hat\delta^{(2)}$  ($\times 10^{-5}$)")
    left.set_aspect("equal", adjustable="box")

    # right: zoom on the loss box, with the part inside every gradient strip
    box = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    right.add_patch(
        Polygon(
            [(p / unit_r, q / unit_r) for p, q in box],
            facecolor="white",
            edgecolor="black",
            lw=1.5,
            label="printed losses",
        )
    )
    feasible = box
    for a1, a2, c_lo, c_hi in strips:
        feasible = _clip(feasible, (a1, a2), c_hi)
        if feasible:
            feasible = _clip(feasible, (-a1, -a2), -c_lo)
    if feasible:
        right.add_patch(
            Polygon(
                [(p / unit_r, q / unit_r) for p, q in feasible],
                facecolor="#abebc6",
                edgecolor="none",
                label="all printed numbers",
            )
        )
    right.plot(0.0, 0.0, "o", color="black", label=r"$\hat\delta = -\sqrt{2l}$")
    pad_x, pad_y = 0.5 * (hi[0] - lo[0]), 0.5 * (hi[1] - lo[1])
    xr = ((lo[0] - pad_x) / unit_r, (hi[0] + pad_x) / unit_r)
    lines(right, unit_r, xr)
    right.set_xlim(*xr)
    right.set_ylim((lo[1] - pad_y) / unit_r, (hi[1] + pad_y) / unit_r)
    right.set_title("zoom on the loss box")
    right.set_xlabel(r"$\delta^{(1)} - \hat\delta^{(1)}$  ($\times 10^{-6}$)")
    right.set_ylabel(r"$\delta^{(2)} - \hat\delta^{(2)}$  ($\times 10^{-6}$)")
    handles: dict[str, object] = {}
    for ax in (left, right):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=4,
        fontsize=9,
    )
    fig.tight_layout(rect=(0.0, 0.14, 1.0, 1.0))
    return fig
