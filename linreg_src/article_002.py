r"""Article 002's experiment re-run under a seed: its data, its ``nn.Linear(1, 1)``, its training.

The article never prints a seed. Its script draws 100 noise values and then builds
``nn.Linear(1, 1)``, both from PyTorch's global generator; one ``torch.Generator`` seeded with
``s`` makes the same draws in the same order, which equals starting the script with
``torch.manual_seed(s)``. Seed :data:`ARTICLE_002_SEED` reproduces its printed results.

>>> run = article_002_run()
>>> round(run.weight, 4), round(run.bias, 4)
(1.3136, 1.3716)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from linreg_src._guard import checked
from linreg_src.articles import ARTICLE_002
from linreg_src.data import line_data
from linreg_src.nn_linear import (
    LinearTrainingRun,
    fit_by_hand,
    init_linear,
    train_linear_module,
)

__all__ = [
    "ARTICLE_002_SEED",
    "article_002_run",
    "article_002_setup",
    "learned_params_over_seeds",
    "least_squares_over_seeds",
]

#: The seed that reproduces article 002's printed results (its script never shows one).
ARTICLE_002_SEED = 0


@checked
def article_002_setup(
    seed: int = ARTICLE_002_SEED,
) -> tuple[torch.Tensor, torch.Tensor, nn.Linear]:
    """Article 002's ``x``, ``y`` (100, 1) and ``nn.Linear(1, 1)``, from ``seed``.

    >>> x, y, model = article_002_setup()
    >>> x.shape, round(model.weight.item(), 4), round(model.bias.item(), 4)
    (torch.Size([100, 1]), -0.2489, 0.0451)
    """
    inputs = ARTICLE_002.inputs
    generator = torch.Generator().manual_seed(seed)
    x, y = line_data(
        inputs["num_examples"],
        true_w=inputs["true_w"],
        true_b=inputs["true_b"],
        noise_std=inputs["noise_std"],
        generator=generator,
    )
    return x, y, init_linear(1, 1, generator=generator)


@checked
def article_002_run(
    seed: int = ARTICLE_002_SEED,
    *,
    optimizer: str = "sgd",
    num_epochs: int = ARTICLE_002.inputs["num_epochs"],
    grads: str = "autograd",
) -> LinearTrainingRun:
    """Article 002's run: :func:`article_002_setup`, then training at its lr.

    >>> run = article_002_run(optimizer="adam")
    >>> round(run.weight, 4), round(run.bias, 4)
    (1.3787, 1.216)
    """
    x, y, model = article_002_setup(seed)
    lr = ARTICLE_002.inputs["lr"]
    return train_linear_module(
        model, x, y, optimizer=optimizer, lr=lr, num_epochs=num_epochs, grads=grads
    )


def _columns(
    seeds: Sequence[int],
) -> tuple[torch.Tensor, torch.Tensor, list[nn.Linear]]:
    # The inputs x (N, 1) are the same for every seed; each seed's labels become a column of Y.
    setups = [article_002_setup(s) for s in seeds]
    Y = torch.cat([y for _, y, _ in setups], dim=1)
    return setups[0][0], Y, [m for _, _, m in setups]


@checked
def learned_params_over_seeds(
    seeds: Sequence[int], *, optimizer: str = "sgd", num_epochs: int = 50
) -> torch.Tensor:
    """Learned ``(w, b)`` of the hand-trained :func:`article_002_run` for many seeds: (S, 2).

    All seeds train at once in :func:`linreg_src.nn_linear.fit_by_hand`: one column of ``y``,
    ``w`` and ``b`` per seed.

    >>> [round(v, 4) for v in learned_params_over_seeds([0, 1])[0].tolist()]
    [1.3136, 1.3716]
    """
    x, Y, modules = _columns(seeds)
    with torch.no_grad():
        W = torch.cat([m.weight for m in modules], dim=1)  # (1, S)
        B = torch.cat([m.bias for m in modules])  # (S,)
        lr = ARTICLE_002.inputs["lr"]
        fit_by_hand(x, Y, W, B, optimizer=optimizer, lr=lr, num_epochs=num_epochs)
    return torch.stack([W[0], B], dim=1)


@checked
def least_squares_over_seeds(seeds: Sequence[int]) -> torch.Tensor:
    r"""Least-squares ``(w, b)`` of article 002's data for each seed, float64: (S, 2).

    The one-feature closed form :math:`w = \sum_i (x_i - \bar x)(y_i - \bar y) / \sum_i (x_i -
    \bar x)^2`, :math:`b = \bar y - w\bar x` for all seeds at once: the same bits on every call,
    which MKL's ``torch.linalg.lstsq`` did not give.

    >>> [round(v, 4) for v in least_squares_over_seeds([0, 1])[0].tolist()]
    [1.9997, 1.0038]
    """
    x, Y, _ = _columns(seeds)
    x, Y = x.double(), Y.double()
    x_c = x - x.mean()
    w = (x_c * (Y - Y.mean(dim=0))).sum(dim=0) / (x_c * x_c).sum()
    b = Y.mean(dim=0) - w * x.mean()
    return torch.stack([w, b], dim=1)
