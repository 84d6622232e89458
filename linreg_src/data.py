"""Data: the synthetic regression set of d2l 3.2, its minibatch iterator, and article 002's line.

Randomness always comes from an explicit :class:`torch.Generator`, so every run of the book
draws the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from linreg_src._validate import (
    check_column_pair,
    check_float_array,
    check_generator,
    check_positive,
    check_real_scalar,
    require_backend,
)

__all__ = ["data_iter", "line_data", "synthetic_data"]


def _check_noise_std(noise_std: object) -> float:
    value = check_real_scalar("noise_std", noise_std)
    if value < 0:
        raise ValueError(f"noise_std must be >= 0, got {value}")
    return value


def synthetic_data(
    w: torch.Tensor,
    b: float,
    num_examples: int,
    *,
    noise_std: float = 0.01,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Draw :math:`\mathbf X \sim \mathcal N(0, 1)` and :math:`\mathbf y = \mathbf X\mathbf w + b + \varepsilon`.

    The noise is :math:`\varepsilon \sim \mathcal N(0, \sigma^2)` with :math:`\sigma` = ``noise_std``.
    Labels come back as a column, shape (N, 1), ready for ``y_hat - y``.

    Parameters
    ----------
    w : torch.Tensor, shape (d,)
        True weights, e.g. ``torch.tensor([2.0, -3.4])``.
    b : float
        True bias.
    num_examples : int
        N, the number of rows.
    noise_std : float, default 0.01
        Standard deviation of the label noise.
    generator : torch.Generator
        Source of randomness (required, so that runs are reproducible).

    Returns
    -------
    X : torch.Tensor, shape (N, d)
        Features, dtype of ``w``.
    y : torch.Tensor, shape (N, 1)
        Labels.

    Raises
    ------
    TypeError
        If ``w`` is not a float tensor or ``generator`` is not a ``torch.Generator``.
    ValueError
        On a non-1-D or non-finite ``w``, ``num_examples <= 0``, or a negative ``noise_std``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 1000, generator=g)
    >>> X.shape, y.shape
    (torch.Size([1000, 2]), torch.Size([1000, 1]))
    """  # noqa: E501
    require_backend("torch", "data", w=w)
    check_float_array("w", w, ndim=1)
    b = check_real_scalar("b", b)
    num_examples = int(check_positive("num_examples", num_examples, integer=True))
    noise_std = _check_noise_std(noise_std)
    generator = check_generator(generator)
    X = torch.normal(0.0, 1.0, (num_examples, len(w)), generator=generator, dtype=w.dtype)
    y = X @ w + b
    y = y + torch.normal(0.0, noise_std, y.shape, generator=generator, dtype=w.dtype)
    return X, y.reshape(-1, 1)


def data_iter(
    batch_size: int,
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    generator: torch.Generator,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield shuffled minibatches ``(X, y)`` that together cover every example once.

    When N is not a multiple of ``batch_size`` the **last batch is smaller**: N = 1000 with
    ``batch_size`` 64 gives 15 batches of 64 and one of 40. An update that divides by the
    nominal ``batch_size`` then takes too small a step on that batch; divide by ``len(y)``.

    Parameters
    ----------
    batch_size : int
        Examples per batch (the last one may have fewer).
    features : torch.Tensor, shape (N, d)
        All features.
    labels : torch.Tensor, shape (N, 1)
        All labels.
    generator : torch.Generator
        Source of the shuffle.

    Yields
    ------
    X : torch.Tensor, shape (B, d)
        A batch of features, B = ``batch_size`` except possibly for the last batch.
    y : torch.Tensor, shape (B, 1)
        The matching labels.

    Raises
    ------
    ValueError
        If ``batch_size <= 0``, or ``features`` and ``labels`` disagree on N or shape.
    TypeError
        On a non-integer ``batch_size`` or a missing generator.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = torch.zeros(25, 2), torch.zeros(25, 1)
    >>> [len(yb) for _, yb in data_iter(10, X, y, generator=g)]
    [10, 10, 5]
    """
    batch_size = int(check_positive("batch_size", batch_size, integer=True))
    require_backend("torch", "data", features=features, labels=labels)
    check_float_array("features", features, ndim=2)
    check_column_pair(features[:, :1], labels, names=("features[:, :1]", "labels"))
    generator = check_generator(generator)
    return _batches(batch_size, features, labels, generator)


def _batches(
    batch_size: int, features: torch.Tensor, labels: torch.Tensor, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    order = torch.randperm(len(features), generator=generator)
    for start in range(0, len(features), batch_size):
        idx = order[start : start + batch_size]
        yield features[idx], labels[idx]


def line_data(
    num_examples: int = 100,
    *,
    true_w: float = 2.0,
    true_b: float = 1.0,
    noise_std: float = 0.1,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Article 002's data: :math:`x` evenly spaced on [0, 1], :math:`y = 2x + 1 + 0.1\varepsilon`.

    Parameters
    ----------
    num_examples : int, default 100
        Number of points.
    true_w, true_b : float
        Slope and intercept of the true line.
    noise_std : float, default 0.1
        Standard deviation of the noise, :math:`\varepsilon \sim \mathcal N(0, 1)`.
    generator : torch.Generator
        Source of the noise.

    Returns
    -------
    x : torch.Tensor, shape (N, 1)
        Inputs, float32 like ``torch.linspace``.
    y : torch.Tensor, shape (N, 1)
        Noisy targets.

    Raises
    ------
    ValueError
        On ``num_examples <= 0``, a negative ``noise_std`` or non-finite parameters.
    TypeError
        On a missing generator.

    Examples
    --------
    >>> x, y = line_data(generator=torch.Generator().manual_seed(0))
    >>> x.shape, float(x[0, 0]), float(x[-1, 0])
    (torch.Size([100, 1]), 0.0, 1.0)
    """
    num_examples = int(check_positive("num_examples", num_examples, integer=True))
    true_w = check_real_scalar("true_w", true_w)
    true_b = check_real_scalar("true_b", true_b)
    noise_std = _check_noise_std(noise_std)
    generator = check_generator(generator)
    x = torch.linspace(0, 1, num_examples).unsqueeze(1)
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return x, true_w * x + true_b + noise_std * noise
