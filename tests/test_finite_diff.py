"""Central differences match known derivatives; their error over the step; bad input refused."""

import math

import numpy as np
import pytest
import torch

from linreg_src.finite_diff import (
    FD_EPS,
    FDSweep,
    StepTooSmallError,
    central_difference,
    default_step,
    fd_error_sweep,
)
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg

F64 = torch.float64


# -- central_difference ---------------------------------------------------------------------------


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


def test_matches_hand_formula_for_linear_regression(random_batch):
    X, y, w, b = random_batch()
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


def test_params_not_modified_and_f_may_return_float(random_batch):
    X, y, w, b = random_batch()
    w0, b0 = w.clone(), b.clone()
    central_difference(lambda w, b: float((X @ w + b - y).pow(2).sum()), (w, b))
    assert torch.equal(w, w0) and torch.equal(b, b0)


def test_refuses_float32_with_explanation():
    with pytest.raises(TypeError, match=r"params\[0\] has dtype torch.float32.*float64"):
        central_difference(lambda a: a.sum(), (torch.ones(2),))


def test_float32_on_request_is_much_less_accurate(random_batch):
    X, y, w, b = random_batch(dtype=torch.float32)
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


# -- the sweep ------------------------------------------------------------------------------------


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


def test_sweep_refuses_steps_that_all_vanish_naming_steps():
    x = (torch.ones(1, dtype=F64),)
    with pytest.raises(ValueError, match=r"steps: every step of \(1e-20, 1e-30\) vanished"):
        fd_error_sweep(lambda x: x.sum(), x, (torch.ones(1, dtype=F64),), [1e-20, 1e-30])


@pytest.mark.parametrize(("steps", "match"), [([1e-3, 0.0], r"steps\[1\] must be positive")])
def test_sweep_names_a_bad_step(steps, match):
    x = (torch.ones(1, dtype=F64),)
    with pytest.raises(ValueError, match=match):
        fd_error_sweep(lambda x: x.sum(), x, (torch.ones(1, dtype=F64),), steps)


def test_best_of_a_sweep_without_any_error_names_the_steps():
    sweep = FDSweep("float64", 2.0**-52, (1e-20,), (math.nan,), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"no step of steps=\(1e-20,\) measured an error"):
        _ = sweep.best


def test_rounding_estimate_refuses_a_step_so_small_it_overflows():
    sweep = FDSweep("float64", 2.0**-52, (1e-3,), (1e-7,), 1e300, 1.0)
    with pytest.raises(ValueError, match=r"step=4\.94066e-324 is too small"):
        sweep.rounding_estimate(5e-324)


def test_difference_quotient_that_overflows_is_refused_naming_the_parameter():
    """f finite at every shifted point, but its change over the step exceeds the largest float."""
    x, b = torch.tensor([1.0], dtype=F64), torch.tensor([0.0], dtype=F64)
    with pytest.raises(ValueError, match=r"overflows torch.float64 at params\[1\]"):
        central_difference(lambda x, b: torch.tanh(b * 1e10).sum() * 1e308, (x, b))


@pytest.mark.parametrize("dtype", [np.float32, torch.int64, "float64"])
def test_default_step_names_a_dtype_that_is_not_a_torch_float(dtype):
    with pytest.raises(TypeError, match=r"dtype must be a floating-point torch\.dtype"):
        default_step(dtype)
