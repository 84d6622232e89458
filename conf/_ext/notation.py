"""The book's notation macros, defined here and nowhere else.

Pages write ``$\\mX\\vw$``, ``$\\vyhat$``, ``$\\pd{L}{w}$`` ... Every renderer takes its definitions
from :data:`MACROS`: the HTML math renderer (``conf.py``), and whatever else needs them (the LaTeX
preamble of the PDF, the first cell of a downloaded notebook) through :func:`newcommands`.
"""

from __future__ import annotations

#: name -> body, or [body, number of arguments] (MathJax's ``tex.macros`` format).
MACROS: dict[str, str | list[str | int]] = {
    "mX": r"\mathbf{X}",  # design matrix (batch of inputs), one row per example
    "vx": r"\mathbf{x}",  # one example's features
    "vw": r"\mathbf{w}",  # weights
    "vy": r"\mathbf{y}",  # labels
    "vyhat": r"\hat{\mathbf{y}}",  # predictions
    "yhat": r"\hat{y}",  # one prediction
    "vdelta": r"\boldsymbol{\delta}",  # error terms, delta = yhat - y
    "R": r"\mathbb{R}",
    "pd": [r"\frac{\partial #1}{\partial #2}", 2],  # \pd{L}{w}
}


def newcommands(macros: dict[str, str | list[str | int]] = MACROS) -> str:
    r"""The macros as LaTeX ``\newcommand`` lines, one per macro.

    Examples
    --------
    >>> print(newcommands({"vw": r"\mathbf{w}", "pd": [r"\frac{\partial #1}{\partial #2}", 2]}))
    \newcommand{\vw}{\mathbf{w}}
    \newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
    """
    lines = []
    for name, spec in macros.items():
        if isinstance(spec, str):
            lines.append(rf"\newcommand{{\{name}}}{{{spec}}}")
        else:
            body, nargs = spec
            lines.append(rf"\newcommand{{\{name}}}[{nargs}]{{{body}}}")
    return "\n".join(lines)
