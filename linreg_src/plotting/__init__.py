"""Figures for the book, one module per topic.

Every helper returns a :class:`matplotlib.figure.Figure` and never calls ``show``; figures use
a white background so they read the same in light and dark mode, and contain no text that
needs a CJK font (captions, in Chinese, live on the page). Pages import from the topic module,
e.g. ``from linreg_src.plotting.graph import plot_factory_graph``, so a page re-executes only when
the figures it draws change.
"""

from __future__ import annotations

import re
from typing import Any

from linreg_src._validate import describe

__all__ = ["check_figure_text", "show_figures_inline"]

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def check_figure_text(name: str, text: object) -> str:
    """Return ``text`` if a figure can draw it: a ``str`` with no CJK characters.

    No CJK font is installed where the book is built, so Chinese in a figure would come out as
    empty boxes; figures use English or math, and the Chinese goes in the page's caption.

    Parameters
    ----------
    name : str
        What the text is (``"title"``, ``"label"`` ...), for the message.
    text : object
        The text to check.

    Returns
    -------
    str
        ``text``.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.
    ValueError
        If it contains CJK characters.

    Examples
    --------
    >>> check_figure_text("title", "loss per epoch")
    'loss per epoch'
    >>> check_figure_text("title", "损失")
    Traceback (most recent call last):
    ...
    ValueError: title '损失' contains CJK characters, which no installed font can draw; use English or math ($...$) in figures and put Chinese in the page's caption
    """  # noqa: E501
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {describe(text)}")
    if _CJK.search(text):
        raise ValueError(
            f"{name} {text!r} contains CJK characters, which no installed font can draw; "
            "use English or math ($...$) in figures and put Chinese in the page's caption"
        )
    return text


def show_figures_inline(shell: Any = None) -> bool:
    """Make a returned :class:`~matplotlib.figure.Figure` display as a PNG in Jupyter.

    The helpers build figures with ``matplotlib.figure.Figure`` rather than pyplot (no global
    state, nothing to close), and such a figure has no display hook of its own: without this a
    cell ending in one shows ``<Figure size …>``. This registers IPython's own PNG formatter for
    figures, as ``%matplotlib inline`` would. Importing :mod:`linreg_src.plotting` calls it, so
    pages (and notebooks readers download) need no magic.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell, optional
        The shell to configure; by default the running one, if any.

    Returns
    -------
    bool
        Whether a shell was configured (``False`` outside IPython).

    Examples
    --------
    >>> show_figures_inline()  # plain Python: nothing to do
    False
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the docs environment
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"}, bbox_inches="tight")
    return True


show_figures_inline()
