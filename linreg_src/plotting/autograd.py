"""The ``grad_fn`` graph PyTorch recorded, drawn from the loss (top) down to the leaves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from linreg_src._validate import describe
from linreg_src.autograd_graph import GradGraph
from linreg_src.plotting._checks import check_figure_text
from linreg_src.plotting.graph import BACKWARD_COLOR, FORWARD_COLOR

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_grad_graph"]

_SLOT = 3.2  # horizontal distance between neighbouring nodes
_ROW = 1.2  # vertical distance between depths
_BOX = (3.0, 0.82)  # box width and height


def plot_grad_graph(
    graph: GradGraph, notes: Mapping[str, str] | None = None
) -> Figure:
    """Draw ``graph`` top-down: each node a box, red arrows where gradients go.

    ``notes`` maps a node's printed name (``"PowBackward0"``, ``"AccumulateGrad → w"``) to a
    second line in its box, e.g. the forward operation it undoes.

    >>> import torch
    >>> from linreg_src.autograd_graph import grad_graph
    >>> w = torch.ones(2, 1, requires_grad=True)
    >>> fig = plot_grad_graph(grad_graph((torch.ones(3, 2) @ w).sum(), {"w": w}))
    >>> len(fig.axes[0].patches), len(fig.axes[0].texts)  # boxes; labels and arrows
    (3, 5)
    """
    notes = _check_plot_args(graph, notes)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    depth, slot = _layout(graph)
    width = (max(slot) - min(slot)) * _SLOT + _BOX[0] + 0.4
    height = max(depth) * _ROW + _BOX[1] + 0.4
    fig = Figure(figsize=(width * 0.8, height * 0.8), facecolor="white")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    left = min(slot) * _SLOT - _BOX[0] / 2 - 0.2
    ax.set_xlim(left, left + width)
    ax.set_ylim(-max(depth) * _ROW - _BOX[1] / 2 - 0.2, _BOX[1] / 2 + 0.2)
    ax.axis("off")

    centers = [(s * _SLOT, -d * _ROW) for s, d in zip(slot, depth, strict=True)]
    for node, (cx, cy) in zip(graph.nodes, centers, strict=True):
        leaf = node.leaf is not None
        ax.add_patch(
            FancyBboxPatch(
                (cx - _BOX[0] / 2, cy - _BOX[1] / 2),
                *_BOX,
                boxstyle="round,pad=0.04",
                facecolor="#fdf2e9" if leaf else "#eaf2f8",
                edgecolor=FORWARD_COLOR,
                linewidth=1.6 if leaf else 1.0,
            )
        )
        note = notes.get(str(node))
        label = str(node) if note is None else f"{node}\n{note}"
        ax.text(
            cx, cy, label, ha="center", va="center", fontsize=11, linespacing=1.5
        )
    for i, j in graph.edges:
        (x0, y0), (x1, y1) = centers[i], centers[j]
        ax.annotate(
            "",
            xy=(x1, y1 + _BOX[1] / 2 + 0.04),
            xytext=(x0, y0 - _BOX[1] / 2 - 0.04),
            arrowprops={"arrowstyle": "-|>", "color": BACKWARD_COLOR, "lw": 1.6},
        )
    return fig


def _layout(graph: GradGraph) -> tuple[list[int], list[float]]:
    """Depth of each node (longest path from the root) and its horizontal slot (a tidy tree)."""
    n = len(graph.nodes)
    depth = [0] * n
    for _ in range(n):  # longest paths in a DAG: relax every edge n times
        for i, j in graph.edges:
            depth[j] = max(depth[j], depth[i] + 1)
    parent: dict[int, int] = {}
    for i, j in graph.edges:  # a spanning tree: under the first node reaching it
        parent.setdefault(j, i)
    kids = {i: [j for j in range(n) if parent.get(j) == i] for i in range(n)}
    slot = [0.0] * n
    free = [0.0]

    def place(i: int) -> None:
        for j in kids[i]:
            place(j)
        if kids[i]:
            slot[i] = sum(slot[j] for j in kids[i]) / len(kids[i])
        else:
            slot[i], free[0] = free[0], free[0] + 1

    place(0)
    return depth, slot


def _check_plot_args(graph: Any, notes: Any) -> dict[str, str]:
    if not isinstance(graph, GradGraph):
        raise TypeError(
            f"graph must be the GradGraph returned by grad_graph(root), got {describe(graph)}"
        )
    if notes is None:
        return {}
    if not isinstance(notes, Mapping):
        raise TypeError(f"notes must map node names to text, got {describe(notes)}")
    for key, text in notes.items():
        check_figure_text("notes key", key)
        check_figure_text(f"notes[{key!r}]", text)
    unknown = set(notes) - {str(node) for node in graph.nodes}
    if unknown:
        raise ValueError(
            f"notes names nodes the graph does not have: {sorted(unknown)}; "
            f"its nodes are {[str(node) for node in graph.nodes]}"
        )
    return dict(notes)
