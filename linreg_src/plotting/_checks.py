"""Checks shared by the figure helpers: text a figure can draw, numbers it can draw."""

from __future__ import annotations

import re

from linreg_src._validate import check_real_scalar, describe

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def check_figure_text(name: str, text: object) -> str:
    """Return ``text`` if a figure can draw it: a ``str`` with no CJK (no CJK font is installed).

    >>> check_figure_text("title", "loss per epoch")
    'loss per epoch'
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {describe(text)}")
    if _CJK.search(text):
        raise ValueError(
            f"{name} {text!r} contains CJK characters, which no installed font can draw; "
            "use English or math ($...$) in figures and put Chinese in the page's caption"
        )
    return text


#: Figures draw magnitudes up to 1e100 (on a log axis, down to 1e-100): beyond, matplotlib's
#: transforms overflow.
PLOT_LIMIT = 1e100


def check_plot_number(
    name: str, value: object, *, log: bool = False, limit: float = PLOT_LIMIT
) -> float:
    """Return ``value`` as a float if a figure can draw it: within ±limit, on a log axis >= 1/limit.

    >>> check_plot_number("bandwidth", 1e120, log=True)
    Traceback (most recent call last):
    ...
    ValueError: bandwidth must lie in [1e-100, 1e+100] to be drawn, got 1e+120
    """
    number = check_real_scalar(name, value)
    if abs(number) > limit or (log and number < 1 / limit):
        span = f"[{1 / limit:g}, {limit:g}]" if log else f"[{-limit:g}, {limit:g}]"
        raise ValueError(f"{name} must lie in {span} to be drawn, got {number:g}")
    return number
