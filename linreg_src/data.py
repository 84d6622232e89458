r"""Data: d2l 3.2's synthetic regression set, its minibatches, and article 002's noisy line.

Randomness comes from an explicit :class:`torch.Generator`, so every build draws the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from linreg_src._guard import checked

__all__ = ["data_iter", "line_data", "minibatches", "synthetic_data"]


@checked(w="vector", b="real")
def synthetic_data(
    w: torch.Tensor,
    b: float,
    num_examples: int,
    *,
    noise_std: float = 0.01,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Draw ``X`` (N, d) from N(0, 1) and ``y = X @ w + b + noise`` (N, 1).

    :math:`\mathbf y = \mathbf X\mathbf w + b + \boldsymbol\varepsilon`, ``w`` (d,)
    the true weights, :math:`\varepsilon^{(i)} \sim \mathcal N(0, \sigma^2)` with
    :math:`\sigma` = ``noise_std``; in ``w``'s dtype.

    >>> g = torch.Generator()
    >>> X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 1000, generator=g)
    >>> X.shape, y.shape
    (torch.Size([1000, 2]), torch.Size([1000, 1]))
    """
    X = torch.normal(
        0.0, 1.0, (num_examples, len(w)), generator=generator, dtype=w.dtype
    )
    y = X @ w + b
    y = y + torch.normal(
        0.0, noise_std, y.shape, generator=generator, dtype=w.dtype
    )
    return X, y.reshape(-1, 1)


@checked(backend="any")
def minibatches(
    batch_size: int, features: Any, labels: Any, order: Any
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(features[i], labels[i])``, ``i`` running over ``order`` in slices.

    The last batch is short when ``batch_size`` does not divide N.

    >>> X, y = torch.zeros(25, 2), torch.zeros(25, 1)
    >>> [len(yb) for _, yb in minibatches(10, X, y, torch.arange(25))]
    [10, 10, 5]
    """
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        yield features[batch], labels[batch]


@checked
def data_iter(
    batch_size: int,
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    generator: torch.Generator,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield shuffled minibatches ``(X, y)``, each example once (d2l's).

    >>> X, y = torch.zeros(25, 2), torch.zeros(25, 1)
    >>> [len(yb) for _, yb in data_iter(10, X, y, generator=torch.Generator())]
    [10, 10, 5]
    """
    return minibatches(
        batch_size,
        features,
        labels,
        torch.randperm(len(features), generator=generator),
    )


@checked
def line_data(
    num_examples: int = 100,
    *,
    true_w: float = 2.0,
    true_b: float = 1.0,
    noise_std: float = 0.1,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Draw a line plus noise: ``x`` (N, 1) evenly spaced in [0, 1], ``y`` (N, 1).

    :math:`y^{(i)} = w x^{(i)} + b + \sigma\varepsilon^{(i)}`, with
    :math:`\varepsilon^{(i)} \sim \mathcal N(0, 1)`, :math:`\sigma` = ``noise_std``.

    >>> x, y = line_data(generator=torch.Generator())
    >>> x.shape, float(x[0, 0]), float(x[-1, 0])
    (torch.Size([100, 1]), 0.0, 1.0)
    """
    x = torch.linspace(0, 1, num_examples).unsqueeze(1)
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return x, true_w * x + true_b + noise_std * noise
