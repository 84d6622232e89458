"""Figures for the book, one module per topic.

Every helper returns a :class:`matplotlib.figure.Figure` and never calls ``show``; figures use
a white background so they read the same in light and dark mode, and contain no text that
needs a CJK font (captions, in Chinese, live on the page). Pages import from the topic module,
e.g. ``from linreg_src.plotting.graph import plot_factory_graph``, so a page re-executes only when
the figures it draws change.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["show_figures_inline"]

# matplotlib warns when placing a legend at loc="best" takes it more than a second: on a busy
# machine that put a timing-dependent line under a figure of the book. The figure is the same.
warnings.filterwarnings(
    "ignore", message='Creating legend with loc="best" can be slow'
)


def show_figures_inline(shell: Any = None) -> bool:
    """Make a returned :class:`~matplotlib.figure.Figure` display as a PNG in Jupyter.

    The helpers build figures without pyplot, and such a figure has no display hook: without this a
    cell ending in one shows ``<Figure size …>``. Importing :mod:`linreg_src.plotting` calls it.

    >>> show_figures_inline()  # plain Python: nothing to do
    False
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the docs
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"}, bbox_inches="tight")
    return True


show_figures_inline()
