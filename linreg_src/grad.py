r"""Hand-derived gradients of linear regression in PyTorch: no autograd, no graph.

With :math:`\boldsymbol\delta = \mathbf X\mathbf w + b - \mathbf y` (the chain rule's
upstream gradient :math:`\partial L/\partial\hat{\mathbf y}`) the summed loss
:math:`L = \sum_i \frac12(\delta^{(i)})^2` has :math:`\partial L/\partial\mathbf w =
\mathbf X^\top\boldsymbol\delta` and :math:`\partial L/\partial b = \sum_i\delta^{(i)}`;
the page on the error term derives them. The NumPy twin is :mod:`linreg_src.grad_np`.
"""

from __future__ import annotations

from typing import Literal

import torch

from linreg_src._guard import checked

__all__ = [
    "error_term",
    "mse_loss_grads",
    "squared_loss_grads",
    "weight_grad_by_components",
]


@checked
def error_term(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Error term :math:`\boldsymbol\delta = \hat{\mathbf y} - \mathbf y`, (N, 1), detached.

    >>> error_term(torch.tensor([[-2.1865]]), torch.tensor([[6.0]]))
    tensor([[-8.1865]])
    """
    return (y_hat - y).detach()


@checked
def squared_loss_grads(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    reduction: Literal["sum", "mean"] = "sum",
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of the summed loss, from the formulas: no autograd.

    Weight gradient :math:`\mathbf X^\top\boldsymbol\delta`, (d, 1); bias gradient
    :math:`\sum_i\delta^{(i)}`, shaped like ``b``; ``reduction="mean"`` divides
    both by N.

    >>> X, y = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[6.0]])
    >>> squared_loss_grads(X, y, torch.zeros(3, 1), torch.zeros(1))
    (tensor([[ -6.],
            [-12.],
            [-18.]]), tensor([-6.]))
    """
    with torch.no_grad():  # no graph: these lines are the whole backward pass
        delta = X @ w + b - y  # (N, 1)
        grad_w, grad_b = X.T @ delta, delta.sum().reshape(b.shape)
        if reduction == "mean":  # the mean loss's gradients are 1/N of the sum's
            grad_w, grad_b = grad_w * (1.0 / len(y)), grad_b * (1.0 / len(y))
    return grad_w, grad_b


@checked
def mse_loss_grads(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of ``nn.MSELoss()``: 2/N times the summed-loss gradients.

    >>> X, y = torch.tensor([[1.0], [2.0]]), torch.tensor([[1.0], [1.0]])
    >>> mse_loss_grads(X, y, torch.zeros(1, 1), torch.zeros(1))
    (tensor([[-3.]]), tensor([-2.]))
    """
    grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction="mean")
    return 2 * grad_w, 2 * grad_b


@checked
def weight_grad_by_components(X: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    r"""Component form of the weight gradient, by two loops.

    :math:`\partial L/\partial w_j = \sum_i\delta^{(i)}x^{(i)}_j`, term by term:
    slow on purpose, to hold against ``X.T @ delta``.

    >>> X, delta = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[-2.0]])
    >>> weight_grad_by_components(X, delta)
    tensor([[-2.],
            [-4.],
            [-6.]])
    """
    n, d = X.shape
    grad_w = torch.zeros(d, 1, dtype=X.dtype)
    for j in range(d):
        for i in range(n):
            grad_w[j, 0] += delta[i, 0] * X[i, j]
    return grad_w
