"""Central differences match known derivatives; the comparison names a broken formula."""

import math

import numpy as np
import pytest
import torch

from linreg_src.check import (
    FD_EPS,
    GradientMismatchError,
    StepTooSmallError,
    assert_gradients_agree,
    central_difference,
    compare_gradients,
    default_step,
    fd_error_sweep,
    gradcheck_hand_formula,
)
from linreg_src.grad import mse_loss_grads, squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg

F64 = torch.float64


def _batch(n=6, d=3, seed=0, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=dtype)
    y = torch.randn(n, 1, generator=g, dtype=dtype)
    w = torch.randn(d, 1, generator=g, dtype=dtype)
    b = torch.randn(1, generator=g, dtype=dtype)
    return X, y, w, b


# -- central_difference -------------------------------------------------------------------------


def test_default_step_is_cube_root_of_machine_eps():
    fd_eps = FD_EPS
    assert fd_eps == pytest.approx(np.finfo(np.float64).eps ** (1 / 3))
    assert fd_eps == pytest.approx(6.055454e-06, rel=1e-6)
    assert default_step(torch.float32) == pytest.approx(np.finfo(np.float32).eps ** (1 / 3))


def test_quadratic_form_gradient():
    g = torch.Generator().manual_seed(1)
    A = torch.randn(4, 4, generator=g, dtype=F64)
    A = A @ A.T
    x = torch.randn(4, generator=g, dtype=F64)
    (grad,) = central_difference(lambda x: x @ A @ x / 2, (x,))
    torch.testing.assert_close(grad, A @ x, rtol=1e-9, atol=1e-9)


def test_product_of_tensors_of_different_shapes():
    a = torch.tensor(1.5, dtype=F64)  # 0-d
    B = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=F64)
    ga, gB = central_difference(lambda a, B: a**3 * B.prod(), (a, B))
    assert ga.shape == () and gB.shape == (2, 2)
    assert ga.dtype == gB.dtype == F64
    assert ga.item() == pytest.approx(3 * 1.5**2 * B.prod().item(), rel=1e-9)
    expected = 1.5**3 * B.prod() / B  # d(prod)/dB_k = prod of the others
    torch.testing.assert_close(gB, expected, rtol=1e-9, atol=1e-9)


def test_non_polynomial_function_error_is_of_order_eps_two_thirds():
    x = torch.tensor([0.3, 1.2, -0.7], dtype=F64)
    (grad,) = central_difference(lambda x: torch.sin(x).sum() + torch.exp(x).sum(), (x,))
    err = (grad - (torch.cos(x) + torch.exp(x))).abs().max().item()
    assert err < 100 * np.finfo(np.float64).eps ** (2 / 3)


def test_matches_hand_formula_for_linear_regression():
    X, y, w, b = _batch()
    gw, gb = central_difference(lambda w, b: squared_loss(linreg(X, w, b), y).sum(), (w, b))
    hw, hb = squared_loss_grads(X, y, w, b)
    torch.testing.assert_close(gw, hw, rtol=1e-8, atol=1e-8)
    torch.testing.assert_close(gb, hb, rtol=1e-8, atol=1e-8)


def test_non_contiguous_params():
    g = torch.Generator().manual_seed(2)
    A = torch.randn(3, 2, generator=g, dtype=F64)
    W = torch.randn(2, 3, generator=g, dtype=F64).T  # (3, 2), a transposed view
    assert not W.is_contiguous()
    (gW,) = central_difference(lambda W: (W**2 * A).sum(), (W,))
    torch.testing.assert_close(gW, 2 * W * A, rtol=1e-8, atol=1e-8)


def test_large_parameter_uses_relative_step():
    x = torch.tensor([1e6], dtype=F64)
    (grad,) = central_difference(lambda x: (x**2).sum(), (x,))
    assert grad.item() == pytest.approx(2e6, rel=1e-9)


def test_params_not_modified_and_f_may_return_float():
    X, y, w, b = _batch()
    w0, b0 = w.clone(), b.clone()
    central_difference(lambda w, b: float((X @ w + b - y).pow(2).sum()), (w, b))
    assert torch.equal(w, w0) and torch.equal(b, b0)


def test_refuses_float32_with_explanation():
    with pytest.raises(TypeError, match=r"params\[0\] has dtype torch.float32.*float64"):
        central_difference(lambda a: a.sum(), (torch.ones(2),))


def test_float32_on_request_is_much_less_accurate():
    X, y, w, b = _batch(dtype=torch.float32)
    f = lambda w, b: squared_loss(linreg(X, w, b), y).sum()  # noqa: E731
    gw32, _ = central_difference(f, (w, b), allow_float32=True)
    assert gw32.dtype == torch.float32
    Xd, yd, wd, bd = (t.double() for t in (X, y, w, b))
    exact, _ = squared_loss_grads(Xd, yd, wd, bd)
    rel = (gw32.double() - exact).abs().max() / exact.abs().max()
    assert 1e-8 < rel.item() < 1e-2


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (torch.ones(2, dtype=F64), TypeError, "sequence"),
        ((), ValueError, "empty"),
        ((np.ones(2),), TypeError, r"params\[0\] must be a torch.Tensor"),
        ((torch.tensor([1, 2]),), TypeError, "floating-point"),
        ((torch.tensor([math.nan], dtype=F64),), ValueError, "NaN"),
        ((torch.ones(1, dtype=F64), torch.ones(1, dtype=torch.float16)), TypeError, "float64"),
    ],
)
def test_bad_params(params, error, match):
    with pytest.raises(error, match=match):
        central_difference(lambda *p: sum(q.sum() for q in p), params)


def test_mixed_float_dtypes_refused():
    with pytest.raises(TypeError, match="share one dtype"):
        central_difference(
            lambda a, b: a.sum() + b.sum(),
            (torch.ones(1, dtype=F64), torch.ones(1, dtype=torch.float32)),
            allow_float32=True,
        )


def test_bad_f_and_eps():
    x = (torch.ones(2, dtype=F64),)
    with pytest.raises(TypeError, match="callable"):
        central_difference(3, x)
    with pytest.raises(ValueError, match="single number"):
        central_difference(lambda x: x * 2, x)
    with pytest.raises(ValueError, match="not finite"):
        central_difference(lambda x: torch.log(x - 1).sum(), x)
    with pytest.raises(ValueError, match="eps must be positive"):
        central_difference(lambda x: x.sum(), x, eps=-1e-3)


def test_step_below_resolution():
    with pytest.raises(StepTooSmallError, match="too small"):
        central_difference(lambda x: x.sum(), (torch.ones(1, dtype=F64),), eps=1e-20)


# -- comparison ---------------------------------------------------------------------------------


def test_comparison_maximum_and_table():
    X, y, w, b = _batch()
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
    assert cmp.worst.second == "off"
    assert cmp.pairs[0].max_rel < 1e-8
    lines = cmp.table().splitlines()
    assert lines[0].split() == ["pair", "max", "|a-b|", "max", "rel"]
    assert len(lines) == 5 and lines[-1].startswith("max")
    assert f"{cmp.max_rel:.1e}" in lines[-1]


def test_assert_agree_passes_and_returns_comparison():
    X, y, w, b = _batch()
    hand = squared_loss_grads(X, y, w, b)
    fd = central_difference(lambda w, b: squared_loss(linreg(X, w, b), y).sum(), (w, b))
    cmp = assert_gradients_agree({"hand": hand, "fd": fd}, atol=1e-10, rtol=1e-7)
    assert cmp.max_rel < 1e-7


def test_broken_formula_raises_naming_pair_and_parameter():
    X, y, w, b = _batch()
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


# -- gradcheck and the sweep ----------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["sum", "mean", "mse"])
def test_gradcheck_hand_formula(reduction):
    assert gradcheck_hand_formula(*_batch(), reduction=reduction) is True


def test_gradcheck_refuses_float32_and_bad_reduction():
    with pytest.raises(TypeError, match="float64"):
        gradcheck_hand_formula(*_batch(dtype=torch.float32))
    with pytest.raises(ValueError, match="reduction"):
        gradcheck_hand_formula(*_batch(), reduction="max")
    X, y, w, b = _batch()
    with pytest.raises(ValueError, match="broadcast"):
        gradcheck_hand_formula(X, y.reshape(-1), w, b)


def test_sweep_truncation_and_rounding_regimes():
    x = torch.tensor([0.5], dtype=F64)
    steps = [1e-1, 1e-2, 1e-14, 1e-20]
    sweep = fd_error_sweep(lambda x: torch.exp(x).sum(), (x,), (torch.exp(x),), steps)
    e = sweep.errors
    assert e[0] == pytest.approx(1e-2 / 6, rel=1e-2)  # truncation h**2 f'''/6, relative
    assert e[1] == pytest.approx(1e-4 / 6, rel=1e-2)
    assert 1e-4 < e[2] < 1  # rounding dominates far below the balanced step
    assert math.isnan(e[3])  # the step vanished
    assert sweep.best[0] == 1e-2
    assert sweep.dtype == "float64" and sweep.machine_eps == np.finfo(np.float64).eps
    assert sweep.rounding_estimate(1e-10) == pytest.approx(
        sweep.machine_eps * math.exp(0.5) / (1e-10 * math.exp(0.5))
    )


def test_sweep_bad_input():
    x = (torch.ones(1, dtype=F64),)
    with pytest.raises(ValueError, match="steps"):
        fd_error_sweep(lambda x: x.sum(), x, (torch.ones(1, dtype=F64),), [])
    with pytest.raises(ValueError, match="zero everywhere"):
        fd_error_sweep(lambda x: x.sum(), x, (torch.zeros(1, dtype=F64),), [1e-3])
