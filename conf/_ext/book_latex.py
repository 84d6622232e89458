"""Shape the book for print: what Sphinx's LaTeX builder needs to make the PDF read like the site.

The LaTeX builder inlines every page into one document below the root page. Left alone, the root
page's own sections become chapters with the whole book nested inside its "目录" section, the
PDF's numbers differ from the site's, folded solutions print in the middle of the exercises, and
an HTML table a cell displays prints as ``<IPython.core.display.HTML object>``. On the
assembled document (``doctree-resolved`` of the root page, LaTeX builder only) this extension:

1. **Chapters and parts as in the sidebar.** The root page's text becomes an unnumbered
   preface; each captioned toctree becomes a part (``\\part*``); pages of a ``:numbered:``
   toctree are numbered chapters, the others unnumbered ones, exactly as the site numbers them.
2. **The site's numbers.** Every numbered equation carries the number the HTML shows
   (``\\tag``), and every numbered figure and table its caption number, taken from the same
   place the HTML builder takes them (``env.toc_fignumbers``), so "式 (3.4)" and "图 3.1" mean
   the same on paper and on screen, in numbered chapters and in unnumbered ones alike.
3. **Folded solutions at the end of their chapter.** A ``{solution}`` folded on the site
   (``:class: dropdown``) moves to a "练习答案" section closing its chapter; its exercise says
   on which page to find it.
4. **HTML tables of cell outputs as LaTeX tables.** ``conf.py`` lets MyST-NB choose an output's
   ``text/html`` over its ``text/plain`` for LaTeX; a ``<table>`` becomes a docutils table. Any
   other HTML output is reported (a warning, so the strict build fails) instead of vanishing.

Tabs (sphinx-design) print one after another, each under its label, with no help from here.
"""

from __future__ import annotations

import contextlib
import unicodedata
from html.parser import HTMLParser
from typing import Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.writers.latex import LaTeXTranslator

logger = logging.getLogger(__name__)

#: LaTeX counter of each numbered node type whose number is set from the site's.
COUNTERS = {"figure": "figure", "table": "table"}


def raw_latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


def latex_escape(text: str) -> str:
    """Escape text for LaTeX (plain text: titles given in ``conf.py``)."""
    from sphinx.util.texescape import escape

    return escape(text, "xelatex")


# -- 1. Chapters and parts as in the sidebar ----------------------------------------------------


def toctrees_of(env: Any, docname: str) -> list[addnodes.toctree]:
    return list(env.get_doctree(docname).findall(addnodes.toctree))


def restructure(app: Sphinx, tree: nodes.document) -> None:
    """Preface, then one part per captioned toctree of the root page (see the module docstring).

    Sphinx's LaTeX writer skips the root page's title (it is the book's title) and turns each
    section below it into a chapter. Here the root section keeps: an unnumbered preface holding
    the root page's own text, then each toctree's pages, preceded by ``\\part*{caption}`` and a
    ``secnumdepth`` that numbers the chapters of a ``:numbered:`` toctree only.
    """
    env = app.env
    root = app.config.root_doc
    top = next(iter(tree.findall(nodes.section)), None)
    if top is None:
        return
    groups = []
    for toctree in toctrees_of(env, root):
        wrapper = _inlined_toctree(top, list(toctree["includefiles"]))
        if wrapper is None:
            continue
        files = [c for c in wrapper.children if isinstance(c, addnodes.start_of_file)]
        wrapper.parent.remove(wrapper)
        groups.append((toctree.get("caption"), bool(toctree.get("numbered")), files))
    if not groups:
        return
    _drop_empty_sections(top)

    title, *body = top.children
    preface = nodes.section(ids=["book-preface"])
    preface += nodes.title("", app.config.book_latex_preface_title)
    preface.extend(body)
    top.children = [title]
    secnumdepth = 2  # Sphinx's manual class: chapters, sections and subsections
    if len(preface) > 1:
        top += raw_latex("\\setcounter{secnumdepth}{-1}\n")
        top += preface
    for caption, numbered, files in groups:
        if caption:
            text = latex_escape(caption)
            top += raw_latex(f"\\part*{{{text}}}\\addcontentsline{{toc}}{{part}}{{{text}}}\n")
        top += raw_latex(f"\\setcounter{{secnumdepth}}{{{secnumdepth if numbered else -1}}}\n")
        top.extend(files)


def _inlined_toctree(top: nodes.Element, includefiles: list[str]) -> nodes.Element | None:
    """The node that holds the pages a toctree listed, now inlined (``start_of_file`` nodes)."""
    for node in top.findall(addnodes.start_of_file):
        if includefiles and node["docname"] == includefiles[0]:
            return node.parent
    return None


def _drop_empty_sections(top: nodes.Element) -> None:
    """Remove sections left with a title only (the root page's "目录", once its toctrees moved)."""
    for section in list(top.findall(nodes.section)):
        if section is top:
            continue
        if all(isinstance(c, (nodes.title, nodes.target, nodes.comment)) for c in section):
            section.parent.remove(section)


# -- 2. The site's numbers ---------------------------------------------------------------------


def page_of_nodes(tree: nodes.document, root: str) -> dict[int, str]:
    """``id(node) -> docname``: the page each node of the assembled document came from.

    Found from the ``start_of_file`` nodes, top down (a page inlined in another one overrides
    it for its own nodes); not from ``node.parent``: ``inline_all_toctrees`` moves a page's
    top-level nodes under ``start_of_file`` without updating their parents.
    """
    pages = {id(node): root for node in tree.findall()}
    for start in tree.findall(addnodes.start_of_file):
        for node in start.findall():
            pages[id(node)] = start["docname"]
    return pages


def site_number(env: Any, docname: str, figtype: str, node: nodes.Element) -> str | None:
    """The number the HTML shows for a numbered node (``"3.1"``, ``"14"``), or ``None``."""
    ids = node.get("ids") or []
    numbers = env.toc_fignumbers.get(docname, {}).get(figtype, {})
    for node_id in ids:
        if node_id in numbers:
            return ".".join(map(str, numbers[node_id]))
    return None


def number_like_the_site(app: Sphinx, tree: nodes.document, root: str) -> None:
    """Set figure and table numbers from the site's (equations: :func:`visit_math_block`)."""
    env = app.env
    domain = env.domains.standard_domain
    pages = page_of_nodes(tree, root)
    for node in list(tree.findall(nodes.Element)):
        if not isinstance(node, (nodes.figure, nodes.table)):
            continue
        figtype = domain.get_enumerable_node_type(node)
        counter = COUNTERS.get(figtype or "")
        number = counter and site_number(env, pages[id(node)], figtype, node)
        if not number:
            continue
        setter = raw_latex(f"\\def\\the{counter}{{{number}}}\\def\\theH{counter}{{{number}}}")
        if isinstance(node, nodes.figure):
            node.insert(0, setter)  # inside the figure environment: local to it
        else:
            node.parent.insert(node.parent.index(node), setter)  # before the table


def visit_math_block(self: LaTeXTranslator, node: nodes.math_block) -> None:
    """Sphinx's display math, plus ``\\tag{<the site's number>}`` on a labelled equation."""
    start = len(self.body)
    with contextlib.suppress(nodes.SkipNode):
        LaTeXTranslator.visit_math_block(self, node)
    if node.get("label"):
        docname = node.get("docname") or self.curfilestack[-1]
        number = site_number(self.builder.env, docname, "displaymath", node)
        label = f"\\label{{equation:{node['docname']}:{node['label']}}}"
        if number:
            self.body[start:] = [
                part.replace(label, f"{label}\\tag{{{number}}}", 1) for part in self.body[start:]
            ]
    raise nodes.SkipNode


# -- 3. Folded solutions at the end of their chapter -------------------------------------------


def is_folded_solution(node: nodes.Node) -> bool:
    return type(node).__name__ == "solution_node" and "dropdown" in node.get("classes", [])


def solutions_to_chapter_end(app: Sphinx, tree: nodes.document) -> None:
    """Move each folded solution to a "练习答案" section at the end of its chapter."""
    registry = getattr(app.env, "sphinx_exercise_registry", {})
    for chapter in _chapters(tree):
        solutions = [n for n in chapter.findall(nodes.Element) if is_folded_solution(n)]
        if not solutions:
            continue
        heading = latex_escape(app.config.book_latex_solutions_title)
        chapter += raw_latex(
            f"\\section*{{{heading}}}\\addcontentsline{{toc}}{{section}}{{{heading}}}"
            f"\\markright{{{heading}}}\n"
        )
        for solution in solutions:
            solution.parent.remove(solution)
            chapter += solution
            exercise = registry.get(solution.get("target_label"), {}).get("node")
            if exercise is None:
                continue
            target = _exercise_in(tree, exercise)
            if target is not None:
                label = f"{solution['docname']}:{solution['label']}"
                before, _, after = app.config.book_latex_solution_pointer.partition("{page}")
                pointer = f"{latex_escape(before)}\\pageref*{{{label}}}{latex_escape(after)}"
                target += nodes.paragraph(
                    "", "", raw_latex(f"\\hfill\\hyperref[{label}]{{\\small {pointer}}}")
                )


def _chapters(tree: nodes.document) -> list[nodes.section]:
    """The first section of each inlined page: its chapter."""
    chapters = []
    for start in tree.findall(addnodes.start_of_file):
        section = next((c for c in start.children if isinstance(c, nodes.section)), None)
        if section is not None:
            chapters.append(section)
    return chapters


def _exercise_in(tree: nodes.document, exercise: nodes.Element) -> nodes.Element | None:
    ids = set(exercise.get("ids", []))
    for node in tree.findall(nodes.Element):
        if type(node) is type(exercise) and ids & set(node.get("ids", [])):
            return node
    return None


# -- 4. HTML tables of cell outputs as LaTeX tables --------------------------------------------


class _TableParser(HTMLParser):
    """Rows of a simple HTML table: ``[(is_header, [cell, ...]), ...]``; a cell is a list of
    ``(text, is_code)`` runs. Anything but one table with text, ``<code>`` and inline markup is
    flagged in :attr:`problems`."""

    INLINE: ClassVar = {"code", "b", "strong", "em", "i", "span", "br", "sub", "sup"}
    STRUCTURE: ClassVar = {"table", "thead", "tbody", "tr", "th", "td", "colgroup", "col"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[bool, list[list[tuple[str, bool]]]]] = []
        self.tables = 0
        self.problems: list[str] = []
        self._cell: list[tuple[str, bool]] | None = None
        self._code = 0
        self._header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables += 1
        elif tag == "tr":
            self.rows.append((False, []))
        elif tag in {"th", "td"}:
            if not self.rows:
                self.rows.append((False, []))
            self._cell = []
            self._header = tag == "th"
            if any(name in {"colspan", "rowspan"} for name, _ in attrs):
                self.problems.append(f"<{tag}> spans cells")
        elif tag == "code":
            self._code += 1
        elif tag not in self.INLINE | self.STRUCTURE:
            self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"th", "td"} and self._cell is not None:
            header, cells = self.rows[-1]
            cells.append(self._cell)
            self.rows[-1] = (header or self._header, cells)
            self._cell = None
        elif tag == "code":
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append((data, self._code > 0))
        elif data.strip():
            self.problems.append(f"text outside a cell: {data.strip()[:40]!r}")


def text_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced rendering: wide (CJK) characters count two.

    Examples
    --------
    >>> text_width("loss (万²)")
    10
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text.strip())


def html_table(html: str) -> nodes.table:
    """A docutils table from the HTML of one simple table (a cell output's ``text/html``).

    Raises
    ------
    ValueError
        If ``html`` is not exactly one table of text cells (nested markup, spans, images ...).

    Examples
    --------
    >>> table = html_table("<table><tr><th>a</th></tr><tr><td><code>x</code> 1</td></tr></table>")
    >>> [row.astext() for row in table.findall(nodes.row)]
    ['a', 'x 1']
    """
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    if parser.tables != 1:
        parser.problems.append(f"{parser.tables} tables")
    widths = {len(cells) for _, cells in parser.rows}
    if len(widths) != 1:
        parser.problems.append(f"rows of different lengths {sorted(widths)}")
    if parser.problems:
        raise ValueError(f"cannot print this HTML as a table: {', '.join(parser.problems)}")
    (ncols,) = widths
    # Columns as wide as their widest cell (a CJK character counts two), so that numbers are
    # not broken across lines; "colwidths-given" makes Sphinx's LaTeX writer use them.
    longest = [
        max(text_width("".join(t for t, _ in cells[i])) for _, cells in parser.rows)
        for i in range(ncols)
    ]
    table = nodes.table(classes=["cell-output-table", "colwidths-given"])
    group = nodes.tgroup(cols=ncols)
    table += group
    group.extend(nodes.colspec(colwidth=min(max(n, 4), 24)) for n in longest)
    head = [cells for header, cells in parser.rows if header]
    body = [cells for header, cells in parser.rows if not header]
    for part, rows in ((nodes.thead(), head), (nodes.tbody(), body)):
        for cells in rows:
            row = nodes.row()
            for runs in cells:
                para = nodes.paragraph()
                for text, code in runs:
                    para += nodes.literal(text, text) if code else nodes.Text(text)
                row += nodes.entry("", para)
            part += row
        if rows:
            group += part
    return table


def html_outputs_as_tables(tree: nodes.document, root: str) -> None:
    pages = page_of_nodes(tree, root)
    for raw in list(tree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split() or not _in_cell_output(raw):
            continue
        try:
            raw.replace_self(html_table(raw.astext()))
        except ValueError as exc:
            logger.warning(
                "%s: an HTML output the PDF cannot show (%s)",
                pages[id(raw)],
                exc,
                location=raw,
                type="book_latex",
                subtype="html_output",
            )


def _in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if "cell_output" in getattr(parent, "get", lambda *_: [])("classes", []):
            return True
        parent = parent.parent
    return False


# -- Wiring ------------------------------------------------------------------------------------


def shape_for_print(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    restructure(app, doctree)
    number_like_the_site(app, doctree, docname)
    solutions_to_chapter_end(app, doctree)
    html_outputs_as_tables(doctree, docname)


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("book_latex_preface_title", "前言", "env", str)
    app.add_config_value("book_latex_solutions_title", "练习答案", "env", str)
    app.add_config_value("book_latex_solution_pointer", "答案见第 {page} 页", "env", str)
    app.connect("doctree-resolved", shape_for_print)
    app.add_node(nodes.math_block, override=True, latex=(visit_math_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
