r"""The linear regression model in PyTorch: :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

The NumPy twin with the same names and semantics is :mod:`linreg_src.model_np`.
"""

from __future__ import annotations

import torch

from linreg_src._validate import check_linreg_args, require_backend

__all__ = ["linreg"]


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Predict :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

    Shapes: ``X`` (N, d) @ ``w`` (d, 1) gives (N, 1); ``b`` (shape (1,)) is broadcast and added
    to every row, so row *i* is :math:`\hat y^{(i)} = \mathbf x^{(i)}\mathbf w + b`.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features, one example per row.
    w : torch.Tensor, shape (d, 1)
        Weights, a column.
    b : torch.Tensor, shape (1,) or ()
        Bias.

    Returns
    -------
    torch.Tensor, shape (N, 1)
        Predictions ``y_hat``; part of the autograd graph when ``w`` or ``b`` require grad.

    Raises
    ------
    TypeError
        If the arguments are not float tensors of one dtype (NumPy arrays: use
        :func:`linreg_src.model_np.linreg`).
    ValueError
        On a wrong shape, NaN or infinity.

    Examples
    --------
    >>> X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> linreg(X, torch.tensor([[1.0], [-1.0]]), torch.tensor([0.5]))
    tensor([[-0.5000],
            [-0.5000]])
    """
    require_backend("torch", "model", X=X, w=w, b=b)
    check_linreg_args(X, w, b)
    return torch.matmul(X, w) + b
