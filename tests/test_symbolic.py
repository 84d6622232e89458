"""SymPy's exact gradient is the book's formula: X^T delta, sum(delta), the 1/N and 2/N factors."""

import pytest
import sympy as sp
import torch

from linreg_src.articles import ARTICLE_003
from linreg_src.grad import mse_loss_grads, squared_loss_grads
from linreg_src.symbolic import (
    LinregSymbols,
    derivation_steps,
    gradient_equals_matrix_form,
    gradient_function,
    gradient_in_delta,
    linreg_symbols,
    matrix_form,
    symbolic_gradient,
    symbolic_loss,
)
from linreg_src.symbolic_chain import factory_symbolic, factory_symbolic_gradients

SIZES = [(1, 1), (2, 3), (3, 2), (4, 1), (5, 3)]


@pytest.mark.parametrize(("n", "d"), SIZES)
def test_gradient_is_Xt_delta_and_sum_delta(n, d):
    s = linreg_symbols(n, d)
    grad_w, grad_b = symbolic_gradient(s)
    r = s.prediction() - s.y
    assert grad_w.shape == (d, 1)
    assert sp.simplify(grad_w - s.X.T * r) == sp.zeros(d, 1)
    assert sp.simplify(grad_b - sum(r)) == 0
    assert gradient_equals_matrix_form(n, d)


@pytest.mark.parametrize(("n", "d"), SIZES)
def test_mean_and_mse_are_1_over_n_and_2_over_n_times_the_sum(n, d):
    s = linreg_symbols(n, d)
    sum_w, sum_b = symbolic_gradient(s, reduction="sum")
    mean_w, mean_b = symbolic_gradient(s, reduction="mean")
    mse_w, mse_b = symbolic_gradient(s, loss="mse", reduction="mean")
    assert sp.simplify(mean_w - sum_w / n) == sp.zeros(d, 1)
    assert sp.simplify(mse_w - sp.Rational(2, n) * sum_w) == sp.zeros(d, 1)
    assert sp.simplify(mean_b - sum_b / n) == 0
    assert sp.simplify(mse_b - sp.Rational(2, n) * sum_b) == 0
    assert gradient_equals_matrix_form(n, d, reduction="mean")
    assert gradient_equals_matrix_form(n, d, loss="mse", reduction="mean")
    assert gradient_equals_matrix_form(n, d, loss="mse", reduction="sum")


def test_losses():
    s = linreg_symbols(2, 1)
    r1, r2 = s.prediction() - s.y
    assert sp.simplify(symbolic_loss(s) - (r1**2 + r2**2) / 2) == 0
    assert sp.simplify(symbolic_loss(s, reduction="mean") - (r1**2 + r2**2) / 4) == 0
    assert sp.simplify(symbolic_loss(s, loss="mse", reduction="mean") - (r1**2 + r2**2) / 2) == 0
    assert sp.simplify(symbolic_loss(s, loss="mse", reduction="sum") - (r1**2 + r2**2)) == 0


def test_gradient_in_delta_has_only_delta_and_x():
    s = linreg_symbols(3, 2)
    grad_w, grad_b = gradient_in_delta(s)
    allowed = set(s.delta) | set(s.X)
    assert grad_w.free_symbols <= allowed and grad_b.free_symbols <= allowed
    assert grad_w == s.X.T * s.delta
    assert grad_b == sum(s.delta)
    mse_w, _ = gradient_in_delta(s, loss="mse", reduction="mean")
    assert sp.expand(mse_w - sp.Rational(2, 3) * s.X.T * s.delta) == sp.zeros(2, 1)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (3, 2), (4, 3)])
def test_every_derivation_step_holds(n, d):
    steps = derivation_steps(linreg_symbols(n, d))
    assert list(steps) == [
        "upstream",
        "local_w",
        "local_b",
        "components",
        "matrix",
        "bias",
        "mean",
        "mse",
    ]
    assert all(step.holds for step in steps.values())
    s = linreg_symbols(n, d)
    assert steps["local_w"].derived == s.X  # d y_hat^(i) / d w_j = x^(i)_j
    assert steps["local_b"].derived == sp.ones(n, 1)


def test_a_wrong_formula_does_not_hold():
    s = linreg_symbols(3, 2)
    step = derivation_steps(s)["matrix"]
    wrong = type(step)(
        step.name, step.lhs, step.derived, 2 * step.expected, step.definitions, step.shown
    )
    assert not wrong.holds
    transposed = type(step)(step.name, step.lhs, step.derived, step.expected.T, step.definitions)
    assert not transposed.holds  # (1, d) is not the shape of w


def test_step_latex_renders_both_sides():
    steps = derivation_steps(linreg_symbols(2, 1))
    assert steps["upstream"].latex() == (
        r"\frac{\partial l^{(i)}}{\partial \hat{y}^{(i)}} = \hat{y}^{(i)} - y^{(i)} = \delta^{(i)}"
    )
    text = steps["matrix"].latex(expected=sp.Symbol(r"\mathbf{X}^\top\boldsymbol{\delta}"))
    assert text.endswith(r"= \mathbf{X}^\top\boldsymbol{\delta}")
    assert r"\delta^{(1)} x^{(1)}_{1} + \delta^{(2)} x^{(2)}_{1}" in text


def test_matrix_form_factors():
    s = linreg_symbols(4, 2)
    w_sum, b_sum = matrix_form(s, in_delta=True)
    w_mse, b_mse = matrix_form(s, loss="mse", reduction="mean", in_delta=True)
    assert w_mse == sp.Rational(1, 2) * w_sum
    assert sp.simplify(b_mse - sp.Rational(1, 2) * b_sum) == 0


@pytest.mark.parametrize(("n", "d"), [(5, 2), (5, 3), (2, 1)])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_lambdified_gradient_equals_hand_formula(n, d, reduction):
    g = torch.Generator().manual_seed(n * 10 + d)
    X = torch.randn(n, d, dtype=torch.float64, generator=g)
    y = torch.randn(n, 1, dtype=torch.float64, generator=g)
    w = torch.randn(d, 1, dtype=torch.float64, generator=g)
    b = torch.randn(1, dtype=torch.float64, generator=g)
    gw, gb = gradient_function(n, d, reduction=reduction)(X, y, w, b)
    hw, hb = squared_loss_grads(X, y, w, b, reduction=reduction)
    assert gw.shape == hw.shape == (d, 1) and gb.shape == hb.shape == (1,)
    torch.testing.assert_close(gw, hw, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gb, hb, rtol=1e-12, atol=1e-12)


def test_lambdified_mse_and_scalar_bias():
    g = torch.Generator().manual_seed(3)
    X = torch.randn(4, 2, dtype=torch.float64, generator=g)
    y = torch.randn(4, 1, dtype=torch.float64, generator=g)
    w = torch.randn(2, 1, dtype=torch.float64, generator=g)
    b = torch.tensor(0.5, dtype=torch.float64)
    gw, gb = gradient_function(4, 2, loss="mse", reduction="mean")(X, y, w, b)
    hw, hb = mse_loss_grads(X, y, w, b)
    assert gb.shape == ()
    torch.testing.assert_close(gw, hw, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gb, hb, rtol=1e-12, atol=1e-12)


def test_lambdified_gradient_refuses_other_sizes_and_bad_input():
    grad = gradient_function(3, 2)
    X, y = torch.ones(4, 2, dtype=torch.float64), torch.ones(4, 1, dtype=torch.float64)
    w, b = torch.zeros(2, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"N=3, d=2.*gradient_function\(4, 2\)"):
        grad(X, y, w, b)
    with pytest.raises(ValueError, match="broadcast"):
        grad(X[:3], y[:3].reshape(-1), w, b)
    with pytest.raises(TypeError, match="numpy"):
        grad(X[:3].numpy(), y[:3], w, b)


def test_factory_at_article_003_inputs():
    grad_v, grad_w = factory_symbolic_gradients(**ARTICLE_003.inputs)
    assert (grad_v, grad_w) == (24.0, 16.0)
    assert (grad_v, grad_w) == (ARTICLE_003.published["grad_v"], ARTICLE_003.published["grad_w"])


def test_factory_chain_rule_symbolically():
    f = factory_symbolic()
    assert f.chain_rule_holds
    assert sp.simplify(f.grad_v - 2 * f.w * f.x * (f.v * f.w * f.x - f.t)) == 0
    assert sp.simplify(f.grad_w - 2 * f.v * f.x * (f.v * f.w * f.x - f.t)) == 0
    assert sp.simplify(f.loss - (f.v * f.w * f.x - f.t) ** 2) == 0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: linreg_symbols(0, 2), ValueError, "positive"),
        (lambda: linreg_symbols(2.0, 2), TypeError, "whole number"),
        (lambda: linreg_symbols(100, 2), ValueError, "small"),
        (lambda: symbolic_loss("X"), TypeError, "LinregSymbols"),
        (lambda: symbolic_loss(linreg_symbols(1, 1), reduction="max"), ValueError, "reduction"),
        (lambda: gradient_function(2, 2, reduction="none"), ValueError, "reduction"),
        (lambda: symbolic_loss(linreg_symbols(1, 1), reduction="mse"), ValueError, "reduction"),
        (lambda: symbolic_gradient(linreg_symbols(1, 1), loss="mean"), ValueError, "loss must"),
        (lambda: factory_symbolic_gradients(1e200, 2.0, 2.0, 10.0), ValueError, "w must lie"),
        (lambda: factory_symbolic_gradients(3.0, 2.0, float("nan"), 10.0), ValueError, "finite"),
        (lambda: factory_symbolic_gradients("3", 2.0, 2.0, 10.0), TypeError, "real number"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_symbols_are_named_like_the_book():
    s = linreg_symbols(2, 2)
    assert isinstance(s, LinregSymbols) and (s.n, s.d) == (2, 2)
    assert sp.latex(s.X[1, 0]) == "x^{(2)}_{1}"
    assert sp.latex(s.w[1]) == "w_{2}"
    assert sp.latex(s.y[0]) == "y^{(1)}"
    assert sp.latex(s.delta[1]) == r"\delta^{(2)}"


def test_lambdified_gradient_refuses_an_overflowing_result():
    grad = gradient_function(1, 1)
    X = torch.tensor([[1e200]], dtype=torch.float64)
    y = torch.zeros(1, 1, dtype=torch.float64)
    w = torch.tensor([[1e100]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"X @ w \+ b contains .* NaN or infinite|overflows"):
        grad(X, y, w, torch.zeros(1, dtype=torch.float64))
    X, w = torch.tensor([[1e150]], dtype=torch.float64), torch.tensor([[1e10]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"the gradient overflows torch\.float64"):
        grad(X, y, w, torch.zeros(1, dtype=torch.float64))


def test_mse_summed_is_twice_the_squared_sum():
    s = linreg_symbols(3, 2)
    sq_w, sq_b = symbolic_gradient(s)
    mse_w, mse_b = symbolic_gradient(s, loss="mse", reduction="sum")
    assert sp.simplify(mse_w - 2 * sq_w) == sp.zeros(2, 1)
    assert sp.simplify(mse_b - 2 * sq_b) == 0
