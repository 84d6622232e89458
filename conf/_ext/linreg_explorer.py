"""``{gradient-explorer}``: sliders for w and b over a grid that linreg_src computed at build time.

In a page::

    :::{gradient-explorer} et_explorer_grid
    :::

The argument is a glue key of the same page holding ``linreg_src.explorer.grid_json(...)``
(plus a ``start`` position). The page embeds that JSON; ``_static/explorer.js`` builds the
sliders, read-outs and the SVG loss curve with its tangent, and only looks values up. The PDF and
the other non-HTML builders drop the explorer; so do the downloaded notebooks (book_notebooks).
"""

from __future__ import annotations

import ast
import json
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

SCRIPT = "explorer.js"
STYLESHEET = "interactive.css"
#: What every grid must hold (linreg_src.explorer.gradient_grid, and the page's start).
KEYS = {"x", "y", "w", "b", "y_hat", "delta", "loss", "grad_w", "grad_b", "start"}


class gradient_explorer(nodes.General, nodes.Element):
    """The explorer: ``grid`` (JSON text) and ``key`` as attributes."""


class GradientExplorer(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        from myst_nb.ext.glue.utils import RetrievalError, retrieve_glue_data

        key = self.arguments[0]
        try:
            text = retrieve_glue_data(self.state.document, key).data.get("text/plain", "")
            grid = json.loads(ast.literal_eval(text))
        except (RetrievalError, ValueError, SyntaxError) as err:
            raise self.error(f"gradient-explorer: glue key {key!r}: {err}") from None
        missing = KEYS - set(grid)
        if missing:
            raise self.error(f"gradient-explorer: grid {key!r} lacks {sorted(missing)}")
        node = gradient_explorer(grid=json.dumps(grid, sort_keys=True, separators=(",", ":")))
        node["key"] = key
        self.set_source_info(node)
        return [node]


def visit_html(self: Any, node: gradient_explorer) -> None:
    data = node["grid"].replace("</", "<\\/")
    self.body.append(
        f'<div class="gradient-explorer" id="explorer-{node["key"]}">'
        f'<script type="application/json" class="explorer-data">{data}</script>'
        '<p class="explorer-noscript">（这个小工具需要浏览器运行 JavaScript。）</p>'
        "</div>"
    )
    raise nodes.SkipNode


def skip(self: Any, node: gradient_explorer) -> None:
    raise nodes.SkipNode


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is not None and next(doctree.findall(gradient_explorer), None) is not None:
        app.add_js_file(SCRIPT)
        app.add_css_file(STYLESHEET)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(
        gradient_explorer,
        html=(visit_html, None),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_directive("gradient-explorer", GradientExplorer)
    app.connect("html-page-context", add_script)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
