r"""How the pages print numbers and tables: Markdown that Jupyter and the book render.

A page glues a number into its prose with ``glue("key", sci(x), display=False)`` in a hidden cell
and ``{glue:md}`key:myst``` in the text; a table is the last expression of a cell,
``table(rows, headers)``. Both are Markdown text (a ``str`` with ``_repr_markdown_``), so they
render the same on the site, in the PDF and in a downloaded notebook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Markdown", "sci", "table"]


class Markdown(str):
    """Text that Jupyter displays as rendered Markdown."""

    def _repr_markdown_(self) -> str:
        return str(self)


def sci(x: float, digits: int = 2) -> Markdown:
    r"""``x`` in scientific notation as inline math, :math:`5\times10^{-5}`, ``digits`` significant.

    >>> sci(5e-05), sci(-6.7e19), sci(0.0)
    ('$5\\times 10^{-5}$', '$-6.7\\times 10^{19}$', '$0$')
    """
    if (
        isinstance(x, bool)
        or not isinstance(x, (int, float))
        or not math.isfinite(x)
    ):
        raise ValueError(f"x must be a finite real number, got {x!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a whole number >= 1, got {digits!r}")
    if x == 0:
        return Markdown("$0$")
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return Markdown(rf"${mantissa}\times 10^{{{int(exponent)}}}$")


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> Markdown:
    """Lay ``rows`` out as a Markdown table under ``headers``, each cell as ``str()`` gives it.

    >>> print(table([(1, "a")], ["n", "x"]))
    | n | x |
    |---|---|
    | 1 | a |
    """
    if not _sequence(headers) or not headers:
        raise TypeError(
            f"headers must be a non-empty sequence of names, got {headers!r}"
        )
    if not _sequence(rows):
        raise TypeError(f"rows must be a sequence of rows, got {rows!r}")
    width = len(headers)
    for k, row in enumerate(rows):
        if not _sequence(row) or len(row) != width:
            raise ValueError(
                f"rows[{k}] must hold {width} cells, like headers; got {row!r}"
            )
        if any(isinstance(c, float) and not math.isfinite(c) for c in row):
            raise ValueError(
                f"rows[{k}] holds a number that is not finite: {row!r}"
            )

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(c).replace("|", r"\|") for c in cells) + " |"

    return Markdown(
        "\n".join([line(headers), "|" + "---|" * width, *map(line, rows)])
    )


def _sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))
