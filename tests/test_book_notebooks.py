"""conf/_ext/book_notebooks.py: a MyST page's Markdown, rewritten for plain Jupyter.

Each MyST construct the book's pages use is converted on a small example, against a stand-in
for the Sphinx environment holding the numbers and titles the site would show. The downloaded
notebooks of the real book are checked (and run) by ``tests/test_notebooks.py`` on the site.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
import book_notebooks as bn  # noqa: E402  (conf/_ext)
import notation  # noqa: E402  (conf/_ext)


class exercise_enumerable_node:
    def __init__(self, label: str) -> None:
        self.ids = [label]

    def get(self, key: str, default=None):
        return self.ids if key == "ids" else default


def make_page(docname: str = "ch", **glue) -> bn.Page:
    """A page of a two-chapter book: ``ch`` (chapter 3) and ``other`` (chapter 4); ``plain``
    is a page without a notebook."""
    env = SimpleNamespace(
        toc_fignumbers={
            "ch": {
                "displaymath": {"equation-eq-a": (3, 1), "equation-eq-b": (3, 2)},
                "figure": {"fig-a": (3, 1)},
                "exercise": {"ex-a": (3, 1), "ex-b": (3, 2)},
            },
            "other": {"displaymath": {"equation-eq-o": (4, 7)}},
        },
        domains=SimpleNamespace(
            math_domain=SimpleNamespace(
                equations={"eq-a": ("ch", 1), "eq-b": ("ch", 2), "eq-o": ("other", 7)}
            ),
            standard_domain=SimpleNamespace(
                labels={
                    "sec-a": ("ch", "sec-a", "本章一节"),
                    "chap-other": ("other", "chap-other", "另一章"),
                    "app-plain": ("plain", "app-plain", "附录"),
                },
                anonlabels={"fig-a": ("ch", "fig-a")},
            ),
        ),
        titles={},
        config=SimpleNamespace(
            math_eqref_format="式 ({number})",
            numfig_format={"figure": "图 %s", "exercise": "练习 %s"},
            source_encoding="utf-8",
        ),
        get_doctree=lambda name: SimpleNamespace(
            findall=lambda: [exercise_enumerable_node("ex-a"), exercise_enumerable_node("ex-b")]
        ),
    )
    return bn.Page(
        docname=docname,
        env=env,
        srcdir=ROOT / "docs",
        glue={key: value for key, value in glue.items()},
        notebooks={"ch", "other"},
    )


def convert(markdown: str, **glue) -> str:
    return bn.for_jupyter(markdown, make_page(**glue))


# -- Notation macros ---------------------------------------------------------------------------


def test_macros_expand_with_their_arguments():
    assert bn.expand_macros(r"\pd{L}{\vw}") == r"{\frac{\partial L}{\partial {\mathbf{w}}}}"
    assert bn.expand_macros(r"\pd L b") == r"{\frac{\partial L}{\partial b}}"
    assert bn.expand_macros(r"\pd{\hat y^{(i)}}{w_j}") == (
        r"{\frac{\partial \hat y^{(i)}}{\partial w_j}}"
    )
    # \vy is not the start of \vyhat, and \vwx is not \vw
    assert bn.expand_macros(r"\vyhat-\vy+\vwx") == r"{\hat{\mathbf{y}}}-{\mathbf{y}}+\vwx"


def test_a_missing_macro_argument_is_an_error():
    with pytest.raises(ValueError, match="argument is missing"):
        bn.expand_macros(r"x = \pd{L}")


@given(st.lists(st.sampled_from([*(f"\\{name}" for name in notation.MACROS), "x", "^2", " "])))
def test_no_macro_survives_expansion(parts):
    tex = "".join(p + ("{a}{b}" if p == r"\pd" else "") for p in parts)
    expanded = bn.expand_macros(tex)
    names = "|".join(sorted(notation.MACROS, key=len, reverse=True))
    assert not re.search(rf"\\({names})(?![A-Za-z])", expanded)
    assert expanded.count("{") == expanded.count("}")


def test_the_first_cell_defines_every_macro():
    cell = bn.first_cell("第 3 章", "书", "pkg-1.0-py3-none-any.whl", None)
    for line in notation.newcommands().splitlines():
        assert line in cell.source
    assert 'pip install "pkg-1.0-py3-none-any.whl[notebook]"' in cell.source


# -- Inline: roles, math, targets --------------------------------------------------------------


def test_glue_roles_show_the_pages_values():
    glue = {
        "g": {"text/plain": "-20.0"},
        "s": {"text/plain": "'手推'"},
        "m": {"text/markdown": "**快** $\\vw$", "text/plain": "<IPython.core.display.Markdown>"},
        "t": {"text/latex": "$\\displaystyle x^2$"},
    }
    out = convert(
        "δ = {glue:text}`g:g`，{glue:text}`g:.2f`，{glue:text}`s`；{glue:md}`m`；{glue:math}`t`",
        **glue,
    )
    assert out == "δ = -20，-20.00，手推；**快** ${\\mathbf{w}}$；$\\displaystyle x^2$"


def test_an_unknown_glue_key_is_an_error():
    with pytest.raises(ValueError, match="no glued value 'nope'"):
        convert("{glue:text}`nope`")


def test_equations_get_the_sites_numbers_and_anchors():
    out = convert("看 {eq}`eq-a` 与 {eq}`eq-o`：\n\n$$\n\\vw\n$$ (eq-b)\n")
    assert "[式 (3.1)](#equation-eq-a)" in out
    assert "[式 (4.7)](other.ipynb#equation-eq-o)" in out
    assert '<a id="equation-eq-b"></a>\n\n$$\n{\\mathbf{w}} \\tag{3.2}\n$$' in out


def test_references_become_titles_and_links():
    out = convert(
        "见 {ref}`sec-a`、{ref}`chap-other`、{ref}`附录 A <app-plain>` 和 {numref}`fig-a`"
    )
    assert (
        out == "见 [本章一节](#sec-a)、[另一章](other.ipynb#chap-other)、附录 A 和 [图 3.1](#fig-a)"
    )


def test_targets_become_anchors_and_comments_go():
    assert convert("(sec-a)=\n# 标题\n% 作者的话\n正文") == '<a id="sec-a"></a>\n# 标题\n正文'


def test_code_spans_are_left_alone():
    source = "`{eq}` 与 `$x$`、``a ` b``"
    assert convert(source) == source


# -- Fenced directives -------------------------------------------------------------------------


def test_admonitions_become_quotes_or_details():
    out = convert(":::{admonition} 本章你将学到\n:class: tip\n\n- 一\n- $\\vw$\n:::\n")
    assert out == "> **本章你将学到**\n>\n> - 一\n> - ${\\mathbf{w}}$"
    folded = convert("```{note}\n:class: dropdown\n\n细节\n```")
    assert folded.startswith("<details>\n<summary><b>") and "细节" in folded


def test_exercises_are_numbered_and_solutions_folded():
    out = convert(
        "```{exercise}\n:label: ex-a\n\n求 $\\vw$。\n```\n\n"
        "````{solution} ex-a\n:class: dropdown\n\n```python\nx = 1\n```\n````\n"
        "```{exercise} 附加题\n:label: ex-b\n\n再来。\n```"
    )
    assert '<a id="ex-a"></a>\n\n> **练习 3.1**\n>\n> 求 ${\\mathbf{w}}$。' in out
    # "解答 练习 3.1" in a Chinese build (sphinx-exercise's translation), English here
    assert re.search(r"<details>\n<summary>.+ 练习 3\.1</summary>\n\n```python\nx = 1\n```", out)
    assert "> **练习 3.2（附加题）**" in out


def test_tab_sets_print_every_tab_under_its_label():
    out = convert("::::{tab-set}\n:::{tab-item} PyTorch\nA\n:::\n:::{tab-item} NumPy\nB\n:::\n::::")
    assert out == "**PyTorch**\n\nA\n\n**NumPy**\n\nB"


def test_literalinclude_becomes_the_code_it_shows():
    out = convert(
        "```{literalinclude} ../linreg_src/model.py\n:language: python\n:pyobject: linreg\n```"
    )
    assert out.startswith("```python\n@checked\ndef linreg(")
    assert out.rstrip().endswith("```")


def test_code_like_directives_become_code_blocks():
    assert convert("```{doctest}\n>>> 1 + 1\n2\n```") == "```pycon\n>>> 1 + 1\n2\n```"
    assert convert("```{code-block} bash\nls\n```") == "```bash\nls\n```"
    assert convert("```{toctree}\na\n```") == ""


def test_labelled_math_and_glued_math_directives_are_tagged():
    out = convert(
        "```{math}\n:label: eq-a\n\\vw\n```\n\n```{glue:math} t\n:label: eq-b\n```",
        t={"text/latex": "$$x$$"},
    )
    assert "{\\mathbf{w}} \\tag{3.1}" in out and "x \\tag{3.2}" in out


def test_an_unknown_directive_keeps_its_content():
    out = convert("```{margin} 旁注\n要点\n```")
    assert out == "> **旁注**\n>\n> 要点"


def test_fences_nest_by_length():
    blocks = bn.blocks("a\n````{solution} x\n```python\n1\n```\n````\nb")
    assert [(b.fence, b.info) for b in blocks] == [("", ""), ("````", "{solution} x"), ("", "")]
    assert blocks[1].text == "```python\n1\n```"


# -- Cells ------------------------------------------------------------------------------------


def test_hidden_cells_are_collapsed():
    import nbformat

    cell = nbformat.v4.new_code_cell("glue('x', 1)", metadata={"tags": ["remove-cell"]})
    bn.collapse_hidden(cell)
    assert cell.metadata["jupyter"] == {"outputs_hidden": True, "source_hidden": True}
    shown = nbformat.v4.new_code_cell("x")
    bn.collapse_hidden(shown)
    assert "jupyter" not in shown.metadata


def test_a_figure_cell_gets_its_caption_and_anchor():
    import nbformat

    cell = nbformat.v4.new_code_cell(
        "plot()", metadata={"mystnb": {"figure": {"caption": "形状 $\\vw$", "name": "fig-a"}}}
    )
    assert bn.figure_caption(cell, make_page()) == (
        '<a id="fig-a"></a>\n\n**图 3.1** 形状 ${\\mathbf{w}}$'
    )


def test_glue_data_is_read_without_changing_the_notebook():
    import nbformat

    output = nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": "3"},
        metadata={"scrapbook": {"name": "k", "mime_prefix": "application/papermill.record/"}},
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[output])])
    assert bn.glue_data(notebook) == {"k": {"text/plain": "3"}}
    assert notebook.cells[0].outputs[0]["data"] == {"application/papermill.record/text/plain": "3"}


# -- The wheel --------------------------------------------------------------------------------


def test_the_wheel_is_named_after_the_project():
    assert bn.wheel_name(ROOT) == "linreg_src-0.1.0-py3-none-any.whl"


@pytest.mark.slow
def test_the_wheel_builds_offline_and_reproducibly(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = bn.build_wheel(ROOT, tmp_path / "a", tmp_path / "a.sha256")
    second = bn.build_wheel(ROOT, tmp_path / "b", tmp_path / "b.sha256")
    assert first.read_bytes() == second.read_bytes()
    mtime = first.stat().st_mtime_ns
    assert bn.build_wheel(ROOT, tmp_path / "a", tmp_path / "a.sha256") == first
    assert first.stat().st_mtime_ns == mtime, "an unchanged package is not built again"
