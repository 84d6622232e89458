"""The five source articles' published inputs and printed results, as data.

Each article gets one frozen record holding what it printed, to the precision it printed, so that
tests and the book's comparison table can hold the live computation against it. Nothing here is
computed: these are the published facts the computations must reproduce.

Examples
--------
>>> ARTICLE_003.inputs["w"], ARTICLE_003.published["grad_w"]
(3.0, 16.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


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
    inputs: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    published: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    decimals: int = 4


ARTICLE_003 = Article(
    key="003",
    file="003_54a11b062f8bb5f2.txt",
    title="反向传播:链式法则与汉堡工厂",
    inputs=_frozen({"w": 3.0, "v": 2.0, "x": 2.0, "target": 10.0}),
    published=_frozen({"u": 6.0, "y": 12.0, "loss": 4.0, "grad_v": 24.0, "grad_w": 16.0}),
    decimals=1,
)
"""Article 003: the factory's knobs and order, and the five numbers it prints."""
