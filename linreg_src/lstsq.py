r"""The closed-form least-squares solution: where every gradient-descent loop should end up.

Minimising :math:`\sum_i(\mathbf x^{(i)}\mathbf w + b - y^{(i)})^2` sets both gradients to zero,
:math:`\mathbf X^\top\boldsymbol\delta = 0` and :math:`\sum_i\delta^{(i)} = 0` -- the normal
equations of the augmented matrix :math:`[\mathbf X, \mathbf 1]`. We solve them with a
numerically stable least-squares routine rather than by inverting :math:`\mathbf X^\top\mathbf X`.
"""

from __future__ import annotations

import torch

from linreg_src._validate import check_column_pair, check_float_array, require_backend

__all__ = ["least_squares"]


def least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Return the ``(w, b)`` minimising :math:`\|\mathbf X\mathbf w + b - \mathbf y\|^2`.

    Computed in float64 with :func:`torch.linalg.lstsq` on :math:`[\mathbf X, \mathbf 1]`, and
    returned in ``X``'s dtype.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features; N >= d + 1 for a unique answer.
    y : torch.Tensor, shape (N, 1)
        Labels.

    Returns
    -------
    w : torch.Tensor, shape (d, 1)
        Optimal weights.
    b : torch.Tensor, shape (1,)
        Optimal bias.

    Raises
    ------
    ValueError
        On mismatched shapes, NaN/inf, or fewer than d + 1 examples.
    TypeError
        On non-float data or NumPy arrays.

    Examples
    --------
    >>> X = torch.tensor([[0.0], [1.0], [2.0]])
    >>> w, b = least_squares(X, 2 * X + 1)
    >>> round(float(w), 6), round(float(b), 6)
    (2.0, 1.0)
    """
    require_backend("torch", "lstsq", X=X, y=y)
    check_float_array("X", X, ndim=2)
    check_column_pair(X[:, :1], y, names=("X[:, :1]", "y"))
    n, d = X.shape
    if n < d + 1:
        raise ValueError(
            f"least squares with a bias needs at least d + 1 = {d + 1} examples, got N = {n}"
        )
    A = torch.cat([X.double(), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(A, y.double(), driver="gelsd").solution
    return solution[:d].to(X.dtype), solution[d:].reshape(1).to(X.dtype)
