"""Figures for the book, one module per topic.

Every helper returns a :class:`matplotlib.figure.Figure` and never calls ``show``; figures use
a white background so they read the same in light and dark mode, and contain no text that
needs a CJK font (captions, in Chinese, live on the page). Pages import from the topic module,
e.g. ``from linreg_src.plotting.graph import plot_factory_graph``, so a page re-executes only when
the figures it draws change.
"""
