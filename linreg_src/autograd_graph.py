r"""PyTorch's own record of a computation: the ``grad_fn`` graph that ``backward()`` walks.

A tensor computed from tensors that require grad carries ``grad_fn``, the node that will pass its
gradient back; ``grad_fn.next_functions`` lists the nodes of its inputs (``None`` for an input
that needs no gradient, such as ``X`` or ``y``), and an ``AccumulateGrad`` node adds what reaches
it into a leaf tensor's ``.grad``. :func:`grad_graph` walks that record.

>>> w = torch.ones(2, 1, requires_grad=True)
>>> print(grad_graph((torch.ones(3, 2) @ w).sum(), {"w": w}))
SumBackward0
└─ MmBackward0
   └─ AccumulateGrad → w
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from linreg_src._validate import describe

__all__ = ["GradGraph", "GradNode", "grad_graph"]


@dataclass(frozen=True)
class GradNode:
    """One node: PyTorch's class ``name``; for ``AccumulateGrad``, the ``leaf`` it writes into."""

    name: str
    leaf: str | None = None

    def __str__(self) -> str:
        return self.name if self.leaf is None else f"{self.name} → {self.leaf}"


@dataclass(frozen=True)
class GradGraph:
    """The ``nodes`` as reached from the root (root first), and ``edges`` ``(i, j)``.

    An edge ``(i, j)`` says node ``i`` passes a gradient to node ``j``, one edge per input slot.
    Printed, the graph is a tree from the root; a node reached a second time is marked ``↑``.
    """

    nodes: tuple[GradNode, ...]
    edges: tuple[tuple[int, int], ...]

    def children(self, i: int) -> list[int]:
        """Return the nodes that node ``i`` passes gradients to, in PyTorch's input order."""
        return [j for k, j in self.edges if k == i]

    def __str__(self) -> str:
        lines: list[str] = []
        seen: set[int] = set()

        def visit(i: int, lead: str, branch: str) -> None:
            again = " ↑" if i in seen else ""
            lines.append(f"{lead}{branch}{self.nodes[i]}{again}")
            if again:
                return
            seen.add(i)
            kids = self.children(i)
            lead += {"": "", "└─ ": "   ", "├─ ": "│  "}[branch]
            for n, j in enumerate(kids):
                visit(j, lead, "└─ " if n == len(kids) - 1 else "├─ ")

        visit(0, "", "")
        return "\n".join(lines)


def grad_graph(
    root: torch.Tensor, leaves: Mapping[str, torch.Tensor] | None = None
) -> GradGraph:
    """Walk ``root.grad_fn`` along ``next_functions``, naming leaves by ``leaves``.

    >>> w = torch.ones(2, 1, requires_grad=True)
    >>> g = grad_graph((torch.ones(3, 2) @ w).sum(), {"w": w})
    >>> [str(node) for node in g.nodes], g.edges
    (['SumBackward0', 'MmBackward0', 'AccumulateGrad → w'], ((0, 1), (1, 2)))
    """
    names = _check_graph_args(root, leaves)
    order = [root.grad_fn]  # breadth first: the list grows while we walk it
    index = {id(root.grad_fn): 0}
    edges = []
    for i, fn in enumerate(order):
        for nxt, _ in fn.next_functions:
            if nxt is None:  # an input that needs no gradient
                continue
            if id(nxt) not in index:
                index[id(nxt)] = len(order)
                order.append(nxt)
            edges.append((i, index[id(nxt)]))
    nodes = []
    for fn in order:  # an AccumulateGrad node holds its leaf tensor as .variable
        leaf = getattr(fn, "variable", None)
        nodes.append(GradNode(type(fn).__name__, names.get(id(leaf))))
    return GradGraph(tuple(nodes), tuple(edges))


def _check_graph_args(root: Any, leaves: Any) -> dict[int, str]:
    if not isinstance(root, torch.Tensor):
        raise TypeError(
            "root must be a torch.Tensor computed from tensors that require grad, "
            f"got {describe(root)}"
        )
    if root.grad_fn is None:
        raise ValueError(
            "root has no grad_fn: it is a leaf, or no tensor it was computed from requires "
            f"grad (got {describe(root)}, requires_grad={root.requires_grad})"
        )
    if leaves is None:
        return {}
    if not isinstance(leaves, Mapping):
        raise TypeError(
            f"leaves must map names to leaf tensors, e.g. {{'w': w}}, got {describe(leaves)}"
        )
    for name, t in leaves.items():
        if not isinstance(name, str) or not isinstance(t, torch.Tensor):
            raise TypeError(
                "leaves must map str names to torch.Tensor leaves, "
                f"got {describe(name)} -> {describe(t)}"
            )
    return {id(t): name for name, t in leaves.items()}
