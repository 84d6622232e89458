r"""Hand-derived gradients of linear regression in NumPy; same names as :mod:`linreg_src.grad`.

NumPy has no autograd: the formulas derived in :mod:`linreg_src.grad` are the only way to get
the gradients here, and they are the same three lines --
:math:`\boldsymbol\delta = \mathbf X\mathbf w + b - \mathbf y`,
:math:`\partial L/\partial\mathbf w = \mathbf X^\top\boldsymbol\delta`,
:math:`\partial L/\partial b = \sum_i\delta^{(i)}`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from linreg_src._validate import (
    check_column_pair,
    check_delta_matches,
    check_linreg_args,
    require_backend,
)

__all__ = ["error_term", "mse_loss_grads", "squared_loss_grads", "weight_grad_by_components"]


def error_term(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Return the error term :math:`\boldsymbol\delta = \hat{\mathbf y} - \mathbf y`, shape (N, 1).

    Parameters
    ----------
    y_hat : numpy.ndarray, shape (N, 1)
        Predictions.
    y : numpy.ndarray, shape (N, 1)
        Labels; shape (N,) is refused (it would broadcast to (N, N)).

    Returns
    -------
    numpy.ndarray, shape (N, 1)
        ``delta``.

    Raises
    ------
    ValueError
        On mismatched shapes, NaN or infinity.
    TypeError
        On non-float data or tensors (use :func:`linreg_src.grad.error_term`).

    Examples
    --------
    >>> error_term(np.array([[-2.1865]]), np.array([[6.0]]))
    array([[-8.1865]])
    """
    require_backend("numpy", "grad", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return y_hat - y


def squared_loss_grads(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    *,
    reduction: Literal["sum", "mean"] = "sum",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :math:`L = \sum_i \frac12(\hat y^{(i)} - y^{(i)})^2`: :math:`(\mathbf X^\top\boldsymbol\delta, \sum_i\delta^{(i)})`.

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        Features.
    y : numpy.ndarray, shape (N, 1)
        Labels.
    w : numpy.ndarray, shape (d, 1)
        Weights.
    b : numpy.ndarray, shape (1,) or ()
        Bias.
    reduction : {"sum", "mean"}
        The reduction of the per-example losses (``"mean"`` divides both by N).

    Returns
    -------
    grad_w : numpy.ndarray, shape (d, 1)
        :math:`\mathbf X^\top\boldsymbol\delta`.
    grad_b : numpy.ndarray, shape of ``b``
        :math:`\sum_i\delta^{(i)}`.

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN/inf, or an unknown reduction.
    TypeError
        On mixed libraries, dtypes, or non-float data.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0, 3.0]])
    >>> squared_loss_grads(X, np.array([[6.0]]), np.zeros((3, 1)), np.zeros(1))
    (array([[ -6.],
           [-12.],
           [-18.]]), array([-6.]))
    """  # noqa: E501
    require_backend("numpy", "grad", X=X, y=y, w=w, b=b)
    n, _ = check_linreg_args(X, w, b)
    if reduction not in ("sum", "mean"):
        raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')
    y_hat = X @ w + b
    check_column_pair(y_hat, y, names=("X @ w + b", "y"))
    delta = y_hat - y
    scale = 1.0 if reduction == "sum" else 1.0 / n
    return X.T @ delta * scale, (delta.sum() * scale).reshape(b.shape)


def mse_loss_grads(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of ``nn.MSELoss()``: :math:`(\frac2N\mathbf X^\top\boldsymbol\delta, \frac2N\sum_i\delta^{(i)})`.

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        Features.
    y : numpy.ndarray, shape (N, 1)
        Labels.
    w : numpy.ndarray, shape (d, 1)
        Weights.
    b : numpy.ndarray, shape (1,) or ()
        Bias.

    Returns
    -------
    grad_w : numpy.ndarray, shape (d, 1)
        :math:`\frac2N\mathbf X^\top\boldsymbol\delta`.
    grad_b : numpy.ndarray, shape of ``b``
        :math:`\frac2N\sum_i\delta^{(i)}`.

    Raises
    ------
    ValueError
        On inconsistent shapes or NaN/inf.
    TypeError
        On mixed libraries, dtypes, or non-float data.

    Examples
    --------
    >>> X = np.array([[1.0], [2.0]])
    >>> mse_loss_grads(X, np.ones((2, 1)), np.zeros((1, 1)), np.zeros(1))
    (array([[-3.]]), array([-2.]))
    """  # noqa: E501
    grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction="mean")
    return 2 * grad_w, 2 * grad_b


def weight_grad_by_components(X: np.ndarray, delta: np.ndarray) -> np.ndarray:
    r"""Component form :math:`\partial L/\partial w_j = \sum_i \delta^{(i)} x^{(i)}_j`, by loops.

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        Features.
    delta : numpy.ndarray, shape (N, 1)
        Error terms.

    Returns
    -------
    numpy.ndarray, shape (d, 1)
        The weight gradient.

    Raises
    ------
    ValueError
        If ``delta`` is not an (N, 1) column matching ``X``.
    TypeError
        On mixed libraries or non-float data.

    Examples
    --------
    >>> weight_grad_by_components(np.array([[1.0, 2.0, 3.0]]), np.array([[-2.0]]))
    array([[-2.],
           [-4.],
           [-6.]])
    """
    require_backend("numpy", "grad", X=X, delta=delta)
    n, d = check_delta_matches(X, delta)
    out = np.zeros((d, 1), dtype=X.dtype)
    for j in range(d):
        for i in range(n):
            out[j, 0] += delta[i, 0] * X[i, j]
    return out
