r"""Losses in PyTorch: d2l's squared loss and its reductions, and the MSE of ``nn.MSELoss``.

The NumPy twin is :mod:`linreg_src.loss_np`.
"""

from __future__ import annotations

from typing import Literal

import torch

from linreg_src._guard import checked

__all__ = ["mse_loss", "reduce_loss", "squared_loss"]


@checked
def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Squared loss per example, shape (N, 1).

    :math:`l^{(i)} = \frac12(\hat y^{(i)} - y^{(i)})^2`, one row per example.

    >>> squared_loss(torch.tensor([[180.0]]), torch.tensor([[200.0]]))
    tensor([[200.]])
    """
    return (y_hat - y) ** 2 / 2


@checked
def mse_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Mean squared error :math:`\frac1N\sum_i(\hat y^{(i)} - y^{(i)})^2`, as ``nn.MSELoss()``.

    >>> mse_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]]))
    tensor(5.)
    """
    return ((y_hat - y) ** 2).mean()


@checked
def reduce_loss(
    l: torch.Tensor, reduction: Literal["sum", "mean"] = "sum"
) -> torch.Tensor:
    r"""Reduce losses to :math:`\sum_i l^{(i)}` ("sum") or :math:`\frac1N\sum_i l^{(i)}` ("mean").

    >>> reduce_loss(torch.tensor([[1.0], [3.0]]), "mean")
    tensor(2.)
    """
    return l.sum() if reduction == "sum" else l.mean()
