r"""Optimizers written as their formulas: minibatch SGD (d2l's ``sgd``) and Adam.

SGD divides the gradient of the **summed** batch loss by the batch's size, which turns it into the
mean gradient; pass the size of the batch really used, ``len(y)``: d2l's nominal ``batch_size`` is
wrong for a short last batch (see :func:`linreg_src.data.data_iter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from linreg_src._guard import checked

__all__ = ["ADAM_BETAS", "ADAM_EPS", "adam_update", "sgd", "sgd_update"]

#: Adam's decay rates :math:`(\beta_1, \beta_2)`, PyTorch's defaults, which article 002 keeps.
ADAM_BETAS = (0.9, 0.999)
#: Adam's :math:`\varepsilon`, PyTorch's default.
ADAM_EPS = 1e-8


@checked(backend="any")
def sgd_update(
    params: Sequence[Any], grads: Sequence[Any], lr: float, batch_size: int
) -> None:
    r"""One SGD step in place: ``param -= lr * grad / batch_size``.

    Torch tensors or NumPy arrays; ``grads`` are gradients of the summed batch loss.

    >>> import numpy as np
    >>> w = np.array([[1.0]])
    >>> sgd_update([w], [np.array([[4.0]])], lr=0.5, batch_size=2)
    >>> w
    array([[0.]])
    """
    with torch.no_grad():
        for param, grad in zip(params, grads, strict=True):
            param -= lr * grad / batch_size


@checked
def sgd(
    params: Sequence[torch.Tensor],
    lr: float,
    batch_size: int,
    *,
    zero_grad: bool = True,
) -> None:
    r"""d2l's ``sgd``: :func:`sgd_update` with each ``.grad``, then ``grad.zero_()``.

    ``backward()`` **adds** into ``.grad``; ``zero_grad=False`` shows the pitfall.

    >>> w = torch.tensor([[1.0]], requires_grad=True)
    >>> (3 * w).sum().backward()
    >>> sgd([w], lr=0.1, batch_size=1)
    >>> w.detach(), w.grad
    (tensor([[0.7000]]), tensor([[0.]]))
    """
    sgd_update(params, [param.grad for param in params], lr, batch_size)
    if zero_grad:
        for param in params:
            param.grad.zero_()  # type: ignore[union-attr]


@checked
def adam_update(
    param: torch.Tensor,
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: int,
    *,
    lr: float,
    betas: tuple[float, float] = ADAM_BETAS,
    eps: float = ADAM_EPS,
) -> None:
    r"""Take one Adam step in place: ``param``, ``exp_avg``, ``exp_avg_sq`` change.

    :math:`\theta_t = \theta_{t-1} - \eta\,\hat m_t/(\sqrt{\hat v_t} + \varepsilon)`,
    where :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t` and :math:`v_t = \beta_2
    v_{t-1} + (1-\beta_2)g_t^2` (``exp_avg``, ``exp_avg_sq``, zeros at first) are
    bias-corrected by :math:`1-\beta^t` at ``step`` :math:`t = 1, 2, \dots`

    >>> p, m, v = torch.tensor([1.0]), torch.zeros(1), torch.zeros(1)
    >>> adam_update(p, torch.tensor([-5.0]), m, v, 1, lr=0.1)
    >>> p
    tensor([1.1000])
    """
    beta1, beta2 = betas
    with torch.no_grad():
        exp_avg.mul_(beta1).add_((1 - beta1) * grad)
        exp_avg_sq.mul_(beta2).add_((1 - beta2) * grad * grad)
        m_hat = exp_avg / (1 - beta1**step)
        v_hat = exp_avg_sq / (1 - beta2**step)
        param.sub_(lr * m_hat / (v_hat.sqrt() + eps))
