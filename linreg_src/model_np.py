r"""The linear regression model in NumPy: :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

Same names and semantics as :mod:`linreg_src.model`, for NumPy arrays.
"""

from __future__ import annotations

import numpy as np

from linreg_src._validate import check_linreg_args, require_backend

__all__ = ["linreg"]


def linreg(X: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Predict :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

    Shapes: ``X`` (N, d) @ ``w`` (d, 1) gives (N, 1); ``b`` is broadcast to every row.

    Parameters
    ----------
    X : numpy.ndarray, shape (N, d)
        Features, one example per row.
    w : numpy.ndarray, shape (d, 1)
        Weights, a column.
    b : numpy.ndarray, shape (1,) or ()
        Bias.

    Returns
    -------
    numpy.ndarray, shape (N, 1)
        Predictions ``y_hat``.

    Raises
    ------
    TypeError
        If the arguments are not float arrays of one dtype (tensors: use
        :func:`linreg_src.model.linreg`).
    ValueError
        On a wrong shape, NaN or infinity.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> linreg(X, np.array([[1.0], [-1.0]]), np.array([0.5]))
    array([[-0.5],
           [-0.5]])
    """
    require_backend("numpy", "model", X=X, w=w, b=b)
    check_linreg_args(X, w, b)
    return X @ w + b
