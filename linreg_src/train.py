r"""Training loop of d2l 3.2, on autograd or on the hand-derived gradients (no autograd).

Each step moves the parameters against the mean gradient of one minibatch's summed
loss, :math:`\mathbf w \leftarrow \mathbf w - \frac{\eta}{|\mathcal B|}\mathbf
X_\mathcal B^\top\boldsymbol\delta_\mathcal B` and :math:`b \leftarrow b -
\frac{\eta}{|\mathcal B|}\sum_{i\in\mathcal B}\delta^{(i)}`. :func:`autograd_step` gets the
gradients from ``l.sum().backward()``, :func:`hand_step` from the formulas; both see the
same numbers in the same order, so their trajectories agree bit for bit. :func:`train`
is d2l's loop; :func:`train_linreg` records every step and can switch on the pitfalls
the book demonstrates.

>>> from linreg_src.data import synthetic_data
>>> g = torch.Generator().manual_seed(0)
>>> X, y = synthetic_data(torch.tensor([2.0, -3.4], dtype=torch.float64), 4.2, 1000, generator=g)
>>> auto, hand = train_linreg(X, y, grads="autograd"), train_linreg(X, y, grads="hand")
>>> torch.equal(auto.w_history, hand.w_history), auto.epoch_losses == hand.epoch_losses
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

from linreg_src._guard import checked
from linreg_src.data import data_iter
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.optim import sgd, sgd_update

__all__ = [
    "SHUFFLE_SEED_OFFSET",
    "TrainResult",
    "autograd_step",
    "hand_step",
    "init_params",
    "shuffle_generator",
    "train",
    "train_linreg",
]

Grads = Literal["autograd", "hand"]
DivideBy = Literal["actual", "nominal", "none"]

#: The shuffle is seeded with ``seed + SHUFFLE_SEED_OFFSET``, the initial ``w`` with ``seed``:
#: two generators, so that changing ``init_std`` never changes the batches.
SHUFFLE_SEED_OFFSET = 1


@checked
def init_params(
    num_features: int,
    *,
    init_std: float = 0.01,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    requires_grad: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""d2l's start: ``w`` (d, 1) drawn from N(0, init_std²), ``b = [0]``.

    >>> w, b = init_params(2, dtype=torch.float64)
    >>> w.shape, b
    (torch.Size([2, 1]), tensor([0.], dtype=torch.float64))
    """
    generator = torch.Generator().manual_seed(seed)
    w = torch.normal(
        0.0, init_std, (num_features, 1), generator=generator, dtype=dtype
    )
    b = torch.zeros(1, dtype=dtype)
    return w.requires_grad_(requires_grad), b.requires_grad_(requires_grad)


@checked
def shuffle_generator(seed: int) -> torch.Generator:
    """Return the generator :func:`train_linreg` shuffles with: ``data_iter`` replays its batches.

    >>> shuffle_generator(0).initial_seed()
    1
    """
    return torch.Generator().manual_seed(seed + SHUFFLE_SEED_OFFSET)


@checked(leaves=("w", "b"))
def autograd_step(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    lr: float,
    batch_size: int,
    *,
    zero_grad: bool = True,
) -> None:
    """One step on autograd: forward, ``l.sum().backward()``, ``sgd``."""
    l = squared_loss(linreg(X, w, b), y)  # (B, 1): one loss per example
    l.sum().backward()  # w.grad += X^T delta; b.grad += sum(delta)
    sgd([w, b], lr, batch_size, zero_grad=zero_grad)  # update, then .grad.zero_()


@checked
def hand_step(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    lr: float,
    batch_size: int,
    *,
    grad_sums: list[torch.Tensor] | None = None,
) -> None:
    """One step with the hand formulas: no graph, no ``.grad``."""
    grad_w, grad_b = squared_loss_grads(X, y, w, b)  # X^T delta, sum(delta)
    if grad_sums is not None:  # imitate a forgotten grad.zero_(): keep summing
        grad_w, grad_b = grad_sums[0].add_(grad_w), grad_sums[1].add_(grad_b)
    sgd_update([w, b], [grad_w, grad_b], lr, batch_size)


@checked
def train(
    features: torch.Tensor,
    labels: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    batch_size: int,
    num_epochs: int,
    generator: torch.Generator,
    grads: Grads = "autograd",
) -> None:
    """d2l's training loop: ``num_epochs`` passes of minibatch SGD on ``w``, ``b``."""
    step = autograd_step if grads == "autograd" else hand_step
    for _epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator=generator):
            step(X, y, w, b, lr, len(y))


@dataclass(frozen=True, eq=False)
class TrainResult:
    r"""What a :func:`train_linreg` run learned, and the parameters and losses after every step.

    ``initial_loss``, ``step_losses`` and ``epoch_losses`` are full-data means of
    :math:`\frac12(\hat y - y)^2` (what d2l prints as ``loss``) before training, after each step
    and after each epoch; ``w_history`` (steps + 1, d, 1) and ``b_history`` (steps + 1, 1) hold
    the parameters before the first step and after each one; ``batch_sizes`` each step's
    minibatch size; ``grads``, ``divide_by`` and ``zero_grad`` the switches of the run.
    """

    w: torch.Tensor
    b: torch.Tensor
    initial_loss: float
    epoch_losses: tuple[float, ...]
    step_losses: tuple[float, ...]
    batch_sizes: tuple[int, ...]
    w_history: torch.Tensor
    b_history: torch.Tensor
    grads: Grads
    divide_by: DivideBy
    zero_grad: bool

    @property
    def epoch_curve(self) -> tuple[float, ...]:
        """Full-data loss at epoch 0 (before training), 1, ..., ``num_epochs``."""
        return (self.initial_loss, *self.epoch_losses)


def _mean_loss(features, labels, w, b) -> float:
    with torch.no_grad():
        return float(squared_loss(linreg(features, w, b), labels).mean())


def _loss_after_step(
    features, labels, w, b, *, epoch: int, step: int, lr: float
) -> float:
    finite = bool(torch.isfinite(w).all()) and bool(torch.isfinite(b).all())
    loss = _mean_loss(features, labels, w, b) if finite else math.inf
    if not math.isfinite(loss):
        raise ValueError(
            f"training diverged in epoch {epoch + 1} at step {step}: the loss or a parameter is "
            f"no longer finite; lower the learning rate (lr = {lr})"
        )
    return loss


@checked
def train_linreg(
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    lr: float = 0.03,
    batch_size: int = 10,
    num_epochs: int = 3,
    grads: Grads = "autograd",
    init_std: float = 0.01,
    seed: int = 0,
    divide_by: DivideBy = "actual",
    zero_grad: bool = True,
    max_steps: int | None = None,
) -> TrainResult:
    r"""Train :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b` as :func:`train` does, recording every step.

    The initial ``w`` comes from :func:`init_params` and the shuffle from
    :func:`shuffle_generator`, both seeded by ``seed``. For the pitfalls: ``divide_by`` the
    batch's real size ``"actual"``, the ``"nominal"`` ``batch_size`` (d2l's ``sgd``) or
    ``"none"``; ``zero_grad=False`` forgets ``grad.zero_()``; ``max_steps`` stops early.

    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    >>> result = train_linreg(X, 2 * X + 1, lr=0.1, batch_size=2, num_epochs=200)
    >>> result.batch_sizes[:3], round(float(result.w), 4), round(float(result.b), 4)
    ((2, 2, 1), 2.0, 1.0)
    """  # noqa: E501
    features, labels = features.detach(), labels.detach()
    w, b = init_params(
        features.shape[1],
        init_std=init_std,
        seed=seed,
        dtype=features.dtype,
        requires_grad=grads == "autograd",
    )
    shuffle = shuffle_generator(seed)
    grad_sums = None if zero_grad else [torch.zeros_like(w), torch.zeros_like(b)]
    history = [(w.detach().clone(), b.detach().clone())]
    initial_loss = _mean_loss(features, labels, w, b)
    step_losses: list[float] = []
    batch_sizes: list[int] = []
    epoch_losses: list[float] = []

    for epoch in range(num_epochs):
        if len(batch_sizes) == max_steps:
            break
        for X, y in data_iter(batch_size, features, labels, generator=shuffle):
            divisor = {"actual": len(y), "nominal": batch_size, "none": 1}[
                divide_by
            ]
            if grads == "autograd":
                autograd_step(X, y, w, b, lr, divisor, zero_grad=zero_grad)
            else:
                hand_step(X, y, w, b, lr, divisor, grad_sums=grad_sums)
            history.append((w.detach().clone(), b.detach().clone()))
            batch_sizes.append(len(y))
            step_losses.append(
                _loss_after_step(
                    features,
                    labels,
                    w,
                    b,
                    epoch=epoch,
                    step=len(batch_sizes),
                    lr=lr,
                )
            )
            if len(batch_sizes) == max_steps:
                break
        epoch_losses.append(step_losses[-1])

    return TrainResult(
        w=history[-1][0],
        b=history[-1][1],
        initial_loss=initial_loss,
        epoch_losses=tuple(epoch_losses),
        step_losses=tuple(step_losses),
        batch_sizes=tuple(batch_sizes),
        w_history=torch.stack([h[0] for h in history]),
        b_history=torch.stack([h[1] for h in history]),
        grads=grads,
        divide_by=divide_by,
        zero_grad=zero_grad,
    )
