r"""Losses in NumPy; same names and semantics as :mod:`linreg_src.loss`."""

from __future__ import annotations

from typing import Literal

import numpy as np

from linreg_src._guard import checked

__all__ = ["mse_loss", "reduce_loss", "squared_loss"]


@checked
def squared_loss(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Squared loss per example, shape (N, 1).

    :math:`l^{(i)} = \frac12(\hat y^{(i)} - y^{(i)})^2`, one row per example.

    >>> squared_loss(np.array([[180.0]]), np.array([[200.0]]))
    array([[200.]])
    """
    return (y_hat - y) ** 2 / 2


@checked
def mse_loss(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Mean squared error :math:`\frac1N\sum_i(\hat y^{(i)} - y^{(i)})^2`, as ``nn.MSELoss()``.

    >>> float(mse_loss(np.array([[1.0], [3.0]]), np.zeros((2, 1))))
    5.0
    """
    return np.mean((y_hat - y) ** 2)


@checked
def reduce_loss(
    l: np.ndarray, reduction: Literal["sum", "mean"] = "sum"
) -> np.ndarray:
    r"""Reduce losses to :math:`\sum_i l^{(i)}` ("sum") or :math:`\frac1N\sum_i l^{(i)}` ("mean").

    >>> float(reduce_loss(np.array([[1.0], [3.0]]), "mean"))
    2.0
    """
    return np.sum(l) if reduction == "sum" else np.mean(l)
