"""The five source articles' published inputs and printed results, as data.

Each article gets one frozen record holding what it printed, to the precision it printed, so that
tests and the book's comparison table can hold the live computation against it. The records are
published facts, not results. Two articles printed results of random draws they never printed;
the functions at the end recover those draws from the printed numbers:

- :func:`recover_initial_w_001` -- the initial ``w`` behind article 001's printed gradients;
- :func:`delta_from_losses` / :func:`recover_delta_004` -- the error terms behind article 004's
  printed losses, more precise than its rounded predictions.

Examples
--------
>>> ARTICLE_003.inputs["w"], ARTICLE_003.published["grad_w"]
(3.0, 16.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import torch

from linreg_src._validate import (
    check_column_pair,
    check_float_array,
    check_positive,
    describe,
    require_backend,
)


def _frozen(d: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Article:
    """One source article: where it is, what it fed in, what it printed.

    Attributes
    ----------
    key : str
        The article's number, e.g. ``"003"``.
    file : str
        File name under ``shared/articles/``.
    title : str
        The article's title.
    url : str
        Where it was published, when the captured page names it (else empty).
    inputs : Mapping[str, Any]
        Inputs the article states.
    published : Mapping[str, Any]
        Numbers the article prints, at the precision it prints them.
    decimals : int
        How many decimals the printed numbers carry (for comparisons).
    """

    key: str
    file: str
    title: str
    url: str = ""
    inputs: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    published: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    decimals: int = 4


ARTICLE_000 = Article(
    key="000",
    file="000_e886ad898fa80f24.txt",
    title="线性回归反向传播推导",
    inputs=_frozen(
        {
            # house-price example, prices in units of 万 (10,000 yuan); area in m²
            "area_m2": 100.0,
            "y": 200.0,
            "y_hat": 180.0,
        }
    ),
    published=_frozen({"loss": 200.0}),
    decimals=0,
)
"""The record of article 000 -- the derivation, and the house-price example (loss 200 万²)."""

ARTICLE_001 = Article(
    key="001",
    file="001_0f649ee13c5b765c.txt",
    title="动手学深度学习——线性回归的从零开始实现",
    url="http://www.dtcms.com/a/278332.html",
    inputs=_frozen(
        {
            "true_w": (2.0, -3.4),
            "true_b": 4.2,
            "num_examples": 1000,
            "noise_std": 0.01,
            "init_std": 0.01,
            "lr": 0.03,
            "batch_size": 10,
            "num_epochs": 1,
            "b_init": 0.0,
            # the first minibatch, as printed (4 decimals)
            "X": (
                (0.3742, 1.0514),
                (-0.5108, -2.9390),
                (-0.6907, 2.3641),
                (-0.5569, 0.4298),
                (-0.4228, -1.0638),
                (-1.3704, -1.6127),
                (1.3422, 0.9927),
                (-1.6255, 0.5072),
                (1.3470, -0.5777),
                (1.6256, 0.8769),
            ),
            "y": (
                1.3774,
                13.1741,
                -5.2062,
                1.6101,
                6.9709,
                6.9469,
                3.5065,
                -0.7634,
                8.8503,
                4.4814,
            ),
        }
    ),
    # printed under the label "估计误差", but they are the gradients after l.sum().backward()
    published=_frozen({"grad_w": (-9.0000, 65.4477), "grad_b": -40.9567}),
    decimals=4,
)
"""The record of article 001 -- d2l 3.2 from scratch; a printed 10×2 batch and its gradients."""

ARTICLE_002 = Article(
    key="002",
    file="002_425dad331e050d6f.txt",
    title="深度学习之前向传播和反向传播",
    inputs=_frozen(
        {
            "num_examples": 100,
            "true_w": 2.0,
            "true_b": 1.0,
            "noise_std": 0.1,
            "lr": 0.1,
            "num_epochs": 50,
            "num_epochs_long": 300,
            "linear_shapes": ((1, 1), (1, 2), (2, 1), (2, 2), (2, 3)),
        }
    ),
    # Learned after 50 epochs (lr 0.1 for both optimizers). They depend on 102 random draws the
    # article never printed (100 noise values, 2 initial weights) -- but torch.manual_seed(0)
    # before its script reproduces them: see linreg_src.nn_linear.article_002_run.
    published=_frozen(
        {
            "sgd_w": 1.3135614395141602,
            "sgd_b": 1.3715894222259521,
            "adam_w": 1.378663420677185,
            "adam_b": 1.2160416841506958,
        }
    ),
    decimals=4,
)
"""The record of article 002 -- ``nn.Linear`` + ``nn.MSELoss``, trained with SGD and with Adam."""

ARTICLE_003 = Article(
    key="003",
    file="003_54a11b062f8bb5f2.txt",
    title="反向传播",
    inputs=_frozen({"w": 3.0, "v": 2.0, "x": 2.0, "target": 10.0}),
    published=_frozen({"u": 6.0, "y": 12.0, "loss": 4.0, "grad_v": 24.0, "grad_w": 16.0}),
    decimals=1,
)
"""The record of article 003 -- the factory's knobs and order, and the five numbers it prints."""

ARTICLE_004 = Article(
    key="004",
    file="004_0be58755754cc06b.txt",
    title="用例子对sum.backward()的浅析",
    inputs=_frozen(
        {
            "X_1d": ((1.0, 2.0, 3.0),),
            "X_2d": ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)),
            "true_w": (1.0, 1.0, 1.0),
        }
    ),
    published=_frozen(
        {
            "y_1d": (6.0,),
            "y_hat_1d": (-2.1865,),
            "loss_1d": (33.5093,),
            "grad_w_1d": (-8.1865, -16.3730, -24.5595),
            "y_2d": (6.0, 15.0),
            "y_hat_2d": (-6.0518, -13.1038),
            "loss_2d": (72.6224, 394.9125),
            "grad_w_2d": (-124.4671, -164.6226, -204.7782),
        }
    ),
    decimals=4,
)
"""The record of article 004 -- ``sum().backward()`` worked by hand for y = Xw, 1 and 2 rows."""

ARTICLES = (ARTICLE_000, ARTICLE_001, ARTICLE_002, ARTICLE_003, ARTICLE_004)
"""All five, in order."""


def as_tensor(values: Any, *, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Turn published numbers (nested tuples) into a tensor; 1-D tuples become a column.

    Parameters
    ----------
    values : float or tuple
        A number, a tuple (returned as an (n, 1) column) or a tuple of tuples (a matrix).
    dtype : torch.dtype, default torch.float64
        The dtype; float64 keeps recovery computations free of rounding of their own.

    Returns
    -------
    torch.Tensor
        The tensor.

    Examples
    --------
    >>> as_tensor((1.0, 2.0)).shape
    torch.Size([2, 1])
    >>> as_tensor(ARTICLE_001.inputs["X"]).shape
    torch.Size([10, 2])
    """
    t = torch.tensor(values, dtype=dtype)
    return t.reshape(-1, 1) if t.ndim == 1 else t


def recover_initial_w_001() -> torch.Tensor:
    r"""Recover the unprinted initial ``w`` behind article 001's printed gradients.

    With :math:`b = 0` the printed gradient is
    :math:`\mathbf g = \mathbf X^\top(\mathbf X\mathbf w - \mathbf y)`, so
    :math:`\mathbf X^\top\mathbf X\,\mathbf w = \mathbf g + \mathbf X^\top\mathbf y`: two linear
    equations for the two unknown weights (:math:`\mathbf X^\top\mathbf X` is invertible for
    this batch). The third printed number, ``b.grad`` :math:`= \sum_i(\mathbf x^{(i)}\mathbf w
    - y^{(i)})`, is not used and serves as an independent check.

    Returns
    -------
    torch.Tensor, shape (2, 1), float64
        The initial weights, consistent with ``torch.normal(0, 0.01, (2, 1))``.

    Examples
    --------
    >>> w0 = recover_initial_w_001()
    >>> [round(float(v), 4) for v in w0.flatten()]
    [0.0173, -0.0099]
    """
    X = as_tensor(ARTICLE_001.inputs["X"])
    y = as_tensor(ARTICLE_001.inputs["y"])
    g = as_tensor(ARTICLE_001.published["grad_w"])
    return recover_initial_w(X, y, g)


def recover_initial_w(X: torch.Tensor, y: torch.Tensor, grad_w: torch.Tensor) -> torch.Tensor:
    r"""Solve :math:`\mathbf X^\top\mathbf X\,\mathbf w = \mathbf g + \mathbf X^\top\mathbf y`.

    The weights that give the weight gradient ``grad_w`` :math:`= \mathbf g` of the summed
    :math:`\frac12`-squared loss on the batch ``(X, y)`` when :math:`b = 0`, because then
    :math:`\mathbf g = \mathbf X^\top(\mathbf X\mathbf w - \mathbf y)`. Batched inputs
    (a leading dimension K) solve K systems at once.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d) or (K, N, d)
        Features; :math:`\mathbf X^\top\mathbf X` must be invertible (N >= d, independent columns).
    y : torch.Tensor, shape (N, 1) or (K, N, 1)
        Labels.
    grad_w : torch.Tensor, shape (d, 1) or (K, d, 1)
        The printed weight gradient.

    Returns
    -------
    torch.Tensor, shape (d, 1) or (K, d, 1)
        The weights.

    Raises
    ------
    ValueError
        On shapes that do not fit together, NaN/inf, or a rank-deficient ``X`` (then
        :math:`\mathbf X^\top\mathbf X` is singular and ``w`` is not determined).
    TypeError
        On non-float data or NumPy arrays.

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=torch.float64)
    >>> w = torch.tensor([[0.5], [-1.0]], dtype=torch.float64)
    >>> y = torch.ones(3, 1, dtype=torch.float64)
    >>> recover_initial_w(X, y, X.T @ (X @ w - y))
    tensor([[ 0.5000],
            [-1.0000]], dtype=torch.float64)
    """
    require_backend("torch", "articles", X=X, y=y, grad_w=grad_w)
    check_float_array("X", X, ndim=(2, 3))
    check_float_array("y", y, ndim=X.ndim)
    check_float_array("grad_w", grad_w, ndim=X.ndim)
    *batch, n, d = X.shape
    if tuple(y.shape) != (*batch, n, 1) or tuple(grad_w.shape) != (*batch, d, 1):
        raise ValueError(
            f"with X of shape {tuple(X.shape)}, y must have shape {(*batch, n, 1)} and grad_w "
            f"{(*batch, d, 1)}, got {tuple(y.shape)} and {tuple(grad_w.shape)}"
        )
    if bool((torch.linalg.matrix_rank(X) < d).any()):
        raise ValueError(
            f"X of shape {tuple(X.shape)} has rank < {d}, so X^T X is singular and the gradient "
            "does not determine w: moving w along the null space of X changes neither X @ w nor "
            "the gradient (fewer examples than weights, or dependent columns)"
        )
    Xt = X.transpose(-2, -1)
    return torch.linalg.solve(Xt @ X, grad_w + Xt @ y)  # (d, d) w = (d, 1)


def rounding_sensitivity_001(
    num_draws: int = 2000,
    *,
    generator: torch.Generator,
    perturb: tuple[str, ...] = ("X", "y", "grad_w"),
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""How far article 001's rounding to 4 decimals can move the recovered ``w`` and ``b.grad``.

    The article printed ``X``, ``y`` and ``w.grad`` rounded to 4 decimals, so each true value
    lies within :math:`\pm 5\cdot10^{-5}` of the printed one. Each draw adds an independent
    uniform error of that size to every printed number named in ``perturb``, recovers ``w`` with
    :func:`recover_initial_w` and predicts ``b.grad`` :math:`= \sum_i(\mathbf x^{(i)}\mathbf w
    - y^{(i)})` on the perturbed batch. The spread of the draws estimates how precisely the
    printed numbers determine ``w``, and how closely ``b.grad`` can be expected to match.

    Parameters
    ----------
    num_draws : int, default 2000
        Number of perturbed copies.
    generator : torch.Generator
        Source of the perturbations (seed it for a reproducible result).
    perturb : tuple of str, default ("X", "y", "grad_w")
        Which printed numbers to perturb (the others stay as printed), to see which rounding
        matters.

    Returns
    -------
    w : torch.Tensor, shape (num_draws, 2, 1), float64
        The recovered weights, one per draw.
    grad_b : torch.Tensor, shape (num_draws,), float64
        The predicted ``b.grad``, one per draw.

    Raises
    ------
    TypeError
        If ``num_draws`` is not a whole number or ``generator`` not a ``torch.Generator``.
    ValueError
        If ``num_draws`` is not positive, or ``perturb`` names something other than
        ``"X"``, ``"y"``, ``"grad_w"``.

    Examples
    --------
    >>> w, grad_b = rounding_sensitivity_001(500, generator=torch.Generator().manual_seed(0))
    >>> w.shape, grad_b.shape
    (torch.Size([500, 2, 1]), torch.Size([500]))
    >>> bool(w.std(dim=0).max() < 1e-4)
    True
    """
    num_draws = int(check_positive("num_draws", num_draws, integer=True))
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            "generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
            f"got {describe(generator)}"
        )
    names = ("X", "y", "grad_w")
    if isinstance(perturb, str) or not set(perturb) <= set(names):
        raise ValueError(f"perturb must be a tuple of names from {names}, got {perturb!r}")
    half = 0.5 * 10.0**-ARTICLE_001.decimals

    def jitter(name: str, t: torch.Tensor) -> torch.Tensor:
        noise = torch.rand((num_draws, *t.shape), generator=generator, dtype=t.dtype)
        return t + (2 * noise - 1) * half * (name in perturb)

    X = jitter("X", as_tensor(ARTICLE_001.inputs["X"]))
    y = jitter("y", as_tensor(ARTICLE_001.inputs["y"]))
    g = jitter("grad_w", as_tensor(ARTICLE_001.published["grad_w"]))
    w = recover_initial_w(X, y, g)
    grad_b = (X @ w - y).sum(dim=(1, 2))
    return w, grad_b


def delta_from_losses(losses: torch.Tensor, y_hat_minus_y_sign: torch.Tensor) -> torch.Tensor:
    r"""Recover :math:`\delta = \hat y - y` from printed losses :math:`l = \frac12\delta^2`.

    :math:`|\delta| = \sqrt{2l}`; the sign comes from the (rounded) printed predictions. A loss
    printed to 4 decimals pins :math:`\delta` to about :math:`10^{-4}/|\delta|`, far tighter
    than the :math:`5\cdot10^{-5}` rounding of a printed :math:`\hat y`.

    Parameters
    ----------
    losses : torch.Tensor, shape (N, 1)
        Printed per-example losses, non-negative.
    y_hat_minus_y_sign : torch.Tensor, shape (N, 1)
        The sign of :math:`\hat y - y` for each example (±1).

    Returns
    -------
    torch.Tensor, shape (N, 1)
        :math:`\delta`.

    Raises
    ------
    ValueError
        On negative losses, signs other than ±1, or mismatched shapes.

    Examples
    --------
    >>> delta_from_losses(torch.tensor([[2.0]], dtype=torch.float64), torch.tensor([[-1.0]]))
    tensor([[-2.]], dtype=torch.float64)
    """
    require_backend("torch", "articles", losses=losses, y_hat_minus_y_sign=y_hat_minus_y_sign)
    check_float_array("losses", losses, ndim=2)
    if bool((losses < 0).any()):
        raise ValueError("losses must be >= 0: a squared loss cannot be negative")
    if losses.shape != y_hat_minus_y_sign.shape:
        raise ValueError(
            f"y_hat_minus_y_sign must have the shape of losses {tuple(losses.shape)}, "
            f"got shape {tuple(y_hat_minus_y_sign.shape)}"
        )
    if not bool((y_hat_minus_y_sign.abs() == 1).all()):
        raise ValueError(
            "y_hat_minus_y_sign must hold only +1 or -1 (the sign of y_hat - y), "
            f"got {y_hat_minus_y_sign.flatten().tolist()}"
        )
    return y_hat_minus_y_sign.to(losses.dtype) * torch.sqrt(2 * losses)


def recover_delta_004(case: Literal["1d", "2d"]) -> torch.Tensor:
    r"""Recover the error terms behind article 004's printed losses, in float64.

    Parameters
    ----------
    case : {"1d", "2d"}
        The one-row or the two-row example.

    Returns
    -------
    torch.Tensor, shape (N, 1)
        :math:`\delta = \hat y - y`, from the printed losses and the signs of the printed
        predictions.

    Raises
    ------
    ValueError
        On an unknown case.

    Examples
    --------
    >>> recover_delta_004("1d")
    tensor([[-8.1865]], dtype=torch.float64)
    """
    if case not in ("1d", "2d"):
        raise ValueError(f'case must be "1d" or "2d", got {case!r}')
    p = ARTICLE_004.published
    losses = as_tensor(p[f"loss_{case}"])
    sign = torch.sign(as_tensor(p[f"y_hat_{case}"]) - as_tensor(p[f"y_{case}"]))
    return delta_from_losses(losses, sign)


def min_norm_w_004(case: Literal["1d", "2d"]) -> torch.Tensor:
    r"""Return one weight vector behind article 004's printed numbers: the shortest one.

    The article's random :math:`\mathbf w` (3 numbers) was not printed, and its predictions
    give only 1 or 2 equations :math:`\mathbf X\mathbf w = \mathbf y + \boldsymbol\delta`,
    so it is not determined: adding any :math:`\mathbf n` with :math:`\mathbf X\mathbf n = 0`
    changes nothing the article printed. This returns the minimum-norm solution
    :math:`\mathbf w^+ = \mathbf X^+(\mathbf y + \boldsymbol\delta)` with
    :math:`\boldsymbol\delta` from :func:`recover_delta_004`.

    Parameters
    ----------
    case : {"1d", "2d"}
        The one-row or the two-row example.

    Returns
    -------
    torch.Tensor, shape (3, 1), float64
        Weights :math:`\mathbf w` with :math:`\mathbf X\mathbf w - \mathbf y = \boldsymbol\delta`.

    Raises
    ------
    ValueError
        On an unknown case.

    Examples
    --------
    >>> X = as_tensor(ARTICLE_004.inputs["X_1d"])
    >>> round(float(X @ min_norm_w_004("1d")), 6)  # y + delta
    -2.186489
    """
    if case not in ("1d", "2d"):
        raise ValueError(f'case must be "1d" or "2d", got {case!r}')
    X = as_tensor(ARTICLE_004.inputs[f"X_{case}"])
    y = as_tensor(ARTICLE_004.published[f"y_{case}"])
    return torch.linalg.pinv(X) @ (y + recover_delta_004(case))


def delta_bounds(
    losses: torch.Tensor, y_hat: torch.Tensor, y: torch.Tensor, *, decimals: int
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Bound :math:`\delta = \hat y - y` by what printed losses and predictions allow.

    A number printed with ``decimals`` decimals lies within
    :math:`h = \frac12 10^{-\text{decimals}}` of the truth. The loss
    :math:`l = \frac12\delta^2` then gives
    :math:`\sqrt{2(l-h)} \le |\delta| \le \sqrt{2(l+h)}` (the sign is that of the printed
    :math:`\hat y - y`), and the prediction gives :math:`|\delta - (\hat y - y)| \le h`.
    The result is the intersection of the two intervals, per example.

    Parameters
    ----------
    losses : torch.Tensor, shape (N, 1)
        Printed per-example losses.
    y_hat : torch.Tensor, shape (N, 1)
        Printed predictions; none may round to its label.
    y : torch.Tensor, shape (N, 1)
        Labels (exact).
    decimals : int
        How many decimals the losses and predictions were printed with.

    Returns
    -------
    lower, upper : torch.Tensor, shape (N, 1)
        The bounds of :math:`\delta`.

    Raises
    ------
    ValueError
        On mismatched shapes, negative losses, a printed prediction equal to its label (sign
        unknown), a negative ``decimals``, or printed numbers that no single :math:`\delta`
        explains.
    TypeError
        On non-float data, NumPy arrays or a non-integer ``decimals``.

    Examples
    --------
    >>> one = dict(dtype=torch.float64)
    >>> lo, hi = delta_bounds(torch.tensor([[2.0]], **one), torch.tensor([[-1.0]], **one),
    ...                       torch.tensor([[1.0]], **one), decimals=1)
    >>> round(float(lo), 4), round(float(hi), 4)
    (-2.0248, -1.9748)
    """
    require_backend("torch", "articles", losses=losses, y_hat=y_hat, y=y)
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"decimals must be a whole number, got {describe(decimals)}")
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    check_column_pair(y_hat, y)
    check_column_pair(losses, y, names=("losses", "y"))
    if bool((losses < 0).any()):
        raise ValueError(f"losses must be >= 0, got {losses.flatten().tolist()}")
    half = 0.5 * 10.0**-decimals
    gap = y_hat - y
    if bool((gap == 0).any()):
        raise ValueError(
            f"y_hat equals y for some example ({y_hat.flatten().tolist()} vs "
            f"{y.flatten().tolist()}): the sign of delta is unknown"
        )
    sign = torch.sign(gap)
    big = torch.sqrt(2 * (losses + half))
    small = torch.sqrt(torch.clamp(2 * (losses - half), min=0.0))
    from_loss = torch.minimum(sign * small, sign * big), torch.maximum(sign * small, sign * big)
    lower = torch.maximum(from_loss[0], gap - half)
    upper = torch.minimum(from_loss[1], gap + half)
    if bool((lower > upper).any()):
        raise ValueError(
            "the printed losses and predictions contradict each other: no delta rounds to both"
        )
    return lower, upper


def delta_bounds_004(case: Literal["1d", "2d"]) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Bound :math:`\delta` by article 004's printed losses and predictions (4 decimals).

    Parameters
    ----------
    case : {"1d", "2d"}
        The one-row or the two-row example.

    Returns
    -------
    lower, upper : torch.Tensor, shape (N, 1), float64
        Bounds from :func:`delta_bounds` at the article's 4 decimals; they contain
        :func:`recover_delta_004`.

    Raises
    ------
    ValueError
        On an unknown case.

    Examples
    --------
    >>> lo, hi = delta_bounds_004("1d")
    >>> float(hi - lo) < 2e-5
    True
    """
    if case not in ("1d", "2d"):
        raise ValueError(f'case must be "1d" or "2d", got {case!r}')
    p = ARTICLE_004.published
    return delta_bounds(
        as_tensor(p[f"loss_{case}"]),
        as_tensor(p[f"y_hat_{case}"]),
        as_tensor(p[f"y_{case}"]),
        decimals=ARTICLE_004.decimals,
    )


def rounds_to(value: float, published: float, decimals: int) -> bool:
    """Whether ``value`` printed with ``decimals`` decimals shows ``published``.

    Parameters
    ----------
    value : float
        A live result.
    published : float
        The number as the article printed it.
    decimals : int
        The article's precision.

    Returns
    -------
    bool
        ``True`` when ``f"{value:.{decimals}f}"`` equals ``f"{published:.{decimals}f}"``.

    Examples
    --------
    >>> rounds_to(-124.46705650, -124.4671, 4), rounds_to(-124.4670, -124.4671, 4)
    (True, False)
    """
    shown = f"{value:.{decimals}f}"
    if shown.startswith("-") and math.isclose(float(shown), 0.0):
        shown = shown[1:]
    return shown == f"{published:.{decimals}f}"
