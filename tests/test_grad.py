"""Hand-derived gradients == torch.autograd == central finite differences; NumPy twin; bad input.

Everything runs in float64. Tolerances are rounding bounds, not fudge factors: a sum of N
products computed in two different orders can differ by about N·eps·Σ|terms|, so each check
allows a few times that (see ``_bound``).
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src import grad, grad_np
from linreg_src.articles import ARTICLE_001, ARTICLE_004, as_tensor
from linreg_src.loss import mse_loss, squared_loss
from linreg_src.model import linreg
from linreg_src.recover import recover_initial_w_001, rounds_to

EPS = float(np.finfo(np.float64).eps)
SHAPES = {"seed": st.integers(0, 2**31 - 1), "n": st.integers(1, 64), "d": st.integers(1, 8)}
FAST = settings(max_examples=60, deadline=None)


def _problem(seed: int, n: int, d: int, *, b_shape: tuple[int, ...] = (1,)):
    """A random float64 batch with values of order 1 to 10, reproducible from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    scale = float(torch.empty(()).uniform_(0.1, 10.0, generator=g))
    X = torch.randn(n, d, generator=g, dtype=torch.float64) * scale
    y = torch.randn(n, 1, generator=g, dtype=torch.float64) * scale
    w = torch.randn(d, 1, generator=g, dtype=torch.float64)
    b = torch.randn(b_shape, generator=g, dtype=torch.float64)
    return X, y, w, b


def _bound(X: torch.Tensor, delta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rounding bounds for Xᵀδ and Σδ: 4·N·eps times the sums of absolute terms (plus δ's own)."""
    n = X.shape[0]
    abs_terms_w = X.abs().T @ delta.abs()
    abs_terms_b = delta.abs().sum()
    # δ = Xw + b − y itself carries an error of about (d + 2)·eps·(|X||w| + |b| + |y|)
    return 4 * (n + X.shape[1] + 2) * EPS * (abs_terms_w + 1e-300), 4 * (n + 2) * EPS * (
        abs_terms_b + 1e-300
    )


def _autograd(X, y, w, b, reduce):
    w = w.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    reduce(linreg(X, w, b), y).backward()
    return w.grad, b.grad


def _assert_within(got, expected, bound):
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    excess = (got - expected).abs() - bound
    assert bool((excess <= 0).all()), f"off by {(got - expected).abs().max()} > bound {bound.max()}"


REDUCTIONS = {
    "sum": lambda y_hat, y: squared_loss(y_hat, y).sum(),
    "mean": lambda y_hat, y: squared_loss(y_hat, y).mean(),
}


# ---- against autograd --------------------------------------------------------------------------


@FAST
@given(**SHAPES, reduction=st.sampled_from(["sum", "mean"]))
def test_squared_loss_grads_equal_autograd(seed, n, d, reduction):
    X, y, w, b = _problem(seed, n, d)
    grad_w, grad_b = grad.squared_loss_grads(X, y, w, b, reduction=reduction)
    auto_w, auto_b = _autograd(X, y, w, b, REDUCTIONS[reduction])
    bound_w, bound_b = _bound(X, X @ w + b - y)
    scale = 1.0 if reduction == "sum" else 1.0 / n
    _assert_within(grad_w, auto_w, bound_w * scale)
    _assert_within(grad_b, auto_b, bound_b * scale)


@FAST
@given(**SHAPES)
def test_mse_loss_grads_equal_autograd_of_pytorch_mse(seed, n, d):
    X, y, w, b = _problem(seed, n, d)
    grad_w, grad_b = grad.mse_loss_grads(X, y, w, b)
    bound_w, bound_b = _bound(X, X @ w + b - y)
    for reduce in (
        torch.nn.functional.mse_loss,
        torch.nn.MSELoss(),
        mse_loss,
    ):
        auto_w, auto_b = _autograd(X, y, w, b, reduce)
        _assert_within(grad_w, auto_w, 2 * bound_w / n)
        _assert_within(grad_b, auto_b, 2 * bound_b / n)


@FAST
@given(**SHAPES)
def test_component_form_equals_matrix_form_and_autograd(seed, n, d):
    X, y, w, b = _problem(seed, n, d)
    delta = grad.error_term(linreg(X, w, b), y)
    by_loops = grad.weight_grad_by_components(X, delta)
    bound_w, _ = _bound(X, delta)
    _assert_within(by_loops, X.T @ delta, bound_w)
    auto_w, _ = _autograd(X, y, w, b, REDUCTIONS["sum"])
    _assert_within(by_loops, auto_w, bound_w)


def test_sum_gradients_are_exactly_n_times_the_mean_gradients():
    X, y, w, b = _problem(3, 10, 2)
    sum_w, sum_b = grad.squared_loss_grads(X, y, w, b, reduction="sum")
    mean_w, mean_b = grad.squared_loss_grads(X, y, w, b, reduction="mean")
    torch.testing.assert_close(sum_w, 10 * mean_w, rtol=4 * EPS, atol=0.0)
    torch.testing.assert_close(sum_b, 10 * mean_b, rtol=4 * EPS, atol=0.0)
    mse_w, mse_b = grad.mse_loss_grads(X, y, w, b)
    torch.testing.assert_close(mse_w, 2 * mean_w, rtol=0.0, atol=0.0)
    torch.testing.assert_close(mse_b, 2 * mean_b, rtol=0.0, atol=0.0)


def test_default_reduction_is_sum():
    X, y, w, b = _problem(4, 7, 3)
    default = grad.squared_loss_grads(X, y, w, b)
    summed = grad.squared_loss_grads(X, y, w, b, reduction="sum")
    assert all(torch.equal(a, c) for a, c in zip(default, summed, strict=True))


@pytest.mark.parametrize("b_shape", [(), (1,)])
def test_grad_b_has_the_shape_of_b(b_shape):
    X, y, w, b = _problem(5, 6, 2, b_shape=b_shape)
    for grads in (grad.squared_loss_grads(X, y, w, b), grad.mse_loss_grads(X, y, w, b)):
        assert grads[0].shape == (2, 1)
        assert grads[1].shape == b_shape
    _, auto_b = _autograd(X, y, w, b, REDUCTIONS["sum"])
    assert auto_b.shape == b_shape


def test_hand_gradients_need_no_graph():
    X, y, w, b = _problem(6, 5, 2)
    w.requires_grad_(True)
    grad_w, grad_b = grad.squared_loss_grads(X, y, w, b)
    assert not grad_w.requires_grad and not grad_b.requires_grad
    assert w.grad is None  # nothing was backpropagated
    assert not grad.error_term(linreg(X, w, b), y).requires_grad


# ---- against central finite differences --------------------------------------------------------


def _central_differences(loss_of, w, b, h):
    """Central differences of a scalar loss in every entry of w and in b.

    The loss is quadratic in (w, b), so (L(θ + h) − L(θ − h)) / 2h is its derivative *exactly*
    for every h; only rounding remains, about eps·|L|/h, which a large h keeps small.
    """
    fd_w = torch.empty_like(w)
    for j in range(w.shape[0]):
        e = torch.zeros_like(w)
        e[j, 0] = h
        fd_w[j, 0] = (loss_of(w + e, b) - loss_of(w - e, b)) / (2 * h)
    fd_b = torch.tensor((loss_of(w, b + h) - loss_of(w, b - h)) / (2 * h), dtype=b.dtype)
    return fd_w, fd_b.reshape(b.shape)


@FAST
@given(**SHAPES, kind=st.sampled_from(["sum", "mean", "mse"]))
def test_hand_gradients_equal_central_finite_differences(seed, n, d, kind):
    X, y, w, b = _problem(seed, n, d)
    h = 0.5
    if kind == "mse":
        hand = grad.mse_loss_grads(X, y, w, b)

        def loss_of(w_, b_):
            return float(mse_loss(linreg(X, w_, b_), y))
    else:
        hand = grad.squared_loss_grads(X, y, w, b, reduction=kind)

        def loss_of(w_, b_):
            return float(REDUCTIONS[kind](linreg(X, w_, b_), y))

    fd_w, fd_b = _central_differences(loss_of, w, b, h)
    # each loss value is a sum of N non-negative terms, exact to about (N + d + 2)·eps·L;
    # the largest loss seen bounds them all, and dividing by 2h gives the bound on the quotient
    biggest = max(loss_of(w + s * h, b + s * h) for s in (-2, -1, 0, 1, 2))
    tol = 8 * (n + d + 2) * EPS * (biggest + 1e-300) / h
    torch.testing.assert_close(hand[0], fd_w, rtol=0.0, atol=tol)
    torch.testing.assert_close(hand[1], fd_b, rtol=0.0, atol=tol)


# ---- the NumPy twin ----------------------------------------------------------------------------


@FAST
@given(**SHAPES)
def test_numpy_twin_equals_torch(seed, n, d):
    X, y, w, b = _problem(seed, n, d)
    Xn, yn, wn, bn = (t.numpy() for t in (X, y, w, b))
    bound_w, bound_b = _bound(X, X @ w + b - y)
    y_hat = linreg(X, w, b)
    np.testing.assert_allclose(grad_np.error_term(y_hat.numpy(), yn), (y_hat - y).numpy(), rtol=0)
    for reduction in ("sum", "mean"):
        gw, gb = grad_np.squared_loss_grads(Xn, yn, wn, bn, reduction=reduction)
        tw, tb = grad.squared_loss_grads(X, y, w, b, reduction=reduction)
        assert gw.shape == (d, 1) and gb.shape == (1,)
        _assert_within(torch.from_numpy(gw), tw, bound_w)
        _assert_within(torch.from_numpy(gb), tb, bound_b)
    gw, gb = grad_np.mse_loss_grads(Xn, yn, wn, bn)
    tw, tb = grad.mse_loss_grads(X, y, w, b)
    _assert_within(torch.from_numpy(gw), tw, 2 * bound_w / n)
    _assert_within(torch.from_numpy(gb), tb, 2 * bound_b / n)
    delta = Xn @ wn + bn - yn
    _assert_within(
        torch.from_numpy(grad_np.weight_grad_by_components(Xn, delta)),
        grad.weight_grad_by_components(X, torch.from_numpy(delta)),
        bound_w,
    )


def test_numpy_twin_exports_the_same_names():
    assert grad.__all__ == grad_np.__all__


# ---- the articles' published gradients ---------------------------------------------------------


def test_article_001_gradients_at_the_recovered_initial_w():
    X = as_tensor(ARTICLE_001.inputs["X"])
    y = as_tensor(ARTICLE_001.inputs["y"])
    w0 = recover_initial_w_001()
    grad_w, grad_b = grad.squared_loss_grads(X, y, w0, torch.zeros(1, dtype=torch.float64))
    published = ARTICLE_001.published
    for got, want in zip(grad_w.flatten().tolist(), published["grad_w"], strict=True):
        assert rounds_to(got, want, 4)
    # b.grad was not used to recover w0: an independent check
    assert rounds_to(float(grad_b), published["grad_b"], 4)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_article_004_weight_gradients_from_the_printed_losses(case):
    from linreg_src.recover import recover_delta_004

    X = as_tensor(ARTICLE_004.inputs[f"X_{case}"])
    delta = recover_delta_004(case)
    for form in (X.T @ delta, grad.weight_grad_by_components(X, delta)):
        got = form.flatten().tolist()
        for g, want in zip(got, ARTICLE_004.published[f"grad_w_{case}"], strict=True):
            assert rounds_to(g, want, 4)


# ---- refused inputs ----------------------------------------------------------------------------

MODULES = [pytest.param(grad, torch, id="torch"), pytest.param(grad_np, np, id="numpy")]


def _args(lib):
    return lib.ones((3, 2)), lib.ones((3, 1)), lib.ones((2, 1)), lib.zeros(1)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_unknown_reduction(mod, lib):
    with pytest.raises(ValueError, match=r'reduction must be "sum" or "mean", got \'avg\''):
        mod.squared_loss_grads(*_args(lib), reduction="avg")


@pytest.mark.parametrize(("mod", "lib"), MODULES)
@pytest.mark.parametrize("func", ["squared_loss_grads", "mse_loss_grads"])
def test_flat_labels_are_refused_with_the_fix(mod, lib, func):
    X, _, w, b = _args(lib)
    with pytest.raises(
        ValueError,
        match=r"y has shape \(3,\) but X @ w \+ b has shape \(3, 1\).*pass y\.reshape\(-1, 1\)",
    ):
        getattr(mod, func)(X, lib.ones(3), w, b)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_labels_with_another_number_of_examples(mod, lib):
    X, _, w, b = _args(lib)
    with pytest.raises(
        ValueError, match=r"must both have shape \(N, 1\), got \(3, 1\) and \(4, 1\)"
    ):
        mod.squared_loss_grads(X, lib.ones((4, 1)), w, b)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_flat_weights_get_the_reshape_hint(mod, lib):
    X, y, _, b = _args(lib)
    with pytest.raises(ValueError, match=r"got \(2,\); make it a column with w\.reshape\(-1, 1\)"):
        mod.squared_loss_grads(X, y, lib.ones(2), b)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_error_term_refuses_the_trap(mod, lib):
    with pytest.raises(ValueError, match=r"pass y\.reshape\(-1, 1\)"):
        mod.error_term(lib.ones((3, 1)), lib.ones(3))


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_component_form_refuses_a_mismatched_delta(mod, lib):
    with pytest.raises(
        ValueError, match=r"delta must have shape \(N, 1\) = \(3, 1\) .*got \(2, 1\)"
    ):
        mod.weight_grad_by_components(lib.ones((3, 2)), lib.ones((2, 1)))
    with pytest.raises(ValueError, match=r"to match X of shape \(3, 2\), got \(3,\)"):
        mod.weight_grad_by_components(lib.ones((3, 2)), lib.ones(3))


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_non_finite_labels(mod, lib):
    X, y, w, b = _args(lib)
    y[0, 0] = float("inf")
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite value\(s\)"):
        mod.squared_loss_grads(X, y, w, b)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_integer_features(mod, lib):
    _, y, w, b = _args(lib)
    with pytest.raises(TypeError, match=r"X must hold floating-point numbers"):
        mod.squared_loss_grads(lib.ones((3, 2), dtype=lib.int64), y, w, b)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_empty_batch(mod, lib):
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0, 2\)\)"):
        mod.squared_loss_grads(lib.ones((0, 2)), lib.ones((0, 1)), lib.ones((2, 1)), lib.zeros(1))


def test_labels_of_another_dtype():
    X, y, w, b = _args(torch)
    with pytest.raises(TypeError, match=r"X @ w \+ b and y must share one dtype"):
        grad.squared_loss_grads(X, y.double(), w, b)


def test_numpy_and_torch_mixed():
    X, y, w, b = _args(torch)
    with pytest.raises(TypeError, match=r"arguments mix PyTorch and NumPy \(.*y is a numpy"):
        grad.squared_loss_grads(X, y.numpy(), w, b)


@pytest.mark.parametrize(
    "func", ["squared_loss_grads", "mse_loss_grads", "error_term", "weight_grad_by_components"]
)
def test_numpy_in_the_torch_module_names_the_twin(func):
    X, y, w, b = _args(np)
    args = {
        "squared_loss_grads": (X, y, w, b),
        "mse_loss_grads": (X, y, w, b),
        "error_term": (y, y),
        "weight_grad_by_components": (X, y),
    }[func]
    with pytest.raises(TypeError, match=r"use linreg_src\.grad_np for NumPy arrays"):
        getattr(grad, func)(*args)


def test_tensors_in_the_numpy_module_name_the_twin():
    with pytest.raises(TypeError, match=r"use linreg_src\.grad for torch tensors, or convert"):
        grad_np.squared_loss_grads(*_args(torch))
