"""Shape figures: the matrix-product grids and the feasible-delta plane of article 004."""

import pytest
from matplotlib.patches import Polygon, Rectangle

from linreg_src.articles import ARTICLE_004, as_tensor
from linreg_src.plotting.shapes import _clip, plot_feasible_delta, plot_matmul_shapes

XT_DELTA = [("X^\\top", 3, 2), ("\\delta", 2, 1), ("g", 3, 1)]


def test_matmul_grid_has_one_cell_per_number_and_highlights_one_row_column_and_result():
    fig = plot_matmul_shapes([XT_DELTA], highlight=(1, 0))
    ax = fig.axes[0]
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == 3 * 2 + 2 * 1 + 3 * 1
    colors = [tuple(c.get_facecolor()) for c in cells]
    assert len(set(colors)) == 3  # plain, the row and column used, the result cell
    texts = [t.get_text() for t in ax.texts]
    assert "(3, 2)" in texts and "(2, 1)" in texts and "(3, 1)" in texts
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_matmul_without_highlight_draws_plain_cells():
    fig = plot_matmul_shapes([XT_DELTA], highlight=None)
    colors = {tuple(p.get_facecolor()) for p in fig.axes[0].patches}
    assert len(colors) == 1


@pytest.mark.parametrize(
    ("products", "error", "match"),
    [
        ([], ValueError, "non-empty"),
        ([[("A", 2, 3), ("B", 2, 1), ("C", 2, 1)]], ValueError, "inner sizes"),
        ([[("A", 2, 3), ("B", 3, 1), ("C", 1, 2)]], ValueError, r"\(2, 1\), but C is \(1, 2\)"),
        ([[("A", 2, 3), ("B", 3, 1)]], TypeError, r"must be \[A, B, C\]"),
        ([[("A", 2.0, 3), ("B", 3, 1), ("C", 2, 1)]], TypeError, "whole number"),
        ([[("A", 0, 3), ("B", 3, 1), ("C", 0, 1)]], ValueError, "between 1 and 40"),
        ([[(2, 3), ("B", 3, 1), ("C", 2, 1)]], TypeError, "triple"),
    ],
)
def test_matmul_refuses_shapes_that_do_not_multiply(products, error, match):
    with pytest.raises(error, match=match):
        plot_matmul_shapes(products)


def test_matmul_refuses_a_highlight_outside_the_result():
    with pytest.raises(ValueError, match="outside"):
        plot_matmul_shapes([XT_DELTA], highlight=(0, 1))


def test_clip_keeps_the_half_plane():
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    half = _clip(square, (1.0, 0.0), 0.5)  # x <= 0.5
    assert sorted(half) == [(0.0, 0.0), (0.0, 1.0), (0.5, 0.0), (0.5, 1.0)]
    assert _clip(square, (1.0, 0.0), -1.0) == []


def _feasible_args():
    p = ARTICLE_004.published
    return (
        as_tensor(ARTICLE_004.inputs["X_2d"]),
        as_tensor(p["y_2d"]),
        as_tensor(p["y_hat_2d"]),
        as_tensor(p["loss_2d"]),
        as_tensor(p["grad_w_2d"]),
    )


def test_feasible_delta_shows_a_non_empty_region_for_article_004():
    fig = plot_feasible_delta(*_feasible_args(), decimals=ARTICLE_004.decimals)
    left, right = fig.axes
    green = [
        p for p in right.patches if isinstance(p, Polygon) and p.get_label() != "printed losses"
    ]
    assert len(green) == 1  # some delta explains all seven printed numbers
    assert len(right.get_lines()) == 1 + 2 * 3  # the face-value point, two lines per gradient
    assert "printed losses" in [p.get_label() for p in left.patches]


def test_feasible_delta_needs_two_examples():
    X, y, y_hat, losses, grad_w = _feasible_args()
    with pytest.raises(ValueError, match="exactly two rows"):
        plot_feasible_delta(X[:1], y[:1], y_hat[:1], losses[:1], grad_w, decimals=4)
    with pytest.raises(ValueError, match="grad_w"):
        plot_feasible_delta(X, y, y_hat, losses, grad_w[:2], decimals=4)
    with pytest.raises(TypeError, match="torch"):
        plot_feasible_delta(X.numpy(), y, y_hat, losses, grad_w, decimals=4)
    with pytest.raises(ValueError, match="contradict"):
        plot_feasible_delta(X, y, y_hat, losses + 1.0, grad_w, decimals=4)
