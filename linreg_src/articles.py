"""The five source articles' published inputs and printed results, as data.

Each record holds what its article printed, at the precision it printed. The recovery of the
random draws two articles did not print is :mod:`linreg_src.recover`.

>>> ARTICLE_003.inputs["w"], ARTICLE_003.published["grad_w"]
(3.0, 16.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch

__all__ = [
    "ARTICLES",
    "ARTICLE_000",
    "ARTICLE_001",
    "ARTICLE_002",
    "ARTICLE_003",
    "ARTICLE_004",
    "Article",
    "as_tensor",
]


def _frozen(d: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Article:
    """One source article: its file, title and url, the inputs it states, the numbers it printed.

    ``url`` is the article's address as its captured text records it, ``""`` where the capture
    records none (articles 000, 002, 003, 004; 002 records only a link to its code).
    ``decimals`` is how many decimals the printed numbers carry.
    """

    key: str
    file: str
    title: str
    url: str = ""
    inputs: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    published: MappingProxyType[str, Any] = field(
        default_factory=lambda: _frozen({})
    )
    decimals: int = 4

    def check(self, name: str, live: Any, *, decimals: int | None = None) -> None:
        """Raise ``ValueError`` unless ``live``, printed as the article printed, shows its number.

        A page calls this (in a hidden cell) wherever its prose says a value matches the article,
        so an edited input or published number fails the build, naming the number.

        >>> ARTICLE_003.check("grad_w", 16.0)
        >>> ARTICLE_003.check("grad_w", 15.0)
        Traceback (most recent call last):
        ...
        ValueError: article 003 printed grad_w = 16.0; the book computes 15.0 (1 decimals)
        """
        if name not in self.published:
            raise ValueError(
                f"article {self.key} printed no {name!r}; it printed {sorted(self.published)}"
            )
        digits = self.decimals if decimals is None else decimals
        printed = _flat(self.published[name], "published")
        computed = _flat(live, "live")
        shown = [_shown(v, digits) for v in computed]
        if len(printed) != len(computed) or shown != [
            _shown(v, digits) for v in printed
        ]:
            raise ValueError(
                f"article {self.key} printed {name} = {_plain(printed)}; "
                f"the book computes {_plain(computed)} ({digits} decimals)"
            )


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
    # Learned after 50 epochs (lr 0.1 for both optimizers), printed as full float32 reprs. They
    # depend on 102 random draws the article never printed (100 noise values, 2 initial
    # weights); torch.manual_seed(0) before its script reproduces SGD's w and b and Adam's b to
    # every printed digit and Adam's w to 2 float32 ulp: linreg_src.article_002.article_002_run.
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
    published=_frozen(
        {"u": 6.0, "y": 12.0, "loss": 4.0, "grad_v": 24.0, "grad_w": 16.0}
    ),
    decimals=1,
)
"""The record of article 003 -- the factory's knobs and order, and the five numbers it prints.

The keys are the article's names: its output (burgers) is ``"y"``, which the book calls ``h``.
"""

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


def _flat(values: Any, name: str) -> list[float]:
    try:
        return torch.as_tensor(values, dtype=torch.float64).flatten().tolist()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"{name} must be a number, a tensor or tuples of numbers: {exc}"
        ) from None


def _shown(value: float, decimals: int) -> str:
    """``value`` as printed with ``decimals`` decimals, ``-0.0`` shown as ``0.0``."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _plain(values: list[float]) -> str:
    return str(values[0]) if len(values) == 1 else str(tuple(values))


def as_tensor(values: Any, *, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Turn published numbers into a tensor: a tuple into an (n, 1) column, nested tuples a matrix.

    >>> as_tensor((1.0, 2.0)).shape, as_tensor(ARTICLE_001.inputs["X"]).shape
    (torch.Size([2, 1]), torch.Size([10, 2]))
    """
    t = _checked_tensor(values, dtype)
    return t.reshape(-1, 1) if t.ndim == 1 else t


def _checked_tensor(values: Any, dtype: torch.dtype) -> torch.Tensor:
    try:
        t = torch.tensor(values, dtype=dtype)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"values must be a number or (nested) tuples of numbers: {exc}"
        ) from None
    if not t.dtype.is_floating_point or not bool(torch.isfinite(t).all()):
        raise ValueError(
            f"values must be finite numbers that {t.dtype} holds (a float dtype), got {values!r}"
        )
    return t
