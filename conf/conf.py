"""Sphinx configuration of the book.

Built as ``sphinx-build -n -W --keep-going -c conf docs OUT`` (see ``noxfile.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
sys.path.insert(0, str(CONF_DIR / "_ext"))
sys.path.insert(
    0, str(ROOT)
)  # linreg_src importable for autodoc and doctest even when not installed

# -- Project ---------------------------------------------------------------------------------
project = "拆解 l.sum().backward()"
author = "linreg-book 作者组"
copyright = "2026, linreg-book 作者组"
language = "zh_CN"

# -- Extensions ------------------------------------------------------------------------------
extensions = [
    "myst_nb",  # also provides MyST markdown; do not list myst_parser as well
    "sphinx.ext.doctest",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx_togglebutton",
    "sphinx_exercise",
    "linreg_deps",
]
linreg_src_root = str(ROOT)

exclude_patterns = [
    "_build",
    "**/_build",
    "jupyter_execute",
    ".jupyter_cache",
    "**.ipynb_checkpoints",
]
templates_path = [str(CONF_DIR / "_templates")]
html_static_path = [str(CONF_DIR / "_static")]
html_css_files = ["book.css"]

# -- MyST / MyST-NB --------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
# LINREG_BOOK_CACHE gives parallel builds (tests building copies of the book) separate caches.
nb_execution_cache_path = os.environ.get(
    "LINREG_BOOK_CACHE", str(ROOT / "_build" / ".jupyter_cache")
)
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a failing cell fails the build, naming the page
nb_execution_show_tb = True
nb_merge_streams = True
nb_execution_excludepatterns: list[str] = []

# -- Numbering, Chinese style -----------------------------------------------------------------
numfig = True
numfig_secnum_depth = 1
numfig_format = {
    "figure": "图 %s",
    "table": "表 %s",
    "code-block": "代码 %s",
    "section": "第 %s 节",
}
math_numfig = True
math_eqref_format = "式 ({number})"

# -- Strictness ------------------------------------------------------------------------------
# No intersphinx (the build is offline), so references to third-party types cannot resolve.
nitpick_ignore_regex = [
    ("py:class", r"(torch|numpy|np|matplotlib|sympy|collections\.abc|typing)\..*"),
    ("py:class", r"(Tensor|ndarray|NDArray|ArrayLike|Figure|Axes|Generator|Callable|Iterator)"),
    ("py:class", r"MappingProxyType.*"),
    ("py:class", r"optional|array_like|array-like|callable|default .*"),
]

# -- API docs --------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False

# -- Doctest ---------------------------------------------------------------------------------
doctest_global_setup = "import torch\ntorch.set_printoptions(precision=4)\n"
trim_doctest_flags = True

# -- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "拆解 l.sum().backward()"
html_last_updated_fmt = None
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
html_copy_source = True
html_show_sourcelink = True

# Reproducible output: no build timestamps, fixed hash salt for any SVG figures.
os.environ.setdefault("PYTHONHASHSEED", "0")
