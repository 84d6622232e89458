"""The answers a reader can check in the browser: the book's value and how close counts as right.

An exercise whose answer is a number gets an answer box on the site (``{answer-check}``,
``conf/_ext/linreg_answers.py``). The page computes the number in a hidden cell and glues
``answer(value, places=...)``: the value, and the tolerance that the number of decimal places
the exercise asks for implies. The browser only compares what the reader typed with these two
numbers; nothing about the answer is typed into the page.
"""

from __future__ import annotations

import json

from linreg_src._validate import check_real_scalar

__all__ = ["answer", "tolerance"]

#: Relative slack added to every tolerance, so that a value typed with all its digits is never
#: refused for the last bit of a float64 (an exact zero gets ZERO_SLACK).
REL_SLACK = 1e-9
ZERO_SLACK = 1e-12


def tolerance(value: float, places: int | None = None) -> float:
    """How far a typed answer may lie from ``value`` and still be right.

    ``places=None`` asks for the exact value (up to float64 rounding, relative to ``value``:
    ``3e-05`` must not accept ``0``); ``places=k`` accepts anything that rounds to ``value`` at
    ``k`` decimal places: half a unit of the ``k``-th place.

    >>> tolerance(200.0), tolerance(3e-05), tolerance(0.0)
    (2e-07, 3e-14, 1e-12)
    >>> tolerance(-19.28278, places=2)
    0.00500001928278
    """
    value = check_real_scalar("value", value)
    slack = REL_SLACK * abs(value) or ZERO_SLACK
    if places is None:
        return float(f"{slack:.12g}")
    if (
        isinstance(places, bool)
        or not isinstance(places, int)
        or not 0 <= places <= 12
    ):
        raise ValueError(
            f"places must be a whole number from 0 to 12, got {places!r}"
        )
    return float(f"{0.5 * 10.0**-places + slack:.12g}")


def answer(value: float, places: int | None = None) -> str:
    """Return the answer box's data, ``value`` and its :func:`tolerance`, as JSON to glue.

    >>> answer(0.625)
    '{"value": 0.625, "tol": 6.25e-10}'
    >>> answer(-3.8565, places=3)
    '{"value": -3.8565, "tol": 0.0005000038565}'
    """
    value = check_real_scalar("value", value)
    return json.dumps({"value": value, "tol": tolerance(value, places)})
