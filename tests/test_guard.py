"""@checked: arguments checked by the book's names at the edge, trusted inside, results finite."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from linreg_src._guard import check_arguments, check_result, checked, trusted
from linreg_src.data import line_data, synthetic_data
from linreg_src.grad import squared_loss_grads
from linreg_src.model import linreg
from linreg_src.optim import sgd_update
from linreg_src.train import train, train_linreg

calls: list[str] = []


@checked
def _outer(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    calls.append("outer")
    return _inner(X, w, b)


@checked
def _inner(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    calls.append("inner")
    return X @ w + b


def test_a_checked_call_trusts_the_checked_calls_inside_it(monkeypatch):
    seen = []
    real = check_arguments

    def spy(args, **kwargs):
        seen.append(sorted(args))
        return real(args, **kwargs)

    monkeypatch.setattr("linreg_src._guard.check_arguments", spy)
    calls.clear()
    _outer(torch.ones(3, 2), torch.ones(2, 1), torch.zeros(1))
    assert calls == ["outer", "inner"] and seen == [["X", "b", "w"]]  # checked once, at the edge
    _inner(torch.ones(3, 2), torch.ones(2, 1), torch.zeros(1))
    assert len(seen) == 2  # a direct call is checked again


def test_trust_ends_with_the_call_even_when_it_raises():
    with pytest.raises(ZeroDivisionError):
        trusted(lambda: 1 / 0)
    with pytest.raises(ValueError, match=r"w must have shape \(d, 1\)"):
        linreg(torch.ones(3, 2), torch.ones(2), torch.zeros(1))


def test_trusted_skips_every_check_on_purpose():
    # the bare formula: the (N,) labels broadcast to (N, N), the mistake the checks exist for
    grad_w, _ = trusted(squared_loss_grads, torch.ones(3, 2), torch.ones(3), torch.ones(2, 1),
                        torch.zeros(1))  # fmt: skip
    assert grad_w.shape == (2, 3)


def test_scalars_reach_the_function_as_plain_python_numbers():
    seen = {}

    @checked
    def f(lr: float, batch_size: int, seed: int) -> float:
        seen.update(lr=type(lr), batch_size=type(batch_size), seed=type(seed))
        return 0.0

    f(np.float32(0.5), np.int64(3), torch.tensor(7).item())
    assert seen == {"lr": float, "batch_size": int, "seed": int}


def test_an_override_checks_what_a_name_means_in_one_function():
    @checked(w=lambda name, value: value)  # here w is not a (d, 1) column
    def f(w: object, b: torch.Tensor) -> torch.Tensor:
        return b

    assert f("anything", torch.zeros(1)).tolist() == [0.0]


def test_leaves_must_require_grad():
    from linreg_src.train import autograd_step

    X, y = torch.ones(4, 2), torch.ones(4, 1)
    with pytest.raises(ValueError, match=r"w must be a leaf tensor with requires_grad=True"):
        autograd_step(X, y, torch.zeros(2, 1), torch.zeros(1), 0.1, 4)
    with pytest.raises(ValueError, match=r"w must be a leaf tensor with requires_grad=True"):
        train(X, y, torch.zeros(2, 1), torch.zeros(1), lr=0.1, batch_size=2, num_epochs=1,
              generator=torch.Generator())  # fmt: skip


# ---- results: refused where they stop being finite, the culprit named ---------------------------


def test_check_result_names_lr_when_there_is_one():
    with pytest.raises(ValueError, match=r"f: result\[1\] is no longer finite .*\(lr = 3\.0\)"):
        check_result("f", (1.0, math.inf), {"lr": 3.0, "X": torch.ones(1)})


def test_check_result_names_the_largest_argument_otherwise():
    args = {"X": torch.tensor([1e30]), "y": torch.tensor([2.0]), "seed": 3}
    with pytest.raises(
        ValueError, match=r"scale down the largest argument, X \(largest \|X\| = 1e\+30\)"
    ):
        check_result("f", torch.tensor([math.nan]), args)
    check_result("f", (torch.ones(2), np.ones(3), 1.0, "text", None), args)  # all finite


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # issue 13: finite inputs that overflowed with no error
        (
            lambda: squared_loss_grads(
                torch.full((3, 2), 1e30), torch.ones(3, 1), torch.full((2, 1), 1e30), torch.zeros(1)
            ),
            r"squared_loss_grads: result\[0\] holds NaN or infinity .*largest argument, X \(",
        ),
        (
            lambda: synthetic_data(torch.tensor([2.0]), 1e39, 3, generator=torch.Generator()),
            r"synthetic_data: result\[1\] holds NaN or infinity .*"
            r"largest argument, b \(largest \|b\| = 1e\+39\)",
        ),
        (
            lambda: line_data(true_w=1e39, generator=torch.Generator()),
            r"line_data: result\[1\] holds NaN or infinity .*largest argument, true_w",
        ),
        (
            lambda: linreg(torch.full((2, 1), 3e38), torch.full((1, 1), 10.0), torch.zeros(1)),
            r"linreg: result holds NaN or infinity .*largest argument, X \(",
        ),
    ],
)
def test_finite_inputs_that_overflow_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_an_in_place_update_that_overflows_is_undone():
    w, b = torch.tensor([[1.0]]), torch.tensor([3e38])
    with pytest.raises(ValueError, match=r"params\[1\] is no longer finite .*\(lr = 1\.0\)"):
        sgd_update([w, b], [torch.tensor([[1.0]]), torch.tensor([-3e38])], 1.0, 1)
    assert w.tolist() == [[1.0]] and b.tolist() == [pytest.approx(3e38)]


def test_a_diverging_plain_loop_is_refused_and_its_parameters_restored():
    g = torch.Generator().manual_seed(0)
    X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 100, generator=g)
    w, b = torch.zeros(2, 1, requires_grad=True), torch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match=r"train: w is no longer finite .*\(lr = 50\.0\)"):
        train(X, y, w, b, lr=50.0, batch_size=10, num_epochs=100, generator=g)
    assert w.detach().tolist() == [[0.0], [0.0]] and b.detach().tolist() == [0.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        # issue 13: these errors never named the argument or the range it accepts
        ({"lr": 10**400}, r"lr must be a finite number, got an integer of 401 digits"),
        ({"batch_size": 10**30}, r"batch_size must be a whole number in \[1, 2\*\*63 - 1\]"),
        ({"num_epochs": 10**30}, r"num_epochs must be a whole number in \[1, 2\*\*63 - 1\]"),
    ],
)
def test_huge_numbers_are_refused_with_the_accepted_range(kwargs, match):
    X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 20, generator=torch.Generator())
    with pytest.raises(ValueError, match=match):
        train_linreg(X, y, **kwargs)


def test_check_result_reads_numpy_and_integer_results():
    check_result("f", (np.arange(3), np.ones(2)), {"X": np.ones(2)})  # integers are finite
    with pytest.raises(ValueError, match=r"largest argument, X \(largest \|X\| = 5\)"):
        check_result("f", {"a": np.array([np.nan])}, {"X": np.full(2, 5.0), "n": [1, 2]})
