r"""Losses in PyTorch: d2l's per-example squared loss and ``nn.MSELoss``'s mean squared error.

.. math::

    l^{(i)} = \tfrac12\bigl(\hat y^{(i)} - y^{(i)}\bigr)^2, \qquad
    L_\text{sum} = \sum_{i=1}^N l^{(i)}, \qquad
    L_\text{MSE} = \frac1N\sum_{i=1}^N \bigl(\hat y^{(i)} - y^{(i)}\bigr)^2 .

The NumPy twin is :mod:`linreg_src.loss_np`.
"""

from __future__ import annotations

from typing import Literal

import torch

from linreg_src._validate import check_column_pair, check_float_array, require_backend

__all__ = ["mse_loss", "reduce_loss", "squared_loss"]


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Per-example squared loss :math:`l^{(i)} = \frac12(\hat y^{(i)} - y^{(i)})^2`.

    The :math:`\frac12` cancels the 2 that differentiation brings down, so
    :math:`\partial l^{(i)}/\partial \hat y^{(i)} = \hat y^{(i)} - y^{(i)} = \delta^{(i)}`.
    Unlike d2l's version, this does not reshape ``y``: labels of shape (N,) against predictions
    of shape (N, 1) are refused, because the subtraction would broadcast to (N, N).

    Parameters
    ----------
    y_hat : torch.Tensor, shape (N, 1)
        Predictions.
    y : torch.Tensor, shape (N, 1)
        Labels.

    Returns
    -------
    torch.Tensor, shape (N, 1)
        One loss per example (not reduced: call ``.sum()`` or ``.mean()``).

    Raises
    ------
    ValueError
        If the shapes are not two equal (N, 1) columns, or on NaN/inf.
    TypeError
        On non-float data or a NumPy array (use :func:`linreg_src.loss_np.squared_loss`).

    Examples
    --------
    >>> squared_loss(torch.tensor([[180.0]]), torch.tensor([[200.0]]))
    tensor([[200.]])
    """
    require_backend("torch", "loss", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return (y_hat - y) ** 2 / 2


def mse_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Mean squared error :math:`\frac1N\sum_i(\hat y^{(i)} - y^{(i)})^2`, as ``nn.MSELoss()``.

    No :math:`\frac12` and a mean instead of a sum: its gradient with respect to
    :math:`\hat y^{(i)}` is :math:`\frac2N(\hat y^{(i)} - y^{(i)})`.

    Parameters
    ----------
    y_hat : torch.Tensor, shape (N, 1)
        Predictions.
    y : torch.Tensor, shape (N, 1)
        Labels.

    Returns
    -------
    torch.Tensor, shape ()
        The scalar loss.

    Raises
    ------
    ValueError
        If the shapes are not two equal (N, 1) columns, or on NaN/inf.
    TypeError
        On non-float data or a NumPy array.

    Examples
    --------
    >>> mse_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]]))
    tensor(5.)
    """
    require_backend("torch", "loss", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return ((y_hat - y) ** 2).mean()


def reduce_loss(l: torch.Tensor, reduction: Literal["sum", "mean"] = "sum") -> torch.Tensor:  # noqa: E741
    r"""Reduce per-example losses to the scalar that ``backward()`` needs.

    ``"sum"`` gives :math:`L = \sum_i l^{(i)}` (what ``l.sum().backward()`` differentiates);
    ``"mean"`` gives :math:`L/N`, whose gradients are exactly :math:`1/N` of the sum's.

    Parameters
    ----------
    l : torch.Tensor, shape (N, 1)
        Per-example losses, e.g. from :func:`squared_loss`.
    reduction : {"sum", "mean"}
        How to reduce.

    Returns
    -------
    torch.Tensor, shape ()
        The scalar loss.

    Raises
    ------
    ValueError
        On an unknown reduction, an empty or non-finite ``l``.

    Examples
    --------
    >>> l = torch.tensor([[1.0], [3.0]])
    >>> reduce_loss(l, "sum"), reduce_loss(l, "mean")
    (tensor(4.), tensor(2.))
    """
    require_backend("torch", "loss", l=l)
    check_float_array("l", l, ndim=(1, 2))
    if reduction == "sum":
        return l.sum()
    if reduction == "mean":
        return l.mean()
    raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')
