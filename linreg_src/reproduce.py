"""Recompute every number the five articles publish, and say how each one was obtained.

A row's status is ``"match"`` (recomputed from the book's formulas, equal at the printed
precision), ``"determines input"`` (the number was used to recover an unprinted draw, so it
matches by construction and is no evidence), ``"seeded run"`` (it depends on draws the article
never printed; the article's script re-run under the seed the book found gives it -- article 002,
whose numbers were printed in full: the row's note gives the gap in float32 ulp), ``"not
reproducible"`` (no row today) or ``"mismatch"``, which fails the comparison page's build.

>>> rows = reproduce_all()
>>> sorted({r.status for r in rows}), [r.live_text for r in rows if r.quantity == "b.grad"]
(['determines input', 'match', 'seeded run'], ['-40.9567'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch

from linreg_src.articles import (
    ARTICLE_000,
    ARTICLE_001,
    ARTICLE_002,
    ARTICLE_003,
    ARTICLE_004,
    Article,
    as_tensor,
)
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.recover import recover_delta_004, recover_initial_w_001, rounds_to
from linreg_src.show import Markdown, sci, table

__all__ = [
    "STATUS_ZH",
    "Reproduction",
    "Status",
    "check_reproductions",
    "comparison_table",
    "float32_ulps",
    "reproduce_all",
]

Status = Literal[
    "match", "determines input", "seeded run", "not reproducible", "mismatch"
]

#: Each status as the comparison page names it.
STATUS_ZH: dict[str, str] = {
    "match": "匹配",
    "determines input": "用于反推",
    "seeded run": "定种子重跑",
    "not reproducible": "无法复现",
    "mismatch": "不一致",
}


@dataclass(frozen=True)
class Reproduction:
    """One published number of an article, named in its notation, next to its live value.

    ``decimals`` is how many decimals the article printed, or ``None`` if it printed the number
    in full (Python's ``repr`` of a float).
    """

    article: str
    quantity: str
    published: float
    live: float
    decimals: int | None
    status: Status
    note: str = ""

    @property
    def published_text(self) -> str:
        """The published number as the article printed it."""
        return _printed(self.published, self.decimals)

    @property
    def live_text(self) -> str:
        """The live number printed the way the article printed its number."""
        return _printed(self.live, self.decimals)


def _printed(value: float, decimals: int | None) -> str:
    if decimals is None:
        return repr(float(value))
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def float32_ulps(a: float, b: float) -> int:
    """How many float32 numbers lie between ``a`` and ``b`` rounded to float32, one counted.

    Two neighbouring float32 numbers are 1 ulp apart; equal numbers 0.

    >>> float32_ulps(1.0, 1.0), float32_ulps(1.0, float(np.nextafter(np.float32(1), 2)))
    (0, 1)
    """
    ends = [_float32_order(name, v) for name, v in (("a", a), ("b", b))]
    return abs(ends[0] - ends[1])


def _float32_order(name: str, value: float) -> int:
    """``value`` as float32, mapped to an integer that counts float32 numbers in order."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    limit = float(np.finfo(np.float32).max)
    if not abs(value) <= limit:
        raise ValueError(
            f"{name} must be a finite number within ±{limit:.4g}, got {value!r}"
        )
    bits = int(np.array(value, dtype=np.float32).view(np.int32))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFF)


def _rows(
    article: Article,
    names: list[str],
    published: tuple[float, ...],
    live: torch.Tensor | list[float],
    *,
    used_as_input: bool = False,
    note: str = "",
) -> list[Reproduction]:
    values = [
        float(v)
        for v in (live.flatten().tolist() if torch.is_tensor(live) else live)
    ]
    rows = []
    for name, pub, val in zip(names, published, values, strict=True):
        same = rounds_to(val, pub, article.decimals)
        status: Status = (
            "mismatch"
            if not same
            else ("determines input" if used_as_input else "match")
        )
        rows.append(
            Reproduction(
                article.key, name, float(pub), val, article.decimals, status, note
            )
        )
    return rows


def _article_000() -> list[Reproduction]:
    p = ARTICLE_000.inputs
    loss = squared_loss(as_tensor((p["y_hat"],)), as_tensor((p["y"],)))
    note = "房价例子，单位：万元的平方"
    return _rows(
        ARTICLE_000, ["l"], (ARTICLE_000.published["loss"],), loss, note=note
    )


def _article_001() -> list[Reproduction]:
    X = as_tensor(ARTICLE_001.inputs["X"])
    y = as_tensor(ARTICLE_001.inputs["y"])
    w0 = recover_initial_w_001()
    grad_w, grad_b = squared_loss_grads(
        X, y, w0, torch.zeros(1, dtype=torch.float64)
    )
    pub = ARTICLE_001.published
    return [
        *_rows(
            ARTICLE_001,
            ["w.grad[0]", "w.grad[1]"],
            pub["grad_w"],
            grad_w,
            used_as_input=True,
            note="反推初始 w 时用到",
        ),
        *_rows(
            ARTICLE_001,
            ["b.grad"],
            (pub["grad_b"],),
            grad_b,
            note="反推没有用到它",
        ),
    ]


def _article_002() -> list[Reproduction]:
    from linreg_src.article_002 import ARTICLE_002_SEED, article_002_run

    pub = ARTICLE_002.published
    rows: list[Reproduction] = []
    for optimizer, label in (("sgd", "SGD"), ("adam", "Adam")):
        run = article_002_run(ARTICLE_002_SEED, optimizer=optimizer)
        for name, live in (("w", run.weight), ("b", run.bias)):
            published = pub[f"{optimizer}_{name}"]
            ulps = float32_ulps(live, published)
            gap = (
                "全部数位相同"
                if ulps == 0
                else f"相差 {ulps} 个 float32 ulp（{sci(abs(live - published))}）"
            )
            same = rounds_to(live, published, ARTICLE_002.decimals)
            status: Status = "seeded run" if same else "mismatch"
            rows.append(
                Reproduction(
                    "002", f"{label} {name}", published, live, None, status, gap
                )
            )
    return rows


def _article_003() -> list[Reproduction]:
    """Run the article's own script: forward, ``loss.backward()``; the book calls its y ``h``."""
    p = ARTICLE_003.inputs
    w = torch.tensor(p["w"], dtype=torch.float64, requires_grad=True)
    v = torch.tensor(p["v"], dtype=torch.float64, requires_grad=True)
    u = w * p["x"]
    h = v * u
    loss = (h - p["target"]) ** 2
    loss.backward()
    names = ["u", "y", "loss", "grad_v", "grad_w"]
    live = [u, h, loss, v.grad, w.grad]
    rows = _rows(
        ARTICLE_003,
        names,
        tuple(ARTICLE_003.published[n] for n in names),
        [float(t.detach()) for t in live],
    )
    return [replace(r, note="本书记作 h") if r.quantity == "y" else r for r in rows]


def _article_004() -> list[Reproduction]:
    rows: list[Reproduction] = []
    p = ARTICLE_004.published
    for case in ("1d", "2d"):
        X = as_tensor(ARTICLE_004.inputs[f"X_{case}"])
        y = as_tensor(p[f"y_{case}"])
        delta = recover_delta_004(case)
        n = len(y)
        idx = [f"[{i}]" for i in range(n)] if n > 1 else [""]
        rows += _rows(
            ARTICLE_004,
            [f"{case} loss{i}" for i in idx],
            p[f"loss_{case}"],
            delta**2 / 2,
            used_as_input=True,
            note="反推 δ 时用到",
        )
        rows += _rows(
            ARTICLE_004,
            [f"{case} y_hat{i}" for i in idx],
            p[f"y_hat_{case}"],
            y + delta,
        )
        rows += _rows(
            ARTICLE_004,
            [f"{case} w.grad[{j}]" for j in range(X.shape[1])],
            p[f"grad_w_{case}"],
            X.T @ delta,
        )
    return rows


_PRODUCERS: tuple[Callable[[], list[Reproduction]], ...] = (
    _article_000,
    _article_001,
    _article_002,
    _article_003,
    _article_004,
)


def reproduce_all() -> tuple[Reproduction, ...]:
    """Recompute every published number of the articles, one row each, in article order.

    >>> [r.live_text for r in reproduce_all() if r.article == "003"]
    ['6.0', '12.0', '4.0', '24.0', '16.0']
    """
    return tuple(row for produce in _PRODUCERS for row in produce())


def check_reproductions(rows: tuple[Reproduction, ...]) -> None:
    """Raise an AssertionError listing every mismatching row with its published and live value.

    >>> check_reproductions(reproduce_all())
    >>> bad = Reproduction("003", "grad_w", 16.0, 15.0, 1, "mismatch")
    >>> check_reproductions((bad,))
    Traceback (most recent call last):
    ...
    AssertionError: 1 published number(s) not reproduced: 003 grad_w: published 16.0, live 15.0
    """
    bad = [r for r in _check_rows(rows) if r.status == "mismatch"]
    if bad:
        listing = "; ".join(
            f"{r.article} {r.quantity}: published {r.published_text}, live {r.live_text}"
            for r in bad
        )
        raise AssertionError(
            f"{len(bad)} published number(s) not reproduced: {listing}"
        )


def _check_rows(rows: object) -> tuple[Reproduction, ...]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (tuple, list)):
        raise TypeError(
            f"rows must be a tuple of Reproduction (reproduce_all()), got {rows!r}"
        )
    for k, row in enumerate(rows):
        if not isinstance(row, Reproduction):
            raise TypeError(
                f"rows[{k}] must be a Reproduction, got {type(row).__name__}"
            )
    return tuple(rows)


def comparison_table(rows: tuple[Reproduction, ...]) -> Markdown:
    """Lay the rows out as the comparison page's table: article, quantity, values, status.

    Plain Markdown (no MyST roles), so a downloaded notebook shows it as the site does.

    >>> print(comparison_table(reproduce_all()[:1]))
    | 文章 | 量 | 原文 | 现算 | 状态 | 说明 |
    |---|---|---|---|---|---|
    | [000] | `l` | 200 | 200 | 匹配 | 房价例子，单位：万元的平方 |
    """
    cells = [
        (
            f"[{r.article}]",
            f"`{r.quantity}`",
            r.published_text,
            r.live_text,
            STATUS_ZH[r.status],
            r.note,
        )
        for r in _check_rows(rows)
    ]
    return table(cells, ["文章", "量", "原文", "现算", "状态", "说明"])
