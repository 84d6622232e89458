"""The training loop: autograd == hand gradients bit for bit, convergence, the short last batch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from linreg_src.data import data_iter, synthetic_data
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.lstsq import least_squares
from linreg_src.model import linreg
from linreg_src.train import (
    SHUFFLE_SEED_OFFSET,
    TrainResult,
    autograd_step,
    hand_step,
    init_params,
    shuffle_generator,
    train,
    train_linreg,
)

TRUE_W = (2.0, -3.4)
TRUE_B = 4.2


def make_data(num_examples=1000, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return synthetic_data(torch.tensor(TRUE_W, dtype=dtype), TRUE_B, num_examples, generator=g)


@pytest.fixture(scope="module")
def data64():
    return make_data()


# -- autograd and hand gradients follow one trajectory --------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("divide_by", ["actual", "nominal"])
@pytest.mark.parametrize("zero_grad", [True, False])
def test_autograd_and_hand_runs_are_bit_identical(dtype, divide_by, zero_grad):
    # Same seed -> same initial w and same batches; both evaluate X^T delta and sum(delta) in
    # the same order, so not one bit differs -- in float32 as well as float64, and also with
    # the two pitfalls switched on (the hand run then keeps the same running gradient sum).
    X, y = make_data(1000, dtype)
    kwargs = dict(batch_size=64, num_epochs=2, divide_by=divide_by, zero_grad=zero_grad)
    auto = train_linreg(X, y, grads="autograd", **kwargs)
    hand = train_linreg(X, y, grads="hand", **kwargs)
    assert auto.w_history.dtype == dtype
    assert torch.equal(auto.w_history, hand.w_history)
    assert torch.equal(auto.b_history, hand.b_history)
    assert auto.step_losses == hand.step_losses
    assert auto.epoch_losses == hand.epoch_losses
    assert (auto.grads, hand.grads) == ("autograd", "hand")


def test_hand_run_builds_no_graph(data64):
    result = train_linreg(*data64, grads="hand", num_epochs=1)
    assert not result.w.requires_grad and not result.b.requires_grad
    assert result.w.grad_fn is None and result.w.grad is None


def test_result_records_every_step(data64):
    X, y = data64
    result = train_linreg(X, y, batch_size=64, num_epochs=2)
    assert isinstance(result, TrainResult)
    assert result.batch_sizes == (64,) * 15 + (40,) + (64,) * 15 + (40,)
    assert result.w_history.shape == (33, 2, 1) and result.b_history.shape == (33, 1)
    assert len(result.step_losses) == 32
    assert result.epoch_losses == (result.step_losses[15], result.step_losses[31])
    assert result.epoch_curve == (result.initial_loss, *result.epoch_losses)
    assert torch.equal(result.w, result.w_history[-1])
    assert torch.equal(result.b, result.b_history[-1])
    # the recorded loss is the full-data mean of 1/2 (y_hat - y)^2 at the recorded parameters
    w5, b5 = result.w_history[5], result.b_history[5]
    expected = float(((X @ w5 + b5 - y) ** 2 / 2).mean())
    assert result.step_losses[4] == pytest.approx(expected, rel=1e-12)
    assert result.initial_loss == pytest.approx(
        float(((X @ result.w_history[0] - y) ** 2 / 2).mean()), rel=1e-12
    )


def test_each_step_is_w_minus_lr_times_mean_gradient(data64):
    # Replay the run's batches with the documented generator and recompute every step.
    X, y = data64
    lr = 0.03
    result = train_linreg(X, y, lr=lr, batch_size=100, num_epochs=2, seed=7)
    shuffle = shuffle_generator(7)
    batches = [b for _ in range(2) for b in data_iter(100, X, y, generator=shuffle)]
    assert len(batches) == len(result.batch_sizes) == 20
    for k, (Xb, yb) in enumerate(batches):
        w, b = result.w_history[k], result.b_history[k]
        grad_w, grad_b = squared_loss_grads(Xb, yb, w, b)
        assert torch.equal(result.w_history[k + 1], w - lr * grad_w / len(yb))
        assert torch.equal(result.b_history[k + 1], b - lr * grad_b / len(yb))


# -- convergence ----------------------------------------------------------------------------------


def test_full_batch_gradient_descent_reaches_least_squares(data64):
    # batch_size = N: deterministic gradient descent on a well-conditioned quadratic (X^T X / N
    # is close to the identity), contraction about |1 - lr| per step; 100 steps at lr 0.5 leave
    # only rounding error.
    X, y = data64
    w_ls, b_ls = least_squares(X, y)
    result = train_linreg(X, y, lr=0.5, batch_size=len(X), num_epochs=100)
    assert torch.allclose(result.w, w_ls, rtol=0, atol=1e-12)
    assert torch.allclose(result.b, b_ls, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_minibatch_sgd_ends_near_least_squares(data64, seed):
    # Constant-lr SGD does not converge to a point: it hovers around the least-squares solution.
    # At the optimum each example's gradient x_i * delta_i has size ~ sigma = 0.01 (delta is the
    # label noise, x ~ N(0, 1)); a batch mean of B = 10 has ~ 0.01 / sqrt(10); one step moves by
    # lr times that, and with contraction (1 - lr) per step the stationary spread is about
    # sqrt(lr / 2) * 0.01 / sqrt(10) ~ 4e-4 per coordinate. After 10 epochs (1000 steps) the
    # start's influence has shrunk by 0.97**1000 ~ 1e-13, so only that spread is left:
    # 2.5e-3 is about six standard deviations.
    X, y = data64
    w_ls, b_ls = least_squares(X, y)
    result = train_linreg(X, y, lr=0.03, batch_size=10, num_epochs=10, seed=seed)
    assert torch.allclose(result.w, w_ls, rtol=0, atol=2.5e-3)
    assert torch.allclose(result.b, b_ls, rtol=0, atol=2.5e-3)
    # and the loss is at the noise floor sigma^2 / 2 = 5e-5 (the least-squares loss), within 10%
    ls_loss = float(squared_loss(linreg(X, w_ls, b_ls), y).mean())
    assert ls_loss <= result.epoch_losses[-1] <= 1.1 * ls_loss


def test_d2l_run_loss_falls_every_epoch(data64):
    result = train_linreg(*data64)  # d2l's settings: lr 0.03, batch 10, 3 epochs
    losses = result.epoch_curve
    assert all(a > b for a, b in itertools.pairwise(losses))
    assert losses[0] > 1.0 and losses[-1] < 1e-4


# -- the short last batch -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_batch_runs(data64):
    X, y = data64
    kwargs = dict(lr=0.03, batch_size=64, num_epochs=1, seed=3)
    return train_linreg(X, y, **kwargs), train_linreg(X, y, divide_by="nominal", **kwargs)


def test_short_last_batch_runs_agree_until_the_last_step(short_batch_runs):
    actual, nominal = short_batch_runs
    assert actual.batch_sizes == nominal.batch_sizes == (64,) * 15 + (40,)
    assert torch.equal(actual.w_history[:-1], nominal.w_history[:-1])
    assert torch.equal(actual.b_history[:-1], nominal.b_history[:-1])
    assert not torch.equal(actual.w, nominal.w)


def test_short_last_batch_step_is_the_mean_gradient_or_too_small(data64, short_batch_runs):
    X, y = data64
    actual, nominal = short_batch_runs
    *_, (X_last, y_last) = data_iter(64, X, y, generator=shuffle_generator(3))
    assert len(y_last) == 40
    w, b = actual.w_history[-2], actual.b_history[-2]
    grad_w, grad_b = squared_loss_grads(X_last, y_last, w, b)  # summed over the 40 examples
    mean_w, mean_b = squared_loss_grads(X_last, y_last, w, b, reduction="mean")
    # dividing by the actual size: exactly the update of the mean gradient
    assert torch.equal(actual.w, w - 0.03 * grad_w / 40)
    assert torch.equal(actual.b, b - 0.03 * grad_b / 40)
    assert torch.allclose(actual.w - w, -0.03 * mean_w, rtol=1e-12, atol=0)
    assert torch.allclose(actual.b - b, -0.03 * mean_b, rtol=1e-12, atol=0)
    # dividing by the nominal size: the same direction, shorter by exactly 40 / 64
    assert torch.equal(nominal.w, w - 0.03 * grad_w / 64)
    ratio_w = (nominal.w - w) / (actual.w - w)
    ratio_b = (nominal.b - b) / (actual.b - b)
    assert torch.allclose(ratio_w, torch.full_like(ratio_w, 40 / 64), rtol=1e-12, atol=0)
    assert torch.allclose(ratio_b, torch.full_like(ratio_b, 40 / 64), rtol=1e-12, atol=0)


def test_full_batches_make_nominal_and_actual_identical(data64):
    X, y = data64
    a = train_linreg(X, y, batch_size=100, num_epochs=2)
    n = train_linreg(X, y, batch_size=100, num_epochs=2, divide_by="nominal")
    assert torch.equal(a.w_history, n.w_history)


def test_forgetting_the_division_steps_by_the_summed_gradient(data64):
    X, y = data64
    kwargs = dict(lr=0.001, batch_size=25, num_epochs=1, seed=3, grads="hand")
    mean_run = train_linreg(X, y, **kwargs)
    summed_run = train_linreg(X, y, divide_by="none", **kwargs)
    X0, y0 = next(iter(data_iter(25, X, y, generator=shuffle_generator(3))))
    w, b = summed_run.w_history[0], summed_run.b_history[0]
    grad_w, grad_b = squared_loss_grads(X0, y0, w, b)
    assert torch.equal(summed_run.w_history[1], w - 0.001 * grad_w)
    assert torch.equal(summed_run.b_history[1], b - 0.001 * grad_b)
    assert torch.equal(mean_run.w_history[1], w - 0.001 * grad_w / 25)
    assert summed_run.divide_by == "none"


def test_max_steps_stops_inside_an_epoch(data64):
    X, y = data64
    full = train_linreg(X, y, batch_size=100, num_epochs=3, grads="hand")
    cut = train_linreg(X, y, batch_size=100, num_epochs=3, grads="hand", max_steps=15)
    assert len(cut.step_losses) == 15 and cut.batch_sizes == (100,) * 15
    assert cut.step_losses == full.step_losses[:15]
    assert torch.equal(cut.w_history, full.w_history[:16])
    # the cut epoch reports the loss after its last step; later epochs are not started
    assert cut.epoch_losses == (full.epoch_losses[0], full.step_losses[14])
    exact = train_linreg(X, y, batch_size=100, num_epochs=3, grads="hand", max_steps=20)
    assert exact.epoch_losses == full.epoch_losses[:2]


# -- forgetting grad.zero_() ----------------------------------------------------------------------


def test_without_zero_grad_each_step_uses_the_sum_of_all_gradients(data64):
    X, y = data64
    lr = 0.03
    result = train_linreg(X, y, lr=lr, batch_size=100, num_epochs=1, zero_grad=False)
    batches = list(data_iter(100, X, y, generator=shuffle_generator(0)))
    running_w = torch.zeros(2, 1, dtype=torch.float64)
    running_b = torch.zeros(1, dtype=torch.float64)
    for k, (Xb, yb) in enumerate(batches):
        grad_w, grad_b = squared_loss_grads(Xb, yb, result.w_history[k], result.b_history[k])
        running_w += grad_w
        running_b += grad_b
        assert torch.equal(result.w_history[k + 1], result.w_history[k] - lr * running_w / 100)
        assert torch.equal(result.b_history[k + 1], result.b_history[k] - lr * running_b / 100)


def test_without_zero_grad_training_does_not_settle(data64):
    X, y = data64
    good = train_linreg(X, y, num_epochs=3)
    bad = train_linreg(X, y, num_epochs=3, zero_grad=False)
    # a frictionless heavy ball: the loss keeps swinging instead of falling to the noise floor
    assert max(bad.step_losses[-100:]) > 1.0 > 1e-3 > max(good.step_losses[-100:])
    assert min(bad.step_losses) < 1.0  # it does pass near the optimum, it just does not stop


# -- reproducibility ------------------------------------------------------------------------------


def test_same_seed_same_run_other_seed_other_run(data64):
    a = train_linreg(*data64, seed=5, num_epochs=1)
    b = train_linreg(*data64, seed=5, num_epochs=1)
    c = train_linreg(*data64, seed=6, num_epochs=1)
    assert torch.equal(a.w_history, b.w_history) and a.step_losses == b.step_losses
    assert not torch.equal(a.w_history[0], c.w_history[0])


def test_initial_weights_and_shuffle_come_from_documented_generators(data64):
    X, y = data64
    result = train_linreg(X, y, seed=11, num_epochs=1, init_std=0.5)
    w0 = torch.normal(
        0.0, 0.5, (2, 1), generator=torch.Generator().manual_seed(11), dtype=torch.float64
    )
    assert torch.equal(result.w_history[0], w0)
    assert torch.equal(result.b_history[0], torch.zeros(1, dtype=torch.float64))
    assert shuffle_generator(11).initial_seed() == 11 + SHUFFLE_SEED_OFFSET
    # init_std changes the start, never the batches
    other = train_linreg(X, y, seed=11, num_epochs=1, init_std=0.0)
    assert torch.equal(other.w_history[0], torch.zeros(2, 1, dtype=torch.float64))
    assert other.batch_sizes == result.batch_sizes


def test_init_params():
    w, b = init_params(3, init_std=0.01, seed=0, dtype=torch.float32, requires_grad=True)
    assert w.shape == (3, 1) and b.shape == (1,)
    assert w.requires_grad and b.requires_grad and w.is_leaf
    assert b.item() == 0.0 and w.dtype == torch.float32
    assert float(w.detach().abs().max()) < 0.05  # three draws of N(0, 0.01^2): below 5 sigma


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": 0}, ValueError, "lr must be positive, got 0.0"),
        ({"lr": -0.1}, ValueError, "lr must be positive"),
        ({"lr": float("nan")}, ValueError, "lr must be a finite number, got nan"),
        ({"lr": float("inf")}, ValueError, "lr must be a finite number, got inf"),
        ({"lr": "0.03"}, TypeError, "lr must be a real number, got str"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive whole number, got 0"),
        ({"batch_size": 10.0}, TypeError, "batch_size must be a whole number, got float 10.0"),
        ({"batch_size": True}, TypeError, "batch_size must be a whole number, got bool"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be a positive whole number, got 0"),
        ({"num_epochs": 2.5}, TypeError, "num_epochs must be a whole number"),
        ({"grads": "numeric"}, ValueError, 'grads must be "autograd" or "hand", got \'numeric\''),
        ({"divide_by": "len"}, ValueError, 'divide_by must be "actual", "nominal" or "none"'),
        ({"max_steps": 0}, ValueError, "max_steps must be a positive whole number, got 0"),
        ({"max_steps": 2.0}, TypeError, "max_steps must be a whole number, got float 2.0"),
        ({"zero_grad": 0}, TypeError, "zero_grad must be True or False, got int 0"),
        ({"init_std": -1.0}, ValueError, "init_std must be >= 0, got -1.0"),
        ({"init_std": float("nan")}, ValueError, "init_std must be a finite number"),
        ({"seed": -1}, ValueError, r"seed must be in \[0, 2\*\*63 - 1\), got -1"),
        ({"seed": 1.5}, TypeError, "seed must be a whole number, got float 1.5"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(data64, kwargs, error, message):
    with pytest.raises(error, match=message):
        train_linreg(*data64, **kwargs)


def test_labels_of_shape_n_are_refused_with_the_fix(data64):
    X, y = data64
    with pytest.raises(
        ValueError,
        match=r"labels has shape \(1000,\) but features @ w \+ b has shape \(1000, 1\): "
        r"features @ w \+ b - labels would broadcast to \(1000, 1000\) and silently give a "
        r"wrong loss and gradient; pass labels.reshape\(-1, 1\)",
    ):
        train_linreg(X, y.reshape(-1))


@pytest.mark.parametrize(
    ("features", "labels", "error", "message"),
    [
        (
            torch.ones(5, 2),
            torch.ones(4, 1),
            ValueError,
            r"features @ w \+ b and labels must both have shape \(N, 1\), "
            r"got \(5, 1\) and \(4, 1\)",
        ),
        (torch.ones(5), torch.ones(5, 1), ValueError, "features must be 2-D, got 1-D"),
        (torch.ones(5, 2), torch.ones(5, 2), ValueError, r"got \(5, 1\) and \(5, 2\)$"),
        (torch.ones(5, 2, dtype=torch.int64), torch.ones(5, 1), TypeError, "floating-point"),
        (
            torch.ones(5, 2, dtype=torch.float64),
            torch.ones(5, 1),
            TypeError,
            "features and labels must share one dtype",
        ),
        (
            np.ones((5, 2)),
            np.ones((5, 1)),
            TypeError,
            r"linreg_src.train works on torch tensors, but features is a numpy array; "
            r".*convert with torch.from_numpy",
        ),
        (torch.ones(5, 2), np.ones((5, 1)), TypeError, "arguments mix PyTorch and NumPy"),
        (torch.full((5, 2), float("nan")), torch.ones(5, 1), ValueError, "NaN or infinite"),
        ([[1.0, 2.0]], [[1.0]], TypeError, "features must be a torch.Tensor"),
    ],
)
def test_bad_data_is_refused_with_a_message(features, labels, error, message):
    with pytest.raises(error, match=message):
        train_linreg(features, labels)


def test_divergence_is_reported_with_the_learning_rate():
    X, y = make_data(100, torch.float32)
    with pytest.raises(ValueError, match=r"training diverged in epoch \d+ at step \d+: .*lr = 50"):
        train_linreg(X, y, lr=50.0, num_epochs=100)


def test_init_params_refuses_bad_arguments():
    with pytest.raises(ValueError, match="num_features must be a positive whole number"):
        init_params(0)
    with pytest.raises(TypeError, match=r"dtype must be a floating-point torch\.dtype"):
        init_params(2, dtype=torch.int64)
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        init_params(2, requires_grad=1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        shuffle_generator("0")


# -- the step functions and d2l's plain loop ------------------------------------------------


def test_train_is_the_loop_train_linreg_records(data64):
    # The plain loop and the instrumented one take the same steps from the same start.
    X, y = data64
    for grads in ("autograd", "hand"):
        run = train_linreg(X, y, batch_size=64, num_epochs=2, grads=grads, seed=4)
        w, b = init_params(2, seed=4, dtype=torch.float64, requires_grad=grads == "autograd")
        train(X, y, w, b, lr=0.03, batch_size=64, num_epochs=2, generator=shuffle_generator(4),
              grads=grads)  # fmt: skip
        assert torch.equal(w.detach(), run.w) and torch.equal(b.detach(), run.b)


def test_one_step_each_way_is_the_same_step(data64):
    X, y = data64[0][:10], data64[1][:10]
    w_a, b_a = init_params(2, seed=1, dtype=torch.float64, requires_grad=True)
    w_h, b_h = (t.detach().clone() for t in (w_a, b_a))
    autograd_step(X, y, w_a, b_a, 0.03, 10)
    hand_step(X, y, w_h, b_h, 0.03, 10)
    assert torch.equal(w_a.detach(), w_h) and torch.equal(b_a.detach(), b_h)
    assert w_a.grad.abs().max() == 0  # sgd zeroed it


def test_hand_step_keeps_running_sums_when_asked(data64):
    X, y = data64[0][:10], data64[1][:10]
    w, b = torch.zeros(2, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    sums = [torch.zeros_like(w), torch.zeros_like(b)]
    grad_w, grad_b = squared_loss_grads(X, y, w, b)
    hand_step(X, y, w, b, 0.03, 10, grad_sums=sums)
    assert torch.equal(sums[0], grad_w) and torch.equal(sums[1], grad_b)
    with pytest.raises(ValueError, match=r"grad_sums\[0\] has shape \(2,\) but w has shape"):
        hand_step(X, y, w, b, 0.03, 10, grad_sums=[torch.zeros(2, dtype=torch.float64), sums[1]])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grads": "manual"}, ValueError, r'grads must be "autograd" or "hand", got \'manual'),
        ({"num_epochs": 0}, ValueError, r"num_epochs must be a positive whole number, got 0"),
        ({"generator": 1}, TypeError, r"generator must be a torch.Generator"),
        ({"lr": float("nan")}, ValueError, r"lr must be a finite number, got nan"),
    ],
)
def test_train_refuses_bad_arguments(data64, kwargs, error, match):
    w, b = init_params(2, dtype=torch.float64, requires_grad=True)
    args = {"lr": 0.03, "batch_size": 10, "num_epochs": 1, "generator": torch.Generator()}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train(*data64, w, b, **args)


def test_hand_step_wants_one_running_sum_for_w_and_one_for_b(data64):
    X, y = data64[0][:10], data64[1][:10]
    w, b = torch.zeros(2, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"grad_sums must be \[sum for w, sum for b\], got 1"):
        hand_step(X, y, w, b, 0.03, 10, grad_sums=[torch.zeros_like(w)])
