r"""The linear regression model in PyTorch, :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b`.

The NumPy twin is :mod:`linreg_src.model_np`.
"""

from __future__ import annotations

import torch

from linreg_src._guard import checked

__all__ = ["linreg"]


@checked
def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Predict ``y_hat = X @ w + b``, shape (N, 1).

    Shapes: (N, d) @ (d, 1) + (1,) -> (N, 1).

    >>> X, w = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0], [4.0]])
    >>> linreg(X, w, torch.tensor([0.5]))
    tensor([[11.5000]])
    """
    return X @ w + b
