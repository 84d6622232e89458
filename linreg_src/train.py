r"""Training loop of d2l 3.2 -- on autograd, or on the hand-derived gradients with no autograd.

Each step takes one minibatch :math:`\mathcal B` and moves the parameters against the **mean**
gradient of its summed loss :math:`L_\mathcal B = \sum_{i\in\mathcal B}\frac12\delta_i^2`:

.. math::

    \mathbf w \leftarrow \mathbf w - \frac{\eta}{|\mathcal B|}\,\mathbf X_\mathcal B^\top
    \boldsymbol\delta_\mathcal B,\qquad
    b \leftarrow b - \frac{\eta}{|\mathcal B|}\sum_{i\in\mathcal B}\delta_i .

``grads="autograd"`` gets :math:`\mathbf X^\top\boldsymbol\delta` and :math:`\sum\delta_i` from
``l.sum().backward()`` (and :func:`linreg_src.optim.sgd`); ``grads="hand"`` computes them with
:func:`linreg_src.grad.squared_loss_grads` under ``torch.no_grad()`` and steps with
:func:`linreg_src.optim.sgd_update`. Both draw the same initial ``w`` and the same minibatches
from the seed, so they follow the same trajectory -- bit for bit, in float32 and float64, because
both evaluate the same formulas in the same order.

Three pitfalls can be switched on for demonstration: ``divide_by="nominal"`` divides the short
last batch's gradient by the nominal ``batch_size`` (as d2l's ``sgd`` does), ``divide_by="none"``
forgets the division altogether (the step uses the summed gradient: the learning rate grows
``len(y)``-fold), and ``zero_grad=False`` forgets ``grad.zero_()``, so that every step uses the
sum of all gradients so far.

Examples
--------
>>> from linreg_src.data import synthetic_data
>>> g = torch.Generator().manual_seed(0)
>>> X, y = synthetic_data(torch.tensor([2.0, -3.4], dtype=torch.float64), 4.2, 1000, generator=g)
>>> auto = train_linreg(X, y, grads="autograd")
>>> hand = train_linreg(X, y, grads="hand")
>>> torch.equal(auto.w_history, hand.w_history), auto.epoch_losses == hand.epoch_losses
(True, True)
>>> [round(float(v), 2) for v in auto.w.flatten()], round(float(auto.b), 2)
([2.0, -3.4], 4.2)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import torch

from linreg_src._validate import (
    backend_of,
    check_float_array,
    check_positive,
    check_real_scalar,
    describe,
)
from linreg_src.data import data_iter
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.optim import sgd, sgd_update

__all__ = ["TrainResult", "init_params", "shuffle_generator", "train_linreg"]

Grads = Literal["autograd", "hand"]
DivideBy = Literal["actual", "nominal", "none"]

#: The minibatch shuffle is seeded with ``seed + SHUFFLE_SEED_OFFSET``, the initial ``w`` with
#: ``seed``: two generators, so that changing ``init_std`` never changes the batches.
SHUFFLE_SEED_OFFSET = 1
_MAX_SEED = 2**63 - 1


@dataclass(frozen=True, eq=False)
class TrainResult:
    r"""What a training run learned and how it got there.

    Attributes
    ----------
    w : torch.Tensor
        Learned weights, shape (d, 1), detached.
    b : torch.Tensor
        Learned bias, shape (1,), detached.
    initial_loss : float
        Full-data loss before the first step.
    epoch_losses : tuple of float
        Full-data loss after each epoch: the mean over all N examples of
        :math:`\frac12(\hat y^{(i)} - y^{(i)})^2`, the number d2l prints as ``loss``.
    step_losses : tuple of float
        Full-data loss after each step (one per minibatch).
    batch_sizes : tuple of int
        Size of each step's minibatch; the last one of an epoch may be short.
    w_history : torch.Tensor
        ``w`` before the first step and after every step, shape (steps + 1, d, 1).
    b_history : torch.Tensor
        ``b`` likewise, shape (steps + 1, 1).
    grads : str
        Where the gradients came from: ``"autograd"`` or ``"hand"``.
    divide_by : str
        ``"actual"`` if each step divided by the batch's real size, ``"nominal"`` if by the
        nominal ``batch_size``, ``"none"`` if not at all.
    zero_grad : bool
        Whether gradients were reset after each step (``False`` only to show the pitfall).
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


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number, got {describe(seed)}")
    if not 0 <= seed < _MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**63 - 1), got {seed}")
    return int(seed)


def shuffle_generator(seed: int) -> torch.Generator:
    """Return the generator that :func:`train_linreg` shuffles the minibatches with.

    Pass it to :func:`linreg_src.data.data_iter` once per epoch to replay a run's batches.

    Parameters
    ----------
    seed : int
        The run's seed, in [0, 2**63 - 1).

    Returns
    -------
    torch.Generator
        Seeded with ``seed + SHUFFLE_SEED_OFFSET``.

    Raises
    ------
    TypeError
        If ``seed`` is not a whole number.
    ValueError
        If ``seed`` is out of range.

    Examples
    --------
    >>> shuffle_generator(0).initial_seed()
    1
    """
    return torch.Generator().manual_seed(_check_seed(seed) + SHUFFLE_SEED_OFFSET)


def init_params(
    num_features: int,
    *,
    init_std: float = 0.01,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    requires_grad: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""d2l's initialisation: :math:`\mathbf w \sim \mathcal N(0, \sigma^2)` of shape (d, 1), b = 0.

    Parameters
    ----------
    num_features : int
        d, the number of features.
    init_std : float, default 0.01
        :math:`\sigma`, the standard deviation of the initial weights (0 gives zeros).
    seed : int, default 0
        Seed of the ``torch.Generator`` the weights are drawn from.
    dtype : torch.dtype, default torch.float32
        Floating-point dtype of both parameters.
    requires_grad : bool, default False
        ``True`` to make them autograd leaves (``l.sum().backward()`` fills their ``.grad``).

    Returns
    -------
    w : torch.Tensor, shape (d, 1)
        Initial weights.
    b : torch.Tensor, shape (1,)
        Initial bias, zero.

    Raises
    ------
    TypeError
        On a non-integer ``num_features`` or ``seed``, a non-float ``dtype``, or a non-bool
        ``requires_grad``.
    ValueError
        On ``num_features <= 0``, a negative or non-finite ``init_std``, or a seed out of range.

    Examples
    --------
    >>> w, b = init_params(2, seed=0, dtype=torch.float64)
    >>> w.shape, b
    (torch.Size([2, 1]), tensor([0.], dtype=torch.float64))
    """
    num_features = int(check_positive("num_features", num_features, integer=True))
    init_std = check_real_scalar("init_std", init_std)
    if init_std < 0:
        raise ValueError(f"init_std must be >= 0, got {init_std}")
    seed = _check_seed(seed)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {describe(dtype)}")
    if not isinstance(requires_grad, bool):
        raise TypeError(f"requires_grad must be True or False, got {describe(requires_grad)}")
    generator = torch.Generator().manual_seed(seed)
    w = torch.normal(0.0, init_std, (num_features, 1), generator=generator, dtype=dtype)
    b = torch.zeros(1, dtype=dtype)
    return w.requires_grad_(requires_grad), b.requires_grad_(requires_grad)


def _autograd_step(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    divisor: int,
    zero_grad: bool,
) -> None:
    """One step on autograd: forward, ``l.sum().backward()``, ``sgd``."""
    l = squared_loss(linreg(X, w, b), y)  # (B, 1): one loss per example
    l.sum().backward()  # w.grad += X^T delta; b.grad += sum(delta)
    if zero_grad:
        sgd([w, b], lr, divisor)  # step, then .grad.zero_()
    else:  # pitfall: .grad keeps summing every gradient
        sgd_update([w, b], [w.grad, b.grad], lr, divisor)


def _hand_step(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    divisor: int,
    grad_sums: list[torch.Tensor] | None,
) -> None:
    """One step with the hand formulas: no graph, no ``.grad``."""
    grad_w, grad_b = squared_loss_grads(X, y, w, b)  # X^T delta, sum(delta)
    if grad_sums is not None:  # imitate a forgotten grad.zero_()
        grad_sums[0] += grad_w
        grad_sums[1] += grad_b
        grad_w, grad_b = grad_sums
    sgd_update([w, b], [grad_w, grad_b], lr, divisor)


def _mean_loss(
    features: torch.Tensor, labels: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> float:
    with torch.no_grad():
        return float(squared_loss(linreg(features, w, b), labels).mean())


def _check_data(features: object, labels: object) -> None:
    if backend_of(features=features, labels=labels) != "torch":
        raise TypeError(
            "train_linreg trains on torch tensors (autograd needs them), got NumPy arrays; "
            "convert them with torch.from_numpy"
        )
    check_float_array("features", features, ndim=2)
    check_float_array("labels", labels, ndim=(1, 2))
    n, d = (int(s) for s in features.shape)  # type: ignore[union-attr]
    shape = tuple(labels.shape)  # type: ignore[union-attr]
    if shape != (n, 1):
        hint = "; make it a column with labels.reshape(-1, 1)" if shape == (n,) else ""
        raise ValueError(
            f"labels must have shape (N, 1) = ({n}, 1) to match features of shape {(n, d)}, "
            f"got {shape}{hint}"
        )
    if features.dtype != labels.dtype:  # type: ignore[union-attr]
        raise TypeError(
            f"features and labels must share one dtype, got {features.dtype} and "  # type: ignore[union-attr]
            f"{labels.dtype}"  # type: ignore[union-attr]
        )


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
    r"""Train :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b` by minibatch SGD, as in d2l 3.2.

    Initial parameters come from :func:`init_params` (``seed``), the batches from
    :func:`linreg_src.data.data_iter` with :func:`shuffle_generator` (``seed``), so two runs with
    the same arguments -- and an autograd and a hand run -- see the same numbers. Training runs
    in the dtype of ``features``.

    Parameters
    ----------
    features : torch.Tensor, shape (N, d)
        All features.
    labels : torch.Tensor, shape (N, 1)
        All labels, same dtype.
    lr : float, default 0.03
        Learning rate :math:`\eta > 0`.
    batch_size : int, default 10
        Nominal minibatch size; the last batch of an epoch is short when N is not a multiple.
    num_epochs : int, default 3
        Passes over the data.
    grads : {"autograd", "hand"}, default "autograd"
        ``"autograd"``: ``l.sum().backward()`` + :func:`linreg_src.optim.sgd`; ``"hand"``:
        :func:`linreg_src.grad.squared_loss_grads` + :func:`linreg_src.optim.sgd_update`,
        under ``torch.no_grad()``.
    init_std : float, default 0.01
        Standard deviation of the initial weights.
    seed : int, default 0
        Seed of the initial weights and of the shuffle.
    divide_by : {"actual", "nominal", "none"}, default "actual"
        Divide each summed gradient by the batch's real size ``len(y)`` (the mean gradient),
        by the nominal ``batch_size`` as d2l's ``sgd`` does -- too small a step on a short
        last batch -- or not at all (the forgotten division).
    zero_grad : bool, default True
        ``False`` forgets ``grad.zero_()``: every step then uses the sum of all gradients so far
        (the hand run keeps the same running sum). For the pitfall only.
    max_steps : int, optional
        Stop after this many steps, even inside an epoch (whose loss is then the loss after
        that last step); ``num_epochs`` still bounds the run.

    Returns
    -------
    TrainResult
        Learned ``w`` and ``b``, the loss per epoch and per step, the parameters after every
        step.

    Raises
    ------
    TypeError
        On NumPy arrays, non-float data, mismatched dtypes, a non-integer ``batch_size``,
        ``num_epochs`` or ``seed``, or a non-bool ``zero_grad``.
    ValueError
        On wrong shapes, NaN/inf in the data, a non-positive or non-finite ``lr``, a
        non-positive ``batch_size`` or ``num_epochs``, an unknown ``grads`` or ``divide_by``,
        a negative ``init_std``, or when training diverges (parameters or loss not finite).

    Examples
    --------
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    >>> result = train_linreg(X, 2 * X + 1, lr=0.1, batch_size=2, num_epochs=200)
    >>> result.batch_sizes[:3], len(result.epoch_losses)
    ((2, 2, 1), 200)
    >>> round(float(result.w), 4), round(float(result.b), 4)
    (2.0, 1.0)
    """
    _check_data(features, labels)
    lr = float(check_positive("lr", lr))
    batch_size = int(check_positive("batch_size", batch_size, integer=True))
    num_epochs = int(check_positive("num_epochs", num_epochs, integer=True))
    if grads not in ("autograd", "hand"):
        raise ValueError(f'grads must be "autograd" or "hand", got {grads!r}')
    if divide_by not in ("actual", "nominal", "none"):
        raise ValueError(f'divide_by must be "actual", "nominal" or "none", got {divide_by!r}')
    if max_steps is not None:
        max_steps = int(check_positive("max_steps", max_steps, integer=True))
    if not isinstance(zero_grad, bool):
        raise TypeError(f"zero_grad must be True or False, got {describe(zero_grad)}")
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
            divisor = {"actual": len(y), "nominal": batch_size, "none": 1}[divide_by]
            if grads == "autograd":
                _autograd_step(X, y, w, b, lr=lr, divisor=divisor, zero_grad=zero_grad)
            else:
                with torch.no_grad():  # no graph: the hand run needs no autograd
                    _hand_step(X, y, w, b, lr=lr, divisor=divisor, grad_sums=grad_sums)
            history.append((w.detach().clone(), b.detach().clone()))
            batch_sizes.append(len(y))
            step_losses.append(
                _loss_after_step(features, labels, w, b, epoch, len(batch_sizes), lr)
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


def _loss_after_step(
    features: torch.Tensor,
    labels: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    epoch: int,
    step: int,
    lr: float,
) -> float:
    """Return the full-data loss after a step; raise a clear error if training diverged."""
    finite = bool(torch.isfinite(w).all()) and bool(torch.isfinite(b).all())
    loss = _mean_loss(features, labels, w, b) if finite else math.inf
    if not math.isfinite(loss):
        raise ValueError(
            f"training diverged in epoch {epoch + 1} at step {step}: the loss or a parameter is "
            f"no longer finite; lower the learning rate (lr = {lr})"
        )
    return loss
