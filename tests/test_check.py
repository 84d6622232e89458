"""The comparison names a broken formula, pair and parameter; gradcheck on the hand formula."""

import math

import numpy as np
import pytest
import torch

from linreg_src.check import (
    GradientMismatchError,
    assert_gradients_agree,
    compare_gradients,
    gradcheck_hand_formula,
)
from linreg_src.finite_diff import central_difference
from linreg_src.grad import mse_loss_grads, squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg

F64 = torch.float64


# -- comparison -----------------------------------------------------------------------------------


def test_comparison_maximum_and_table(random_batch):
    X, y, w, b = random_batch()
    hand = squared_loss_grads(X, y, w, b)
    fd = central_difference(lambda w, b: squared_loss(linreg(X, w, b), y).sum(), (w, b))
    off = (hand[0] * 1.5, hand[1])
    cmp = compare_gradients({"hand": hand, "finite differences": fd, "off": off}, param_names="wb")
    assert cmp.methods == ("hand", "finite differences", "off")
    assert [p.label for p in cmp.pairs] == [
        "hand vs finite differences",
        "hand vs off",
        "finite differences vs off",
    ]
    # the off-by-1.5 weight gradient differs by half its largest entry
    assert cmp.max_abs == pytest.approx(0.5 * hand[0].abs().max().item())
    assert cmp.max_rel == pytest.approx(0.5 / 1.5, rel=1e-6)
    assert cmp.worst.methods[1] == "off"
    assert cmp.pairs[0].max_rel < 1e-8
    lines = cmp.table().splitlines()
    assert lines[0].split() == ["pair", "max", "|a-b|", "max", "rel"]
    assert len(lines) == 5 and lines[-1].startswith("max")
    assert f"{cmp.max_rel:.1e}" in lines[-1]


def test_assert_agree_passes_and_returns_comparison(random_batch):
    X, y, w, b = random_batch()
    hand = squared_loss_grads(X, y, w, b)
    fd = central_difference(lambda w, b: squared_loss(linreg(X, w, b), y).sum(), (w, b))
    cmp = assert_gradients_agree({"hand": hand, "fd": fd}, atol=1e-10, rtol=1e-7)
    assert cmp.max_rel < 1e-7


def test_broken_formula_raises_naming_pair_and_parameter(random_batch):
    X, y, w, b = random_batch()
    wt, bt = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    squared_loss(linreg(X, wt, bt), y).sum().backward()
    right = mse_loss_grads(X, y, w, b)
    # mse_loss_grads is 2/N times the summed gradient: a wrong formula for the summed loss
    with pytest.raises(GradientMismatchError, match=r"autograd vs hand disagree .* of w:") as exc:
        assert_gradients_agree(
            {"autograd": (wt.grad, bt.grad), "hand": right},
            atol=1e-10,
            rtol=1e-7,
            param_names=("w", "b"),
        )
    assert isinstance(exc.value, AssertionError)
    assert "exceeds atol + rtol*scale" in str(exc.value)
    # the same facts as attributes, for a page that reports them in its own words
    assert exc.value.pair == ("autograd", "hand") and exc.value.param == "w"
    gap = float((wt.grad - right[0]).abs().max())
    assert exc.value.gap == pytest.approx(gap) and 0 < exc.value.allowed < exc.value.gap


def test_bias_only_mismatch_is_named():
    g = (torch.ones(2, 1), torch.tensor([1.0]))
    with pytest.raises(GradientMismatchError, match="a vs b disagree on the gradient of b"):
        assert_gradients_agree(
            {"a": g, "b": (g[0], g[1] + 1e-3)}, atol=0, rtol=1e-6, param_names=("w", "b")
        )


def test_numbers_and_arrays_are_accepted():
    cmp = compare_gradients(
        {"floats": (24.0, 16.0), "numpy": (np.float64(24.0), np.array(16.0))},
        param_names=("v", "w"),
    )
    assert cmp.max_abs == 0.0 and cmp.max_rel == 0.0


@pytest.mark.parametrize(
    ("results", "kwargs", "error", "match"),
    [
        ([1, 2], {}, TypeError, "mapping"),
        ({"a": (1.0,)}, {}, ValueError, "at least two"),
        ({"a": torch.ones(1), "b": (1.0,)}, {}, TypeError, "tuple of gradients"),
        ({"a": (1.0,), "b": (1.0, 2.0)}, {}, ValueError, "holds 2 gradients"),
        ({"a": (1.0,), "b": (1.0,)}, {"param_names": ("w", "b")}, ValueError, "param_names"),
        ({"a": (torch.ones(2, 1),), "b": (torch.ones(2),)}, {}, ValueError, r"shape \(2, 1\)"),
        ({"a": ("x",), "b": (1.0,)}, {}, TypeError, "must be a torch.Tensor"),
        ({"a": (math.inf,), "b": (1.0,)}, {}, ValueError, "NaN or infinite"),
        ({"a": (True,), "b": (1.0,)}, {}, TypeError, "numbers"),
    ],
)
def test_bad_results(results, kwargs, error, match):
    with pytest.raises(error, match=match):
        compare_gradients(results, **kwargs)


def test_bad_tolerance():
    with pytest.raises(ValueError, match="rtol must be >= 0"):
        assert_gradients_agree({"a": (1.0,), "b": (1.0,)}, atol=0, rtol=-1)


# -- gradcheck ------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["squared", "mse"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_gradcheck_hand_formula(loss, reduction, random_batch):
    assert gradcheck_hand_formula(*random_batch(), loss=loss, reduction=reduction) is True


def test_gradcheck_refuses_float32_and_bad_loss_or_reduction(random_batch):
    with pytest.raises(TypeError, match=r"X must be float64 .* got torch.float32; convert with X"):
        gradcheck_hand_formula(*random_batch(dtype=torch.float32))
    with pytest.raises(ValueError, match="reduction"):
        gradcheck_hand_formula(*random_batch(), reduction="max")
    with pytest.raises(ValueError, match='reduction must be "sum" or "mean"'):
        gradcheck_hand_formula(*random_batch(), reduction="mse")
    with pytest.raises(ValueError, match='loss must be "squared"'):
        gradcheck_hand_formula(*random_batch(), loss="mean")
    X, y, w, b = random_batch()
    with pytest.raises(ValueError, match="broadcast"):
        gradcheck_hand_formula(X, y.reshape(-1), w, b)


def test_pairs_are_comparisons_of_two_methods_of_the_same_type():
    g = (torch.tensor([1.0, 2.0]), torch.tensor(3.0))
    cmp = compare_gradients(
        {"a": g, "b": (g[0] + 0.5, g[1]), "c": (g[0], g[1] - 1.5)}, param_names=("w", "b")
    )
    pairs = cmp.pairs
    assert [type(p) for p in pairs] == [type(cmp)] * 3
    assert [p.methods for p in pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairs[0].pairs == (pairs[0],)  # a pair's only pair is itself
    assert dict(pairs[1].gaps) == {("a", "c", "w"): (0.0, 2.0), ("a", "c", "b"): (1.5, 3.0)}
    assert cmp.worst.label == "a vs c" and cmp.worst.max_rel == 0.5


def test_an_overflowing_difference_is_refused_naming_the_methods():
    with pytest.raises(ValueError, match=r"results\['a'\] and results\['b'\] differ on w"):
        compare_gradients({"a": (1e308,), "b": (-1e308,)}, param_names=("w",))


def test_gradcheck_refuses_a_loss_that_overflows_naming_the_arguments(random_batch):
    X, y, w, b = random_batch()
    with pytest.raises(ValueError, match="X, y, w and b are too large: the loss overflows"):
        gradcheck_hand_formula(X * 1e200, y, w * 1e100, b)
