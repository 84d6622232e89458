"""linreg_src.cost: the cost page's three candidates, checked and bare, one step and one epoch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from linreg_src import grad, grad_np
from linreg_src._guard import trusted
from linreg_src.cost import (
    METHODS,
    autograd_grads,
    epoch_calls,
    make_problem,
    numpy_epoch,
    step_calls,
)
from linreg_src.data import data_iter, minibatches
from linreg_src.optim import sgd_update
from linreg_src.train import train


def test_make_problem_shapes_dtypes_and_shared_memory():
    p = make_problem(12, 3, dtype=torch.float64, seed=3)
    assert tuple(p.X.shape) == (12, 3)
    assert p.X.shape == (12, 3) and p.y.shape == (12, 1)
    assert p.w.shape == (3, 1) and p.b.shape == (1,)
    assert p.w.requires_grad and p.b.requires_grad
    assert all(t.dtype == torch.float64 for t in (p.X, p.y, p.w, p.b))
    assert np.shares_memory(p.X_np, p.X.numpy()) and np.shares_memory(p.y_np, p.y.numpy())
    assert torch.equal(make_problem(12, 3, dtype=torch.float64, seed=3).X, p.X)
    assert not torch.equal(make_problem(12, 3, dtype=torch.float64, seed=4).X, p.X)


def test_make_problem_uses_d2ls_true_weights_for_d_2():
    p = make_problem(2000, 2, dtype=torch.float64)
    w, *_ = np.linalg.lstsq(np.c_[p.X_np, np.ones(2000)], p.y_np, rcond=None)
    np.testing.assert_allclose(w.ravel(), [2.0, -3.4, 4.2], atol=0.01)


@pytest.mark.parametrize("checked", [True, False])
def test_all_methods_give_the_same_gradient(checked):
    p = make_problem(9, 4, dtype=torch.float64)
    want_w, want_b = grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())
    calls = step_calls(p, checked=checked)
    assert list(calls) == list(METHODS)
    for method, call in calls.items():
        gw, gb = call()
        gw, gb = (torch.as_tensor(np.asarray(g)) for g in (gw, gb))
        torch.testing.assert_close(gw, want_w, msg=method)
        torch.testing.assert_close(gb, want_b, msg=method)


def test_repeated_autograd_calls_do_not_accumulate():
    p = make_problem(5, 2)
    first = [g.clone() for g in autograd_grads(p.X, p.y, p.w, p.b)]
    second = autograd_grads(p.X, p.y, p.w, p.b)
    third = trusted(autograd_grads, p.X, p.y, p.w, p.b)  # the same graph, unchecked
    for a, b, c in zip(first, second, third, strict=True):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, c)


def test_unchecked_formulas_match_the_package_in_both_libraries():
    p = make_problem(6, 3, dtype=torch.float64)
    w, b = p.w.detach(), p.b.detach()
    bare = step_calls(p, checked=False)
    for got, want in zip(bare["hand"](), grad.squared_loss_grads(p.X, p.y, w, b), strict=True):
        assert torch.equal(got, want)  # the same code, bit for bit, minus the checks
    for got, want in zip(
        bare["numpy"](), grad_np.squared_loss_grads(p.X_np, p.y_np, p.w_np, p.b_np), strict=True
    ):
        np.testing.assert_array_equal(got, want)
        assert got.shape == want.shape


def test_bare_calls_skip_the_checks_checked_calls_refuse():
    p = make_problem(6, 2)
    y_flat = p.y.reshape(-1)  # (N,): broadcasts to (N, N) unchecked
    with pytest.raises(ValueError, match=r"pass y\.reshape\(-1, 1\)"):
        grad.squared_loss_grads(p.X, y_flat, p.w.detach(), p.b.detach())
    grad_w, _ = trusted(grad.squared_loss_grads, p.X, y_flat, p.w.detach(), p.b.detach())
    assert grad_w.shape == (2, 6)  # the silent wrong answer the checks exist for


def test_hand_gradient_builds_no_graph():
    p = make_problem(4, 2)
    gw, gb = step_calls(p, checked=False)["hand"]()
    assert gw.grad_fn is None and gb.grad_fn is None


@pytest.mark.parametrize(("n", "batch_size"), [(25, 10), (30, 10), (7, 100)])
def test_an_epoch_is_ceil_n_over_b_steps_of_the_same_loop(n, batch_size):
    # Replay each epoch with its documented generator, one step at a time, counting the steps.
    p = make_problem(n, 2, dtype=torch.float64)
    calls = epoch_calls(p, lr=0.03, batch_size=batch_size)
    w_n, b_n = p.w_np.copy(), p.b_np.copy()
    w_h, b_h = p.w.detach().clone(), p.b.detach().clone()
    steps = {"hand": 0, "numpy": 0}
    for X, y in data_iter(batch_size, p.X, p.y, generator=torch.Generator().manual_seed(1)):
        gw, gb = grad.squared_loss_grads(X, y, w_h, b_h)
        sgd_update([w_h, b_h], [gw, gb], 0.03, len(y))
        steps["hand"] += 1
    order = np.random.default_rng(1).permutation(n)
    for X, y in minibatches(batch_size, p.X_np, p.y_np, order):
        sgd_update([w_n, b_n], list(grad_np.squared_loss_grads(X, y, w_n, b_n)), 0.03, len(y))
        steps["numpy"] += 1
    assert steps == {"hand": math.ceil(n / batch_size), "numpy": math.ceil(n / batch_size)}
    for method in METHODS:
        assert calls[method]() is None  # each call trains its own copy in place
    # the package's epochs took exactly these steps
    w_pkg, b_pkg = p.w.detach().clone(), p.b.detach().clone()
    train(
        p.X,
        p.y,
        w_pkg,
        b_pkg,
        lr=0.03,
        batch_size=batch_size,
        num_epochs=1,
        generator=torch.Generator().manual_seed(1),
        grads="hand",
    )
    assert torch.equal(w_pkg, w_h) and torch.equal(b_pkg, b_h)
    w_np, b_np = p.w_np.copy(), p.b_np.copy()
    numpy_epoch(
        p.X_np, p.y_np, w_np, b_np, lr=0.03, batch_size=batch_size, rng=np.random.default_rng(1)
    )
    np.testing.assert_array_equal(w_np, w_n)
    np.testing.assert_array_equal(b_np, b_n)


def test_full_batch_epochs_update_the_parameters_identically():
    # With one batch of all N examples the shuffle cannot matter: one and the same SGD step.
    p = make_problem(40, 3, dtype=torch.float64)
    kw = {"lr": 0.1, "batch_size": 40}
    w_a, b_a = (t.detach().clone().requires_grad_() for t in (p.w, p.b))
    w_h, b_h = p.w.detach().clone(), p.b.detach().clone()
    w_n, b_n = p.w_np.copy(), p.b_np.copy()
    train(p.X, p.y, w_a, b_a, num_epochs=1, generator=torch.Generator().manual_seed(0), **kw)
    train(
        p.X,
        p.y,
        w_h,
        b_h,
        num_epochs=1,
        generator=torch.Generator().manual_seed(1),
        grads="hand",
        **kw,
    )
    numpy_epoch(p.X_np, p.y_np, w_n, b_n, rng=np.random.default_rng(2), **kw)
    gw, gb = grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())
    want_w, want_b = p.w.detach() - 0.1 * gw / 40, p.b.detach() - 0.1 * gb / 40
    for w, b in ((w_a.detach(), b_a.detach()), (w_h, b_h), (w_n, b_n)):
        torch.testing.assert_close(torch.as_tensor(w), want_w)
        torch.testing.assert_close(torch.as_tensor(b), want_b)


def test_epoch_calls_train_copies_and_leave_the_starting_point():
    p = make_problem(30, 2)
    calls = epoch_calls(p, lr=0.03, batch_size=10)
    for m in METHODS:
        calls[m]()
    assert torch.equal(p.w.detach(), torch.zeros(2, 1)) and torch.equal(
        p.b.detach(), torch.zeros(1)
    )
    assert p.w.grad is None


def test_step_and_epoch_calls_refuse_what_is_not_a_problem():
    with pytest.raises(TypeError, match=r"problem must be a Problem from make_problem\(n, d\)"):
        step_calls((1, 2))
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        p = make_problem(4, 2)
        numpy_epoch(p.X_np, p.y_np, p.w_np, p.b_np, lr=0.1, batch_size=2, rng=0)
