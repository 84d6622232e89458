"""``{answer-check}``: an answer box in an exercise, checked in the reader's browser, offline.

In a page (inside an ``{exercise}``)::

    :::{answer-check} nt_ans_loss
    :hint: 差值与原来大小相同，只是符号相反。

    损失 $l$ =
    :::

The argument is a glue key of the same page. Its hidden cell glues
``linreg_src.answers.answer(value, places=...)``: the value the book computed and the tolerance
that the decimal places asked for imply, as JSON. The box carries both in ``data-answer``;
``_static/answers.js`` parses what the reader types (fractions, ``5e-5``, ``5×10^-5``, full-width
digits and minus signs ...), compares, writes ``data-verdict="correct"`` or ``"wrong"`` on the
box with a Chinese verdict, and on a right answer opens the exercise's folded solution.

Only HTML builders draw the box: in the PDF (LaTeX) and the other builders it is dropped, and
``book_notebooks`` drops the directive from the downloaded notebooks.
"""

from __future__ import annotations

import ast
import json
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

SCRIPT = "answers.js"
#: Styles of every issue-15 widget (answer boxes, explorer, previews), conf/_static.
STYLESHEET = "interactive.css"


class answer_check(nodes.General, nodes.Element):
    """The box: its prompt as children; ``answer`` (JSON), ``hint`` and ``key`` as attributes."""


def glued_answer(document: nodes.document, key: str) -> dict[str, float]:
    """The ``{"value": ..., "tol": ...}`` glued under ``key`` on this page, checked."""
    from myst_nb.ext.glue.utils import RetrievalError, retrieve_glue_data

    try:
        data = retrieve_glue_data(document, key).data
    except RetrievalError as err:
        raise ValueError(f"{err} (glue linreg_src.answers.answer(...) in a hidden cell)") from None
    text = data.get("text/plain", "")
    try:
        spec = json.loads(ast.literal_eval(text))
        value, tol = float(spec["value"]), float(spec["tol"])
    except (ValueError, SyntaxError, TypeError, KeyError) as err:
        raise ValueError(
            f"glue key {key!r} must hold linreg_src.answers.answer(...), got {text[:60]!r}"
        ) from err
    if tol <= 0:
        raise ValueError(f"glue key {key!r}: tolerance must be positive, got {tol}")
    return {"value": value, "tol": tol}


class AnswerCheck(SphinxDirective):
    """``{answer-check} GLUE_KEY`` with ``:hint:`` and a prompt as content."""

    required_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {"hint": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        key = self.arguments[0]
        try:
            spec = glued_answer(self.state.document, key)
        except ValueError as err:
            raise self.error(f"answer-check: {err}") from None
        if "hint" not in self.options:
            raise self.error("answer-check: a :hint: is required (what to look at again)")
        node = answer_check(
            answer=json.dumps(spec, sort_keys=True), hint=self.options["hint"], key=key
        )
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_html(self: Any, node: answer_check) -> None:
    ident = f"answer-{node['key']}"
    self.body.append(
        f'<div class="answer-check" data-answer="{self.attval(node["answer"])}" '
        f'data-hint="{self.attval(node["hint"])}">'
        f'<div class="answer-prompt" id="{ident}-prompt">'
    )


def depart_html(self: Any, node: answer_check) -> None:
    ident = f"answer-{node['key']}"
    self.body.append(
        "</div>"
        '<div class="answer-row">'
        f'<input type="text" id="{ident}" aria-labelledby="{ident}-prompt" inputmode="text" '
        'autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="done">'
        '<button type="button" class="answer-button">核对</button>'
        "</div>"
        '<p class="answer-verdict" role="status" aria-live="polite"></p>'
        "</div>"
    )


def skip(self: Any, node: answer_check) -> None:
    raise nodes.SkipNode


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Pages with an answer box load ``answers.js`` (and only they)."""
    if doctree is not None and next(doctree.findall(answer_check), None) is not None:
        app.add_js_file(SCRIPT)
        app.add_css_file(STYLESHEET)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(
        answer_check,
        html=(visit_html, depart_html),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_directive("answer-check", AnswerCheck)
    app.connect("html-page-context", add_script)
    app.setup_extension("linreg_explorer")  # the gradient explorer: its own file, same issue
    app.setup_extension("linreg_previews")  # equation previews on {eq} references
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
