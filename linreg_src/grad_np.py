r"""Hand-derived gradients of linear regression in NumPy; same names as :mod:`linreg_src.grad`.

NumPy has no autograd: these formulas are the only way to get the gradients here.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from linreg_src._guard import checked

__all__ = [
    "error_term",
    "mse_loss_grads",
    "squared_loss_grads",
    "weight_grad_by_components",
]


@checked
def error_term(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Error term :math:`\boldsymbol\delta = \hat{\mathbf y} - \mathbf y`, (N, 1).

    >>> error_term(np.array([[-2.1865]]), np.array([[6.0]]))
    array([[-8.1865]])
    """
    return y_hat - y


@checked
def squared_loss_grads(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    reduction: Literal["sum", "mean"] = "sum",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of the summed loss, from the formulas: no autograd.

    Weight gradient :math:`\mathbf X^\top\boldsymbol\delta`, (d, 1); bias gradient
    :math:`\sum_i\delta^{(i)}`, shaped like ``b``; ``reduction="mean"`` divides
    both by N.

    >>> X, y = np.array([[1.0, 2.0, 3.0]]), np.array([[6.0]])
    >>> squared_loss_grads(X, y, np.zeros((3, 1)), np.zeros(1))
    (array([[ -6.],
           [-12.],
           [-18.]]), array([-6.]))
    """
    delta = X @ w + b - y  # (N, 1)
    grad_w, grad_b = X.T @ delta, delta.sum().reshape(b.shape)
    if reduction == "mean":  # the mean loss's gradients are 1/N of the sum's
        grad_w, grad_b = grad_w * (1.0 / len(y)), grad_b * (1.0 / len(y))
    return grad_w, grad_b


@checked
def mse_loss_grads(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of ``nn.MSELoss()``: :math:`\frac2N` times the summed-loss gradients.

    >>> X = np.array([[1.0], [2.0]])
    >>> mse_loss_grads(X, np.ones((2, 1)), np.zeros((1, 1)), np.zeros(1))
    (array([[-3.]]), array([-2.]))
    """
    grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction="mean")
    return 2 * grad_w, 2 * grad_b


@checked
def weight_grad_by_components(X: np.ndarray, delta: np.ndarray) -> np.ndarray:
    r"""Component form of the weight gradient, by two loops.

    :math:`\partial L/\partial w_j = \sum_i\delta^{(i)}x^{(i)}_j`, term by term:
    slow on purpose, to hold against ``X.T @ delta``.

    >>> X, delta = np.array([[1.0, 2.0, 3.0]]), np.array([[-2.0]])
    >>> weight_grad_by_components(X, delta)
    array([[-2.],
           [-4.],
           [-6.]])
    """
    n, d = X.shape
    grad_w = np.zeros((d, 1), dtype=X.dtype)
    for j in range(d):
        for i in range(n):
            grad_w[j, 0] += delta[i, 0] * X[i, j]
    return grad_w
