r"""What one gradient step costs: the cost page's three candidates, as calls ready to time.

- ``"autograd"``: d2l's way, the graph of :func:`linreg_src.model.linreg` and
  :func:`linreg_src.loss.squared_loss`, then ``l.sum().backward()``;
- ``"hand"``: the derived formula in PyTorch, no graph, :func:`linreg_src.grad.squared_loss_grads`;
- ``"numpy"``: the same formula in NumPy, :func:`linreg_src.grad_np.squared_loss_grads`.

Each comes checked (the package's functions, arguments checked at the call) or bare (the same
code with every check trusted away by ``trusted``), so what the checks cost is
measured, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from linreg_src import grad, grad_np
from linreg_src._guard import checked, trusted
from linreg_src._validate import describe
from linreg_src.data import minibatches, synthetic_data
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.optim import sgd_update
from linreg_src.train import train

__all__ = [
    "METHODS",
    "Problem",
    "autograd_grads",
    "epoch_calls",
    "make_problem",
    "numpy_epoch",
    "step_calls",
]

#: The three ways of computing the gradient, in the order the chapter shows them.
METHODS = ("autograd", "hand", "numpy")


@dataclass(frozen=True)
class Problem:
    """One batch ``X`` (N, d), ``y`` (N, 1) and a point ``w`` (d, 1), ``b`` (1,), with NumPy views.

    ``w`` and ``b`` are leaves with ``requires_grad=True``; ``X_np`` ... share their memory.
    """

    X: torch.Tensor
    y: torch.Tensor
    w: torch.Tensor
    b: torch.Tensor
    X_np: np.ndarray
    y_np: np.ndarray
    w_np: np.ndarray
    b_np: np.ndarray


@checked
def make_problem(
    n: int, d: int, *, dtype: torch.dtype = torch.float32, seed: int = 0
) -> Problem:
    """Draw d2l's synthetic data, N examples and d features, and start at ``w = 0, b = 0``.

    The true weights are d2l's ``[2, -3.4]`` for d = 2 and ``1, -1, 1, ...`` otherwise.

    >>> p = make_problem(10, 2)
    >>> p.X.shape, p.y.shape, p.w.shape, p.b.shape, p.X_np.shape
    (torch.Size([10, 2]), torch.Size([10, 1]), torch.Size([2, 1]), torch.Size([1]), (10, 2))
    """
    if d == 2:
        true_w = torch.tensor([2.0, -3.4], dtype=dtype)
    else:
        true_w = torch.tensor([(-1.0) ** j for j in range(d)], dtype=dtype)
    X, y = synthetic_data(
        true_w, 4.2, n, generator=torch.Generator().manual_seed(seed)
    )
    w = torch.zeros(d, 1, dtype=dtype, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    return Problem(
        X, y, w, b, X.numpy(), y.numpy(), w.detach().numpy(), b.detach().numpy()
    )


@checked(leaves=("w", "b"))
def autograd_grads(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the gradients the d2l way: forward with the graph, then ``l.sum().backward()``.

    >>> p = make_problem(5, 2)
    >>> gw, gb = autograd_grads(p.X, p.y, p.w, p.b)
    >>> torch.allclose(gw, grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())[0])
    True
    """
    w.grad = b.grad = None  # a fresh gradient each call, not a sum
    squared_loss(linreg(X, w, b), y).sum().backward()
    return w.grad, b.grad


def _problem(name: str, value: Any) -> Problem:
    if not isinstance(value, Problem):
        raise TypeError(
            f"{name} must be a Problem from make_problem(n, d), got {describe(value)}"
        )
    return value


@checked(problem=_problem)
def step_calls(
    problem: Problem, *, checked: bool = True
) -> dict[str, Callable[[], Any]]:
    """Return one zero-argument gradient call per method of :data:`METHODS`, bound to ``problem``.

    >>> calls = step_calls(make_problem(4, 2), checked=False)
    >>> g_torch, g_numpy = calls["hand"](), calls["numpy"]()
    >>> all(np.allclose(a.numpy(), b) for a, b in zip(g_torch, g_numpy))
    True
    """
    p = problem
    w, b = p.w.detach(), p.b.detach()
    if checked:
        return {
            "autograd": lambda: autograd_grads(p.X, p.y, p.w, p.b),
            "hand": lambda: grad.squared_loss_grads(p.X, p.y, w, b),
            "numpy": lambda: grad_np.squared_loss_grads(
                p.X_np, p.y_np, p.w_np, p.b_np
            ),
        }
    return {
        "autograd": lambda: trusted(autograd_grads, p.X, p.y, p.w, p.b),
        "hand": lambda: trusted(grad.squared_loss_grads, p.X, p.y, w, b),
        "numpy": lambda: trusted(
            grad_np.squared_loss_grads, p.X_np, p.y_np, p.w_np, p.b_np
        ),
    }


def _rng(name: str, value: Any) -> np.random.Generator:
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (np.random.default_rng(0)), "
            f"got {describe(value)}"
        )
    return value


@checked(backend="numpy", rng=_rng)
def numpy_epoch(
    features: np.ndarray,
    labels: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
) -> None:
    """One epoch of :func:`linreg_src.train.train`'s loop in NumPy: shuffle, slice, hand step."""
    for X, y in minibatches(
        batch_size, features, labels, rng.permutation(len(features))
    ):
        sgd_update([w, b], list(grad_np.squared_loss_grads(X, y, w, b)), lr, len(y))


@checked(problem=_problem)
def epoch_calls(
    problem: Problem, *, lr: float, batch_size: int
) -> dict[str, Callable[[], Any]]:
    """Return one zero-argument epoch per method, each training its own copy of ``(w, b)``.

    >>> calls = epoch_calls(make_problem(25, 2), lr=0.03, batch_size=10)
    >>> sorted(calls)
    ['autograd', 'hand', 'numpy']
    """
    p = problem
    w_a, b_a = (t.detach().clone().requires_grad_() for t in (p.w, p.b))
    w_h, b_h = p.w.detach().clone(), p.b.detach().clone()
    w_n, b_n = p.w_np.copy(), p.b_np.copy()
    g_a, g_h = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    rng = np.random.default_rng(1)
    kw = {"lr": lr, "batch_size": batch_size}
    return {
        "autograd": lambda: train(
            p.X, p.y, w_a, b_a, num_epochs=1, generator=g_a, **kw
        ),
        "hand": lambda: train(
            p.X, p.y, w_h, b_h, num_epochs=1, generator=g_h, grads="hand", **kw
        ),
        "numpy": lambda: numpy_epoch(p.X_np, p.y_np, w_n, b_n, rng=rng, **kw),
    }
