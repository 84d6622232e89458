"""Minibatch SGD: the update rule, zeroing, sum + /B ≡ mean, the short last batch, bad input."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src.data import data_iter, synthetic_data
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.optim import adam_update, sgd, sgd_update


def _batch(seed: int = 0, n: int = 10):
    g = torch.Generator().manual_seed(seed)
    X, y = synthetic_data(torch.tensor([2.0, -3.4], dtype=torch.float64), 4.2, n, generator=g)
    w = torch.normal(0.0, 0.01, (2, 1), generator=g, dtype=torch.float64)
    b = torch.zeros(1, dtype=torch.float64)
    return X, y, w, b


# ---- the rule ----------------------------------------------------------------------------------


def test_sgd_update_torch():
    w = torch.tensor([[1.0], [2.0]])
    b = torch.tensor([0.5])
    sgd_update([w, b], [torch.tensor([[4.0], [-8.0]]), torch.tensor([2.0])], lr=0.5, batch_size=4)
    # θ − lr·g/B with lr/B = 1/8
    assert w.flatten().tolist() == [0.5, 3.0]
    assert b.tolist() == [0.25]


def test_sgd_update_numpy():
    w = np.array([[1.0], [2.0]])
    b = np.array(0.5)
    sgd_update([w, b], [np.array([[4.0], [-8.0]]), np.array(2.0)], lr=0.5, batch_size=4)
    np.testing.assert_array_equal(w, [[0.5], [3.0]])
    assert float(b) == 0.25


def test_sgd_update_works_on_leaf_tensors_that_require_grad():
    w = torch.ones(2, 1, requires_grad=True)
    sgd_update([w], [torch.ones(2, 1)], lr=0.1, batch_size=1)
    assert w.requires_grad and w.is_leaf
    torch.testing.assert_close(w.detach(), torch.full((2, 1), 0.9))


def test_sgd_uses_grad_then_zeroes_it():
    X, y, w, b = _batch()
    w.requires_grad_(True)
    b.requires_grad_(True)
    squared_loss(linreg(X, w, b), y).sum().backward()
    expected_w = w.detach() - 0.03 * w.grad / 10
    expected_b = b.detach() - 0.03 * b.grad / 10
    sgd([w, b], lr=0.03, batch_size=10)
    torch.testing.assert_close(w.detach(), expected_w, rtol=0.0, atol=0.0)
    torch.testing.assert_close(b.detach(), expected_b, rtol=0.0, atol=0.0)
    assert torch.equal(w.grad, torch.zeros(2, 1, dtype=torch.float64))
    assert torch.equal(b.grad, torch.zeros(1, dtype=torch.float64))


def test_without_zeroing_gradients_would_accumulate():
    """Why sgd zeroes: a second backward() adds to .grad instead of replacing it."""
    X, y, w, b = _batch()
    w.requires_grad_(True)
    for _ in range(2):
        squared_loss(linreg(X, w, b), y).sum().backward()
    hand_w, _ = squared_loss_grads(X, y, w.detach(), b)
    torch.testing.assert_close(w.grad, 2 * hand_w)


def test_sum_then_divide_equals_mean_without_division():
    X, y, w, b = _batch(1)
    params_sum = [w.clone().requires_grad_(True), b.clone().requires_grad_(True)]
    params_mean = [w.clone().requires_grad_(True), b.clone().requires_grad_(True)]
    squared_loss(linreg(X, *params_sum), y).sum().backward()
    sgd(params_sum, lr=0.03, batch_size=len(y))
    squared_loss(linreg(X, *params_mean), y).mean().backward()
    sgd(params_mean, lr=0.03, batch_size=1)
    for a, c in zip(params_sum, params_mean, strict=True):
        torch.testing.assert_close(a.detach(), c.detach(), rtol=1e-15, atol=1e-15)


def test_hand_gradients_and_autograd_give_the_same_step():
    X, y, w, b = _batch(2)
    w_hand, b_hand = w.clone(), b.clone()
    sgd_update([w_hand, b_hand], list(squared_loss_grads(X, y, w, b)), lr=0.03, batch_size=10)
    w_auto, b_auto = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    squared_loss(linreg(X, w_auto, b_auto), y).sum().backward()
    sgd([w_auto, b_auto], lr=0.03, batch_size=10)
    torch.testing.assert_close(w_hand, w_auto.detach(), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(b_hand, b_auto.detach(), rtol=1e-14, atol=1e-14)


def test_the_short_last_batch_divides_by_its_real_size():
    """N = 25, batch_size 10: the last batch has 5 rows; dividing by len(y) is the mean step."""
    X, y, w, b = _batch(3, n=25)
    *_, (X_last, y_last) = data_iter(10, X, y, generator=torch.Generator().manual_seed(0))
    assert len(y_last) == 5
    mean_w, mean_b = squared_loss_grads(X_last, y_last, w, b, reduction="mean")
    lr = 0.03
    w_real, b_real = w.clone(), b.clone()
    sgd_update([w_real, b_real], list(squared_loss_grads(X_last, y_last, w, b)), lr, len(y_last))
    torch.testing.assert_close(w_real, w - lr * mean_w, rtol=1e-15, atol=1e-15)
    torch.testing.assert_close(b_real, b - lr * mean_b, rtol=1e-15, atol=1e-15)
    # the nominal size would take a step half as long as the mean-gradient step
    w_nominal = w.clone()
    sgd_update([w_nominal], [squared_loss_grads(X_last, y_last, w, b)[0]], lr, 10)
    torch.testing.assert_close(w_nominal - w, (w_real - w) / 2, rtol=1e-14, atol=1e-16)


# ---- refused inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lr", "error", "pattern"),
    [
        (0.0, ValueError, r"lr must be positive, got 0\.0"),
        (-0.03, ValueError, r"lr must be positive, got -0\.03"),
        (math.nan, ValueError, r"lr must be a finite number, got nan"),
        (math.inf, ValueError, r"lr must be a finite number, got inf"),
        ("0.03", TypeError, r"lr must be a real number, got str"),
        (True, TypeError, r"lr must be a real number, got bool True"),
    ],
)
def test_bad_learning_rates(lr, error, pattern):
    with pytest.raises(error, match=pattern):
        sgd_update([torch.zeros(1)], [torch.zeros(1)], lr, 1)


@pytest.mark.parametrize(
    ("batch_size", "error", "pattern"),
    [
        (0, ValueError, r"batch_size must be a positive whole number, got 0"),
        (-10, ValueError, r"batch_size must be a positive whole number, got -10"),
        (10.0, TypeError, r"batch_size must be a whole number, got float 10\.0"),
        (None, TypeError, r"batch_size must be a whole number, got NoneType"),
    ],
)
def test_bad_batch_sizes(batch_size, error, pattern):
    with pytest.raises(error, match=pattern):
        sgd_update([torch.zeros(1)], [torch.zeros(1)], 0.1, batch_size)


def test_numpy_integer_batch_size_is_accepted():
    w = np.ones(2)
    sgd_update([w], [np.ones(2)], 0.5, np.int64(2))
    np.testing.assert_array_equal(w, [0.75, 0.75])


def test_one_grad_per_param():
    with pytest.raises(TypeError, match=r"got 2 params but 1 grads; pass one grad per param"):
        sgd_update([torch.zeros(1), torch.zeros(1)], [torch.zeros(1)], 0.1, 1)


def test_grad_of_another_shape():
    with pytest.raises(
        ValueError, match=r"grads\[0\] has shape \(2,\) but params\[0\] has shape \(2, 1\)"
    ):
        sgd_update([torch.zeros(2, 1)], [torch.zeros(2)], 0.1, 1)


def test_grad_of_another_dtype():
    with pytest.raises(TypeError, match=r"grads\[0\] has dtype torch.float64 but params\[0\] has"):
        sgd_update([torch.zeros(2)], [torch.zeros(2, dtype=torch.float64)], 0.1, 1)
    with pytest.raises(
        TypeError, match=r"grads\[0\] has dtype float64 but params\[0\] has dtype int"
    ):
        sgd_update([np.zeros(2, dtype=np.int64)], [np.zeros(2)], 0.1, 1)


def test_non_finite_or_integer_grads():
    params = [torch.zeros(1), torch.zeros(1)]
    with pytest.raises(ValueError, match=r"grads\[1\] contains 1 NaN or infinite value\(s\)"):
        sgd_update(params, [torch.ones(1), torch.tensor([math.inf])], 0.1, 1)
    assert float(params[0]) == 0.0  # all checks pass before any parameter moves
    with pytest.raises(TypeError, match=r"grads\[0\] must hold floating-point numbers"):
        sgd_update([torch.zeros(1)], [torch.zeros(1, dtype=torch.int64)], 0.1, 1)


def test_numpy_and_torch_mixed():
    with pytest.raises(TypeError, match=r"params\[0\] is a torch.Tensor, grads\[0\] is a numpy"):
        sgd_update([torch.zeros(1)], [np.zeros(1)], 0.1, 1)


def test_sgd_before_backward():
    w = torch.zeros(2, 1, requires_grad=True)
    with pytest.raises(
        ValueError, match=r"params\[0\] has no gradient: call l\.sum\(\)\.backward\(\)"
    ):
        sgd([w], 0.03, 10)


def test_sgd_on_numpy_parameters():
    with pytest.raises(TypeError, match=r"params\[0\] must be a torch\.Tensor, got ndarray"):
        sgd([np.zeros(1)], 0.03, 10)


def test_sgd_checks_before_changing_anything():
    w = torch.ones(1, requires_grad=True)
    (2 * w).sum().backward()
    with pytest.raises(ValueError, match="lr must be positive"):
        sgd([w], -1.0, 1)
    assert float(w.detach()) == 1.0 and float(w.grad) == 2.0


# ---- Adam by hand ----------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), lr=st.floats(1e-4, 1.0), steps=st.integers(1, 12))
def test_adam_update_equals_torch_optim_adam(seed, lr, steps):
    g = torch.Generator().manual_seed(seed)
    start = torch.randn(4, generator=g, dtype=torch.float64)
    grads = [torch.randn(4, generator=g, dtype=torch.float64) for _ in range(steps)]
    ours, m, v = start.clone(), torch.zeros(4, dtype=torch.float64), torch.zeros(4).double()
    theirs = start.clone().requires_grad_()
    opt = torch.optim.Adam([theirs], lr=lr)
    for t, grad in enumerate(grads, start=1):
        adam_update(ours, grad, m, v, t, lr=lr)
        theirs.grad = grad.clone()
        opt.step()
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-12, atol=1e-12)


def test_adam_update_in_place_on_a_few_numbers():
    p, m, v = torch.tensor([1.0]), torch.zeros(1), torch.zeros(1)
    adam_update(p, torch.tensor([-5.0]), m, v, 1, lr=0.1)
    # step 1: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps) ~ -lr * sign(g)
    assert p.tolist() == pytest.approx([1.1], abs=1e-7)
    assert m.tolist() == pytest.approx([-0.5]) and v.tolist() == pytest.approx([0.025])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        # issue 13: adam_update is checked like sgd_update
        (
            (torch.zeros(2), torch.tensor([1.0, math.nan]), torch.zeros(2), torch.zeros(2), 1),
            {"lr": 0.1},
            ValueError,
            r"grad contains 1 NaN or infinite value\(s\)",
        ),
        (
            (torch.zeros(1), torch.ones(1, dtype=torch.float16), torch.zeros(1), torch.zeros(1), 1),
            {"lr": 0.1},
            TypeError,
            r"grad has dtype torch.float16 but param has dtype torch.float32",
        ),
        (
            (*(torch.ones(1, dtype=torch.int64) for _ in range(4)), 1),
            {"lr": 0.1},
            TypeError,
            r"param must hold floating-point numbers",
        ),
        (
            (torch.zeros(3, 1), torch.zeros(3), torch.zeros(3, 1), torch.zeros(3, 1), 1),
            {"lr": 0.1},
            ValueError,
            r"grad has shape \(3,\) but param has shape \(3, 1\)",
        ),
        (
            (torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1), 0),
            {"lr": 0.1},
            ValueError,
            r"step must be a positive whole number",
        ),
        (
            (torch.zeros(1),) * 4 + (1,),
            {"lr": 0.1, "betas": [0.9, 0.999]},
            TypeError,
            r"betas must be a pair \(beta1, beta2\), got list",
        ),
        (
            (torch.zeros(1),) * 4 + (1,),
            {"lr": 0.1, "betas": (0.9, 1.0)},
            ValueError,
            r"betas must lie in \[0, 1\)",
        ),
        (
            (torch.zeros(1),) * 4 + (1,),
            {"lr": 0.1, "eps": 0.0},
            ValueError,
            r"eps must be positive, got 0.0",
        ),
        (
            (np.zeros(1),) * 4 + (1,),
            {"lr": 0.1},
            TypeError,
            r"there is no linreg_src.optim_np for NumPy arrays",
        ),
    ],
)
def test_adam_update_refuses_bad_input_before_touching_anything(args, kwargs, error, match):
    before = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    with pytest.raises(error, match=match):
        adam_update(*args, **kwargs)
    for a, b in zip(args, before, strict=True):
        if isinstance(a, torch.Tensor):
            torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)


# ---- issue 13: what used to overflow or fail without naming its argument ----------------------


def test_sgd_update_refuses_an_overflowing_step_and_leaves_the_parameters_alone():
    w = torch.tensor([[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"params\[0\] is no longer finite .*\(lr = 1e\+39\)"):
        sgd_update([w], [torch.ones(2, 1)], 1e39, 1)  # lr * 1 overflows float32
    assert w.tolist() == [[1.0], [2.0]]


@pytest.mark.parametrize(
    ("lr", "batch_size", "error", "match"),
    [
        (10**400, 1, ValueError, r"lr must be a finite number, got an integer of 401 digits"),
        (
            0.1,
            10**30,
            ValueError,
            r"batch_size must be a whole number in \[1, 2\*\*63 - 1\], got 1e\+30",
        ),
    ],
)
def test_sgd_update_names_huge_arguments(lr, batch_size, error, match):
    with pytest.raises(error, match=match):
        sgd_update([torch.zeros(1)], [torch.zeros(1)], lr, batch_size)


def test_sgd_refuses_a_bare_tensor_instead_of_a_list():
    w = torch.zeros(2, 1, requires_grad=True)
    (w.sum() * 2).backward()
    with pytest.raises(
        TypeError, match=r"params must be a list of arrays like \[w, b\], got torch"
    ):
        sgd(w, 0.1, 1)


def test_sgd_can_forget_to_zero_the_gradient():
    w = torch.tensor([[1.0]], requires_grad=True)
    (3 * w).sum().backward()
    sgd([w], lr=0.1, batch_size=1, zero_grad=False)
    assert w.grad.tolist() == [[3.0]]  # left for the next backward() to add to


def test_adam_update_refuses_a_negative_second_moment():
    with pytest.raises(ValueError, match=r"exp_avg_sq must be >= 0 everywhere"):
        adam_update(torch.zeros(1), torch.ones(1), torch.zeros(1), -torch.ones(1), 1, lr=0.1)
