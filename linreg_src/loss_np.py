r"""Losses in NumPy; same names and semantics as :mod:`linreg_src.loss`."""

from __future__ import annotations

from typing import Literal

import numpy as np

from linreg_src._validate import check_column_pair, check_float_array, require_backend

__all__ = ["mse_loss", "reduce_loss", "squared_loss"]


def squared_loss(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Per-example squared loss :math:`l^{(i)} = \frac12(\hat y^{(i)} - y^{(i)})^2`.

    Parameters
    ----------
    y_hat : numpy.ndarray, shape (N, 1)
        Predictions.
    y : numpy.ndarray, shape (N, 1)
        Labels; shape (N,) is refused (it would broadcast to (N, N)).

    Returns
    -------
    numpy.ndarray, shape (N, 1)
        One loss per example.

    Raises
    ------
    ValueError
        If the shapes are not two equal (N, 1) columns, or on NaN/inf.
    TypeError
        On non-float data or a tensor (use :func:`linreg_src.loss.squared_loss`).

    Examples
    --------
    >>> squared_loss(np.array([[180.0]]), np.array([[200.0]]))
    array([[200.]])
    """
    require_backend("numpy", "loss", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return (y_hat - y) ** 2 / 2


def mse_loss(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Mean squared error :math:`\frac1N\sum_i(\hat y^{(i)} - y^{(i)})^2`, as ``nn.MSELoss()``.

    Parameters
    ----------
    y_hat : numpy.ndarray, shape (N, 1)
        Predictions.
    y : numpy.ndarray, shape (N, 1)
        Labels.

    Returns
    -------
    numpy.ndarray, shape ()
        The scalar loss.

    Raises
    ------
    ValueError
        If the shapes are not two equal (N, 1) columns, or on NaN/inf.
    TypeError
        On non-float data or a tensor.

    Examples
    --------
    >>> float(mse_loss(np.array([[1.0], [3.0]]), np.zeros((2, 1))))
    5.0
    """
    require_backend("numpy", "loss", y_hat=y_hat, y=y)
    check_column_pair(y_hat, y)
    return np.mean((y_hat - y) ** 2)


def reduce_loss(l: np.ndarray, reduction: Literal["sum", "mean"] = "sum") -> np.ndarray:  # noqa: E741
    r"""Reduce per-example losses to a scalar: ``"sum"`` or ``"mean"`` (= sum / N).

    Parameters
    ----------
    l : numpy.ndarray, shape (N, 1)
        Per-example losses.
    reduction : {"sum", "mean"}
        How to reduce.

    Returns
    -------
    numpy.ndarray, shape ()
        The scalar loss.

    Raises
    ------
    ValueError
        On an unknown reduction, an empty or non-finite ``l``.

    Examples
    --------
    >>> l = np.array([[1.0], [3.0]])
    >>> float(reduce_loss(l, "sum")), float(reduce_loss(l, "mean"))
    (4.0, 2.0)
    """
    require_backend("numpy", "loss", l=l)
    check_float_array("l", l, ndim=(1, 2))
    if reduction == "sum":
        return np.sum(l)
    if reduction == "mean":
        return np.mean(l)
    raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')
