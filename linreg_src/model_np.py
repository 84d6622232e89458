r"""The linear regression model in NumPy, :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

Same names and semantics as :mod:`linreg_src.model`, for NumPy arrays.
"""

from __future__ import annotations

import numpy as np

from linreg_src._guard import checked

__all__ = ["linreg"]


@checked
def linreg(X: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Predict ``y_hat = X @ w + b``, shape (N, 1).

    Shapes: (N, d) @ (d, 1) + (1,) -> (N, 1).

    >>> linreg(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]), np.array([0.5]))
    array([[11.5]])
    """
    return X @ w + b
