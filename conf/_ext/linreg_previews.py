"""Equation previews: hovering or focusing an ``{eq}`` reference shows the equation.

A reference to an equation of the same page needs nothing from the build: ``_static/previews.js``
copies the typeset equation already on the page. A reference to another page's equation cannot
fetch that page (from ``file://`` a browser refuses), so the build embeds those equations: each
page gets a ``<script type="application/json" id="equation-previews">`` mapping the references'
``href`` to the equation's KaTeX HTML, typeset by ``linreg_katex`` from the target's source.

An incremental build rewrites a page when a page whose equations it cites changed, so an
embedded preview is never older than its equation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

SCRIPT = "previews.js"
STYLESHEET = "interactive.css"
_EQ_LINK = re.compile(r'<a class="reference internal" href="([^"#]*)#equation-([^"]+)"')


def record_references(app: Sphinx, doctree: nodes.document) -> None:
    """Remember which equation labels each page cites (for :func:`outdated`)."""
    labels = {
        node["reftarget"]
        for node in doctree.findall(addnodes.pending_xref)
        if node.get("refdomain") == "math" and node.get("reftype") in {"eq", "numref"}
    }
    refs = getattr(app.env, "linreg_eq_refs", {})
    refs[app.env.docname] = labels
    app.env.linreg_eq_refs = refs  # type: ignore[attr-defined]


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "linreg_eq_refs", {}).pop(docname, None)


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: Any) -> None:
    refs = getattr(env, "linreg_eq_refs", {})
    refs.update({d: getattr(other, "linreg_eq_refs", {}).get(d, set()) for d in docnames})
    env.linreg_eq_refs = refs  # type: ignore[attr-defined]


def outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Pages citing an equation of a page about to be re-read: their previews change too."""
    touched = set(added) | set(changed) | set(removed)
    equations = env.domains.math_domain.equations
    return sorted(
        docname
        for docname, labels in getattr(env, "linreg_eq_refs", {}).items()
        if docname not in touched
        and any(equations.get(label, (None,))[0] in touched for label in labels)
    )


def equation_html(app: Sphinx, docname: str, label: str) -> str | None:
    """The KaTeX HTML of equation ``label`` of ``docname``, typeset from its source."""
    from linreg_katex import display_tex

    doctree = app.env.get_doctree(docname)
    for node in doctree.findall(nodes.math_block):
        if node.get("label") == label:
            return app._linreg_katex.render(display_tex(node), True)  # type: ignore[attr-defined]
    return None


def embed(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Embed other pages' equations this page cites; load the preview script."""
    if app.builder.format != "html" or doctree is None or "body" not in context:
        return
    links = _EQ_LINK.findall(context["body"])
    if not links:
        return
    equations = app.env.domains.math_domain.equations
    previews = {}
    for target, label in sorted(set(links)):
        if not target:
            continue  # same page: the script copies it from the page
        docname = equations.get(label, (None,))[0]
        html = equation_html(app, docname, label) if docname else None
        if html is not None:
            previews[f"{target}#equation-{label}"] = html
    if previews:
        data = json.dumps(previews, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
        context["body"] += f'<script type="application/json" id="equation-previews">{data}</script>'
    app.add_js_file(SCRIPT)
    app.add_css_file(STYLESHEET)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", record_references)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", outdated)
    app.connect("html-page-context", embed)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
