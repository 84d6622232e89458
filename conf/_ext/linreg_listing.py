"""A listing shows the computation: an included function's docstring shrinks to its summary.

Pages show ``linreg_src`` through ``literalinclude`` with ``:pyobject:``. The package's
docstrings are written for the API page (the shapes, the formula in reST math, a doctest);
on a chapter's page the text around the listing says all that, and a ten-line docstring
would bury three lines of math. So the listing keeps the docstring's first line, with its
cross-reference roles (``:func:`sgd```) read as the names they are (````sgd````).

Sphinx's ``LiteralIncludeReader`` is replaced by a subclass whose ``pyobject`` filter does
this, so the page and the downloaded notebook (``book_notebooks.py`` uses the same reader)
show the same code. ``:emphasize-lines:`` count lines of the shortened listing.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Any

from sphinx.application import Sphinx
from sphinx.directives import code

#: ``:func:`~linreg_src.optim.sgd``` and friends: the name, as inline code.
ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|obj|exc):`~?([^`]+)`")
QUOTES = re.compile(r"^(\s*)([rRuU]?)(\"\"\"|''')")


def summary_docstring(text: str) -> str:
    """``text`` (one function or class) with its docstring cut to the summary line.

    >>> print(summary_docstring('def f(x):\\n    \\"\\"\\"Add one.\\n\\n    More.\\n    \\"\\"\\"\\n    return x + 1\\n'))
    def f(x):
        \"\"\"Add one.\"\"\"
        return x + 1
    <BLANKLINE>
    """  # noqa: E501
    try:
        tree = ast.parse(textwrap.dedent(text))
    except SyntaxError:
        return text
    if not tree.body or not isinstance(
        node := tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ):
        return text
    first = node.body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return text
    lines = text.splitlines(keepends=True)
    quotes = QUOTES.match(lines[first.lineno - 1])
    if quotes is None:
        return text
    indent, prefix, quote = quotes.groups()
    summary = ROLE.sub(r"``\1``", inspect.cleandoc(first.value.value).splitlines()[0])
    if "\\" not in summary:
        prefix = prefix.replace("r", "").replace("R", "")
    shortened = f"{indent}{prefix}{quote}{summary}{quote}\n"
    return "".join([*lines[: first.lineno - 1], shortened, *lines[first.end_lineno :]])


class SummaryLiteralIncludeReader(code.LiteralIncludeReader):
    """Sphinx's reader, with a ``:pyobject:``'s docstring cut to its summary line."""

    def pyobject_filter(self, lines: list[str], location: Any = None) -> list[str]:
        lines = super().pyobject_filter(lines, location)
        if not self.options.get("pyobject"):
            return lines
        return summary_docstring("".join(lines)).splitlines(keepends=True)


def setup(app: Sphinx) -> dict[str, object]:
    # LiteralInclude.run() looks the reader up in this module when it runs.
    code.LiteralIncludeReader = SummaryLiteralIncludeReader
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
