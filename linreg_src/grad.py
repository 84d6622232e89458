r"""Hand-derived gradients of linear regression in PyTorch -- no autograd, no graph.

Derivation (the book's chapter on the error term). With
:math:`\hat y^{(i)} = \mathbf x^{(i)}\mathbf w + b` and the summed loss
:math:`L = \sum_{i=1}^N \frac12(\hat y^{(i)} - y^{(i)})^2`:

1. Upstream gradient, one per example:
   :math:`\partial L/\partial \hat y^{(i)} = \hat y^{(i)} - y^{(i)} =: \delta^{(i)}`.
2. Local derivatives of the model: :math:`\partial \hat y^{(i)}/\partial w_j = x^{(i)}_j`,
   :math:`\partial \hat y^{(i)}/\partial b = 1`.
3. Chain rule, summed over the examples that all depend on :math:`w_j`:
   :math:`\partial L/\partial w_j = \sum_i \delta^{(i)} x^{(i)}_j`, i.e.
   :math:`\partial L/\partial\mathbf w = \mathbf X^\top\boldsymbol\delta` -- shapes
   (d, N) @ (N, 1) = (d, 1), the shape of :math:`\mathbf w`;
   :math:`\partial L/\partial b = \sum_i \delta^{(i)}`.

For the mean reduction every gradient is divided by N; for ``nn.MSELoss`` (mean, no
:math:`\frac12`) the upstream gradient is :math:`\frac2N\delta`.
The NumPy twin with the same names is :mod:`linreg_src.grad_np`.
"""

from __future__ import annotations

from typing import Literal

import torch

from linreg_src._validate import (
    check_column_pair,
    check_delta_matches,
    check_linreg_args,
    require_backend,
)

__all__ = ["error_term", "mse_loss_grads", "squared_loss_grads", "weight_grad_by_components"]


def error_term(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Return the error term :math:`\boldsymbol\delta = \hat{\mathbf y} - \mathbf y`, shape (N, 1).

    It is the upstream gradient :math:`\partial L/\partial\hat{\mathbf y}` of the summed
    :math:`\frac12`-squared loss.

    Parameters
    ----------
    y_hat : torch.Tensor, shape (N, 1)
        Predictions.
    y : torch.Tensor, shape (N, 1)
        Labels; shape (N,) is refused (it would broadcast to (N, N)).

    Returns
    -------
    torch.Tensor, shape (N, 1)
        ``delta``, detached from any graph.

    Raises
    ------
    ValueError
        On mismatched shapes, NaN or infinity.
    TypeError
        On non-float data or NumPy arrays (use :func:`linreg_src.grad_np.error_term`).

    Examples
    --------
    >>> error_term(torch.tensor([[-2.1865]]), torch.tensor([[6.0]]))
    tensor([[-8.1865]])
    """
    require_backend("torch", "grad", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return (y_hat - y).detach()


def squared_loss_grads(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    reduction: Literal["sum", "mean"] = "sum",
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of :math:`L = \sum_i \frac12(\hat y^{(i)} - y^{(i)})^2` by the hand formula.

    .. math::

        \boldsymbol\delta = \mathbf X\mathbf w + b - \mathbf y,\qquad
        \frac{\partial L}{\partial \mathbf w} = \mathbf X^\top\boldsymbol\delta,\qquad
        \frac{\partial L}{\partial b} = \sum_{i=1}^N \delta^{(i)} .

    This is exactly what ``squared_loss(linreg(X, w, b), y).sum().backward()`` leaves in
    ``w.grad`` and ``b.grad``. With ``reduction="mean"`` (loss ``.mean()``) both are divided by N.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features.
    y : torch.Tensor, shape (N, 1)
        Labels.
    w : torch.Tensor, shape (d, 1)
        Weights.
    b : torch.Tensor, shape (1,) or ()
        Bias.
    reduction : {"sum", "mean"}
        The reduction of the per-example losses.

    Returns
    -------
    grad_w : torch.Tensor, shape (d, 1)
        :math:`\mathbf X^\top\boldsymbol\delta` (over N for the mean), the shape of ``w``.
    grad_b : torch.Tensor, shape of ``b``
        :math:`\sum_i\delta^{(i)}` (over N for the mean).

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN/inf, or an unknown reduction.
    TypeError
        On mixed libraries, dtypes, or non-float data.

    Examples
    --------
    >>> X = torch.tensor([[1.0, 2.0, 3.0]])
    >>> y = torch.tensor([[6.0]])
    >>> w = torch.zeros(3, 1)
    >>> squared_loss_grads(X, y, w, torch.zeros(1))
    (tensor([[ -6.],
            [-12.],
            [-18.]]), tensor([-6.]))
    """
    require_backend("torch", "grad", X=X, y=y, w=w, b=b)
    n, _ = check_linreg_args(X, w, b)
    if reduction not in ("sum", "mean"):
        raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')
    with torch.no_grad():
        y_hat = X @ w + b
        check_column_pair(y_hat, y, names=("X @ w + b", "y"))
        delta = y_hat - y
        scale = 1.0 if reduction == "sum" else 1.0 / n
        grad_w = X.T @ delta * scale
        grad_b = (delta.sum() * scale).reshape(b.shape)
    return grad_w, grad_b


def mse_loss_grads(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of ``nn.MSELoss()`` :math:`L = \frac1N\sum_i(\hat y^{(i)} - y^{(i)})^2`.

    No :math:`\frac12` and a mean: the upstream gradient is :math:`\frac2N\boldsymbol\delta`, so

    .. math::

        \frac{\partial L}{\partial \mathbf w} = \frac2N\mathbf X^\top\boldsymbol\delta,\qquad
        \frac{\partial L}{\partial b} = \frac2N\sum_{i=1}^N \delta^{(i)} ,

    that is, :math:`2/N` times the summed-:math:`\frac12` gradients.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features.
    y : torch.Tensor, shape (N, 1)
        Labels.
    w : torch.Tensor, shape (d, 1)
        Weights.
    b : torch.Tensor, shape (1,) or ()
        Bias.

    Returns
    -------
    grad_w : torch.Tensor, shape (d, 1)
        :math:`\frac2N\mathbf X^\top\boldsymbol\delta`.
    grad_b : torch.Tensor, shape of ``b``
        :math:`\frac2N\sum_i\delta^{(i)}`.

    Raises
    ------
    ValueError
        On inconsistent shapes or NaN/inf.
    TypeError
        On mixed libraries, dtypes, or non-float data.

    Examples
    --------
    >>> X = torch.tensor([[1.0], [2.0]])
    >>> mse_loss_grads(X, torch.tensor([[1.0], [1.0]]), torch.zeros(1, 1), torch.zeros(1))
    (tensor([[-3.]]), tensor([-2.]))
    """
    grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction="mean")
    return 2 * grad_w, 2 * grad_b


def weight_grad_by_components(X: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    r"""Component form :math:`\partial L/\partial w_j = \sum_i \delta^{(i)} x^{(i)}_j`, by loops.

    Deliberately slow: two Python loops that spell out the sum the matrix product
    :math:`\mathbf X^\top\boldsymbol\delta` performs, so the two forms can be compared.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features.
    delta : torch.Tensor, shape (N, 1)
        Error terms.

    Returns
    -------
    torch.Tensor, shape (d, 1)
        The weight gradient.

    Raises
    ------
    ValueError
        If ``delta`` is not an (N, 1) column matching ``X``'s N rows.
    TypeError
        On mixed libraries or non-float data.

    Examples
    --------
    >>> weight_grad_by_components(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[-2.0]]))
    tensor([[-2.],
            [-4.],
            [-6.]])
    """
    require_backend("torch", "grad", X=X, delta=delta)
    n, d = check_delta_matches(X, delta)
    out = torch.zeros(d, 1, dtype=X.dtype)
    for j in range(d):
        for i in range(n):
            out[j, 0] += delta[i, 0] * X[i, j]
    return out
