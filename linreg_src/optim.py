r"""Minibatch stochastic gradient descent, as in d2l -- with the batch size that was really used.

One step is :math:`\theta \leftarrow \theta - \frac{\eta}{|\mathcal B|}\,\nabla_\theta L_\mathcal B`
where :math:`L_\mathcal B = \sum_{i\in\mathcal B} l^{(i)}` is the **summed** loss of the batch:
dividing by :math:`|\mathcal B|` turns the summed gradient into the mean gradient. d2l's ``sgd``
divides by the nominal ``batch_size``, which is wrong for a short last batch (see
:func:`linreg_src.data.data_iter`); pass ``len(y)`` of the batch instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from linreg_src._validate import backend_of, check_float_array, check_positive

__all__ = ["sgd", "sgd_update"]


def sgd_update(params: Sequence[Any], grads: Sequence[Any], lr: float, batch_size: int) -> None:
    r"""Update each parameter in place: :math:`\theta \leftarrow \theta - \eta\,g/B`.

    Works on torch tensors (inside ``torch.no_grad()``) and on NumPy arrays, for gradients
    computed by hand (e.g. :func:`linreg_src.grad.squared_loss_grads`) or by autograd.

    Parameters
    ----------
    params : sequence of array
        Parameters, updated in place.
    grads : sequence of array
        Gradients of the **summed** batch loss, each of its parameter's shape.
    lr : float
        Learning rate :math:`\eta > 0`.
    batch_size : int
        :math:`B`, the number of examples the gradients were summed over -- the size of this
        batch, ``len(y)``, not the nominal batch size.

    Raises
    ------
    ValueError
        On ``lr`` or ``batch_size`` not positive, a shape mismatch, or a non-finite gradient.
    TypeError
        On mismatched lengths, libraries or dtypes.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[1.0]])
    >>> sgd_update([w], [np.array([[4.0]])], lr=0.5, batch_size=2)
    >>> w
    array([[0.]])
    """
    lr = float(check_positive("lr", lr))
    batch_size = int(check_positive("batch_size", batch_size, integer=True))
    if len(params) != len(grads):
        raise TypeError(f"got {len(params)} params but {len(grads)} grads; pass one grad per param")
    for k, (param, grad) in enumerate(zip(params, grads, strict=True)):
        backend_of(**{f"params[{k}]": param, f"grads[{k}]": grad})
        check_float_array(f"grads[{k}]", grad, ndim=(0, 1, 2))
        if tuple(param.shape) != tuple(grad.shape):
            raise ValueError(
                f"grads[{k}] has shape {tuple(grad.shape)} but params[{k}] has shape "
                f"{tuple(param.shape)}; a gradient has its parameter's shape"
            )
        if param.dtype != grad.dtype:
            raise TypeError(
                f"grads[{k}] has dtype {grad.dtype} but params[{k}] has dtype {param.dtype}; "
                "a gradient has its parameter's dtype (an in-place update would silently cast "
                "it, or fail for integer parameters)"
            )
    with torch.no_grad():
        for param, grad in zip(params, grads, strict=True):
            param -= lr * grad / batch_size


def sgd(params: Sequence[torch.Tensor], lr: float, batch_size: int) -> None:
    r"""One d2l-style step from the gradients autograd stored in ``.grad``, then zero them.

    Call it right after ``l.sum().backward()``. Zeroing matters: PyTorch **adds** new gradients
    to ``.grad``, so without ``grad.zero_()`` each step would use the sum of all past gradients.

    Parameters
    ----------
    params : sequence of torch.Tensor
        Leaf tensors with ``requires_grad=True`` whose ``.grad`` is set.
    lr : float
        Learning rate.
    batch_size : int
        Size of the batch the loss was summed over: ``len(y)``.

    Raises
    ------
    ValueError
        If a parameter has no gradient yet (``backward()`` was not called), or as
        :func:`sgd_update`.
    TypeError
        If a parameter is not a torch tensor.

    Examples
    --------
    >>> w = torch.tensor([[1.0]], requires_grad=True)
    >>> (3 * w).sum().backward()
    >>> sgd([w], lr=0.1, batch_size=1)
    >>> w.detach(), w.grad
    (tensor([[0.7000]]), tensor([[0.]]))
    """
    for k, param in enumerate(params):
        if not isinstance(param, torch.Tensor):
            raise TypeError(f"params[{k}] must be a torch.Tensor, got {type(param).__name__}")
        if param.grad is None:
            raise ValueError(
                f"params[{k}] has no gradient: call l.sum().backward() before sgd, "
                "and create parameters with requires_grad=True"
            )
    sgd_update(params, [p.grad for p in params], lr, batch_size)
    for param in params:
        param.grad.zero_()  # type: ignore[union-attr]
