"""The grad_fn graph as PyTorch records it: real node names for linear regression; its figure."""

import pytest
import torch
from matplotlib.figure import Figure

from linreg_src.articles import ARTICLE_001, as_tensor
from linreg_src.autograd_graph import GradGraph, GradNode, grad_graph
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.plotting.autograd import plot_grad_graph
from linreg_src.plotting.graph import BACKWARD_COLOR

LINREG_TREE = """\
SumBackward0
└─ DivBackward0
   └─ PowBackward0
      └─ SubBackward0
         └─ AddBackward0
            ├─ MmBackward0
            │  └─ AccumulateGrad → w
            └─ AccumulateGrad → b"""


def linreg_batch(n=3, dtype=torch.float64):
    X = as_tensor(ARTICLE_001.inputs["X"])[:n].to(dtype)
    y = as_tensor(ARTICLE_001.inputs["y"])[:n].to(dtype)
    w = torch.zeros(2, 1, dtype=dtype, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    return X, y, w, b


def test_linear_regression_graph_has_pytorchs_node_names():
    X, y, w, b = linreg_batch()
    g = grad_graph(squared_loss(linreg(X, w, b), y).sum(), {"w": w, "b": b})
    assert [n.name for n in g.nodes] == [
        "SumBackward0",
        "DivBackward0",
        "PowBackward0",
        "SubBackward0",
        "AddBackward0",
        "MmBackward0",
        "AccumulateGrad",
        "AccumulateGrad",
    ]
    assert [n.leaf for n in g.nodes] == [None] * 6 + ["b", "w"]
    # X and y need no gradient: PyTorch records None for them, and the walk skips it.
    assert g.edges == ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (4, 6), (5, 7))
    assert g.children(4) == [5, 6]  # Add's inputs in order: X @ w, then b
    assert str(g) == LINREG_TREE


def test_mean_and_sum_differ_only_at_the_root():
    X, y, w, b = linreg_batch()
    losses = squared_loss(linreg(X, w, b), y)
    total, mean = grad_graph(losses.sum()), grad_graph(losses.mean())
    assert mean.nodes[0].name == "MeanBackward0"
    assert total.nodes[1:] == mean.nodes[1:] and total.edges == mean.edges


def test_every_walked_node_is_one_backward_visits():
    """The walk finds the same nodes that backward() calls (recorded by hooks)."""
    X, y, w, b = linreg_batch(n=5)
    L = squared_loss(linreg(X, w, b), y).sum()
    g = grad_graph(L)
    called = []
    stack, seen = [L.grad_fn], set()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        name = type(fn).__name__
        fn.register_prehook(lambda grads, name=name: called.append(name))
        stack += [f for f, _ in fn.next_functions if f is not None]
    L.backward()
    assert sorted(called) == sorted(n.name for n in g.nodes)


def test_unnamed_leaves_and_a_shared_node():
    a = torch.tensor([2.0], requires_grad=True)
    c = a * 3
    g = grad_graph(c * c)  # c is used twice: its node is reached twice, listed once
    assert [str(n) for n in g.nodes] == ["MulBackward0", "MulBackward0", "AccumulateGrad"]
    assert g.edges == ((0, 1), (0, 1), (1, 2))
    assert str(g) == "MulBackward0\n├─ MulBackward0\n│  └─ AccumulateGrad\n└─ MulBackward0 ↑"


def test_nodes_print_with_their_leaf():
    assert str(GradNode("AccumulateGrad", "w")) == "AccumulateGrad → w"
    assert str(GradNode("MmBackward0")) == "MmBackward0"


@pytest.mark.parametrize(
    ("root", "leaves", "error", "match"),
    [
        (1.5, None, TypeError, r"root must be a torch\.Tensor .* got float 1\.5"),
        (torch.ones(2), None, ValueError, r"root has no grad_fn: .*requires_grad=False"),
        (torch.ones(2, requires_grad=True), None, ValueError, r"root has no grad_fn: it is a leaf"),
        ("sum", None, TypeError, r"root must be a torch\.Tensor"),
        (None, None, TypeError, r"root must be a torch\.Tensor"),
    ],
)
def test_bad_root_is_refused_naming_it(root, leaves, error, match):
    with pytest.raises(error, match=match):
        grad_graph(root, leaves)


@pytest.mark.parametrize(
    ("leaves", "match"),
    [
        ([1, 2], r"leaves must map names to leaf tensors.* got list"),
        ({"w": 1.0}, r"leaves must map str names to torch\.Tensor leaves, got str -> float"),
        ({0: torch.ones(1)}, r"leaves must map str names .* got int 0 -> torch\.Tensor"),
    ],
)
def test_bad_leaves_are_refused_naming_them(leaves, match):
    w = torch.ones(1, requires_grad=True)
    with pytest.raises(TypeError, match=match):
        grad_graph(w * 2, leaves)


# -- plotting.autograd.plot_grad_graph ----------------------------------------------------------


def test_figure_draws_one_box_per_node_and_one_red_arrow_per_edge():
    X, y, w, b = linreg_batch()
    g = grad_graph(squared_loss(linreg(X, w, b), y).sum(), {"w": w, "b": b})
    fig = plot_grad_graph(g, {"PowBackward0": "$s = e^2$", "AccumulateGrad → w": "w.grad"})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert not ax.axison
    assert len(ax.patches) == len(g.nodes) == 8
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert "PowBackward0\n$s = e^2$" in labels
    assert "AccumulateGrad → w\nw.grad" in labels and "AccumulateGrad → b" in labels
    arrows = [a for a in ax.texts if not a.get_text()]
    assert len(arrows) == len(g.edges) == 7
    assert all(a.arrow_patch.get_edgecolor()[:3] == _rgb(BACKWARD_COLOR) for a in arrows)
    # The root is on top and the leaf w at the bottom, below MmBackward0.
    y_of = {t.get_text().split("\n")[0]: t.get_position()[1] for t in ax.texts if t.get_text()}
    assert y_of["SumBackward0"] > y_of["AddBackward0"] > y_of["MmBackward0"]
    assert y_of["MmBackward0"] == y_of["AccumulateGrad → b"] > y_of["AccumulateGrad → w"]


def test_figure_without_notes_shows_the_node_names_alone():
    w = torch.ones(2, 1, requires_grad=True)
    fig = plot_grad_graph(grad_graph((torch.ones(3, 2) @ w).sum(), {"w": w}))
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    assert labels == ["SumBackward0", "MmBackward0", "AccumulateGrad → w"]


def _rgb(hex_color):
    return tuple(int(hex_color[k : k + 2], 16) / 255 for k in (1, 3, 5))


@pytest.mark.parametrize(
    ("graph", "notes", "error", "match"),
    [
        ("graph", None, TypeError, r"graph must be the GradGraph returned by grad_graph"),
        (None, None, TypeError, r"graph must be the GradGraph"),
        (GradGraph((GradNode("SumBackward0"),), ()), [1], TypeError, r"notes must map"),
        (GradGraph((GradNode("SumBackward0"),), ()), {"SumBackward0": "和"}, ValueError, "CJK"),
        (GradGraph((GradNode("SumBackward0"),), ()), {"Sum": "x"}, ValueError, r"\['Sum'\]"),
    ],
)
def test_figure_refuses_bad_arguments(graph, notes, error, match):
    with pytest.raises(error, match=match):
        plot_grad_graph(graph, notes)
