"""Recompute every number the five articles publish, and say how each one was obtained.

A row's status is ``"match"`` (recomputed independently, equal at the printed precision),
``"determines input"`` (the number was used to recover an unprinted draw, so it matches by
construction and is no evidence), ``"not reproducible"`` (it depends on draws neither printed
nor recoverable; no row today) or ``"mismatch"``, which fails the comparison page's build.

>>> rows = reproduce_all()
>>> sorted({r.status for r in rows}), [r.live_text for r in rows if r.quantity == "b.grad"]
(['determines input', 'match'], ['-40.9567'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Literal

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
from linreg_src.chain import factory_backward, factory_forward
from linreg_src.grad import squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.recover import recover_delta_004, recover_initial_w_001, rounds_to

__all__ = [
    "Reproduction",
    "Status",
    "check_reproductions",
    "render_html_table",
    "reproduce_all",
]

Status = Literal["match", "determines input", "not reproducible", "mismatch"]


@dataclass(frozen=True)
class Reproduction:
    """One published number of an article, named in its notation, next to its live value."""

    article: str
    quantity: str
    published: float
    live: float
    decimals: int
    status: Status
    note: str = ""

    @property
    def published_text(self) -> str:
        """The published number at its printed precision."""
        return f"{self.published:.{self.decimals}f}"

    @property
    def live_text(self) -> str:
        """The live number at the article's printed precision."""
        text = f"{self.live:.{self.decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text


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
    return _rows(
        ARTICLE_000, ["loss (万²)"], (ARTICLE_000.published["loss"],), loss
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
        ),
        *_rows(ARTICLE_001, ["b.grad"], (pub["grad_b"],), grad_b),
    ]


def _article_002() -> list[Reproduction]:
    from linreg_src.article_002 import ARTICLE_002_SEED, article_002_run

    pub = ARTICLE_002.published
    rows: list[Reproduction] = []
    for optimizer, label in (("sgd", "SGD"), ("adam", "Adam")):
        run = article_002_run(ARTICLE_002_SEED, optimizer=optimizer)
        for name, live in (("w", run.weight), ("b", run.bias)):
            published = pub[f"{optimizer}_{name}"]
            gap = abs(live - published)
            same = (
                "与原文打印的全部数位相同"
                if gap == 0
                else f"与原文全精度相差 {gap:.1e}"
            )
            rows += _rows(
                ARTICLE_002,
                [f"{label} {name}"],
                (published,),
                [live],
                note=f"torch.manual_seed({ARTICLE_002_SEED});{same}",
            )
    return rows


def _article_003() -> list[Reproduction]:
    fwd = factory_forward(**ARTICLE_003.inputs)
    grads = factory_backward(fwd)
    names = ["u", "y", "loss", "grad_v", "grad_w"]
    live = [fwd.u, fwd.y, fwd.loss, grads.grad_v, grads.grad_w]
    return _rows(
        ARTICLE_003, names, tuple(ARTICLE_003.published[n] for n in names), live
    )


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


_STATUS_ZH = {
    "match": "匹配",
    "determines input": "决定输入",
    "not reproducible": "无法复现",
    "mismatch": "不一致",
}


def render_html_table(rows: tuple[Reproduction, ...]) -> str:
    """Render the rows as the comparison page's HTML ``<table>``, statuses in Chinese.

    >>> html = render_html_table(reproduce_all())
    >>> html.count("<tr") == len(reproduce_all()) + 1
    True
    """
    rows = _check_rows(rows)
    head = "".join(
        f"<th>{h}</th>" for h in ("文章", "量", "原文", "现算", "状态", "说明")
    )
    body = "".join(
        f'<tr class="cmp-{r.status.replace(" ", "-")}"><td>[{r.article}]</td>'
        f"<td><code>{escape(r.quantity)}</code></td><td>{r.published_text}</td>"
        f"<td>{r.live_text}</td><td>{_STATUS_ZH[r.status]}</td><td>{escape(r.note)}</td></tr>"
        for r in rows
    )
    table = f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
    return f'<table class="table cmp-table">{table}</table>'
