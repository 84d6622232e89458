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

from linreg_src._validate import check_float_array, require_backend


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
"""Article 000: the derivation, and the house-price example whose loss is 200 (万²)."""

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
"""Article 001: d2l 3.2 from scratch; a printed 10×2 batch and the gradients printed for it."""

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
    # learned after 50 epochs; they depend on unrecorded random draws (noise, initial weights)
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
"""Article 002: ``nn.Linear`` + ``nn.MSELoss``; learned values that no seed on record reproduces."""

ARTICLE_003 = Article(
    key="003",
    file="003_54a11b062f8bb5f2.txt",
    title="反向传播:链式法则与汉堡工厂",
    inputs=_frozen({"w": 3.0, "v": 2.0, "x": 2.0, "target": 10.0}),
    published=_frozen({"u": 6.0, "y": 12.0, "loss": 4.0, "grad_v": 24.0, "grad_w": 16.0}),
    decimals=1,
)
"""Article 003: the factory's knobs and order, and the five numbers it prints."""

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
"""Article 004: ``sum().backward()`` worked by hand for y = Xw, in one and two rows."""

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
    return torch.linalg.solve(X.T @ X, g + X.T @ y)


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
    if losses.shape != y_hat_minus_y_sign.shape or not bool((y_hat_minus_y_sign.abs() == 1).all()):
        raise ValueError(
            f"y_hat_minus_y_sign must hold ±1 with the shape of losses {tuple(losses.shape)}, "
            f"got shape {tuple(y_hat_minus_y_sign.shape)}"
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
