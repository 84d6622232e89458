"""Computation-graph figures: the chain-rule factory with forward values and backward gradients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linreg_src.chain import FactoryForward, FactoryGradients

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BACKWARD_COLOR", "FORWARD_COLOR", "plot_factory_graph"]

FORWARD_COLOR = "#1f4e79"
BACKWARD_COLOR = "#c0392b"


def _fmt(value: float) -> str:
    return f"{value:g}"


def plot_factory_graph(fwd: FactoryForward, grads: FactoryGradients) -> Figure:
    """Draw the factory's graph: forward values (blue) left to right, gradients (red) back.

    Each gradient is written as *upstream × local = result*, so the reuse of the upstream gradient
    shows.

    >>> from linreg_src.chain import factory_backward, factory_forward
    >>> fwd = factory_forward(w=3.0, v=2.0, x=2.0, target=10.0)
    >>> len(plot_factory_graph(fwd, factory_backward(fwd)).axes[0].texts)
    21
    """
    if not isinstance(fwd, FactoryForward) or not isinstance(
        grads, FactoryGradients
    ):
        raise TypeError(
            "plot_factory_graph(fwd, grads) expects a FactoryForward and a FactoryGradients, "
            f"got {type(fwd).__name__} and {type(grads).__name__}"
        )
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    fig = Figure(figsize=(9.0, 3.6), facecolor="white")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")

    nodes = {  # name: (x, y, label)
        "w": (0.9, 2.6, f"$w = {_fmt(fwd.w)}$"),
        "x": (0.9, 0.9, f"$x = {_fmt(fwd.x)}$"),
        "u": (3.6, 2.6, f"$u = wx = {_fmt(fwd.u)}$"),
        "v": (3.6, 0.9, f"$v = {_fmt(fwd.v)}$"),
        "h": (6.2, 2.6, f"$h = vu = {_fmt(fwd.h)}$"),
        "t": (6.2, 0.9, f"$t = {_fmt(fwd.target)}$"),
        "L": (8.9, 2.6, f"$\\mathrm{{Loss}} = {_fmt(fwd.loss)}$"),
    }
    for name, (cx, cy, label) in nodes.items():
        param = name in ("w", "v")
        ax.add_patch(
            FancyBboxPatch(
                (cx - 0.85, cy - 0.32),
                1.7,
                0.64,
                boxstyle="round,pad=0.05",
                facecolor="#fdf2e9" if param else "#eaf2f8",
                edgecolor=FORWARD_COLOR,
                linewidth=1.6 if param else 1.0,
            )
        )
        ax.text(cx, cy, label, ha="center", va="center", fontsize=11, color="black")

    def arrow(
        a: tuple[float, float], b: tuple[float, float], color: str, rad: float = 0.0
    ) -> None:
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            arrowprops={
                "arrowstyle": "-|>",
                "color": color,
                "lw": 1.6,
                "connectionstyle": f"arc3,rad={rad}",
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )

    # forward edges
    arrow((1.75, 2.6), (2.75, 2.6), FORWARD_COLOR)
    arrow((1.75, 0.9), (2.75, 2.45), FORWARD_COLOR)
    arrow((4.45, 2.6), (5.35, 2.6), FORWARD_COLOR)
    arrow((4.45, 0.9), (5.35, 2.45), FORWARD_COLOR)
    arrow((7.05, 2.6), (8.05, 2.6), FORWARD_COLOR)
    arrow((7.05, 0.9), (8.05, 2.45), FORWARD_COLOR)

    # backward edges, above the nodes, right to left
    arrow((8.9, 3.0), (6.2, 3.0), BACKWARD_COLOR, rad=0.25)
    arrow((6.2, 3.0), (3.6, 3.0), BACKWARD_COLOR, rad=0.25)
    arrow((3.6, 3.0), (0.9, 3.0), BACKWARD_COLOR, rad=0.25)
    red = {"color": BACKWARD_COLOR, "fontsize": 10, "ha": "center"}
    ax.text(
        7.55,
        3.62,
        f"$\\partial L/\\partial h = 2(h-t) = {_fmt(grads.dloss_dh)}$",
        **red,
    )
    ax.text(
        4.9,
        3.62,
        f"$\\partial L/\\partial u = {_fmt(grads.dloss_dh)}\\cdot v = {_fmt(grads.dloss_du)}$",
        **red,
    )
    ax.text(
        2.25,
        3.62,
        f"$\\partial L/\\partial w = {_fmt(grads.dloss_du)}\\cdot x = {_fmt(grads.grad_w)}$",
        **red,
    )
    arrow((6.0, 2.25), (4.2, 1.25), BACKWARD_COLOR, rad=-0.2)
    ax.text(
        4.55,
        0.2,
        f"$\\partial L/\\partial v = {_fmt(grads.dloss_dh)}\\cdot u = {_fmt(grads.grad_v)}$",
        **red,
    )
    return fig
