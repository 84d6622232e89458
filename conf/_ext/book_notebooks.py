r"""Downloadable notebooks that open and run in plain Jupyter, and the wheel they install.

Each executed page is offered as ``_sources/<page>.ipynb`` (sphinx-book-theme's download menu).
MyST-NB's notebook is the page's source: its Markdown cells hold MyST syntax that plain Jupyter
cannot render -- ``{glue:text}`` roles where the page shows numbers, ``{eq}``/``{ref}`` roles,
``:::{admonition}``/``{exercise}``/``{tab-set}`` fences, ``$$ ... $$ (label)`` equations -- and
the book's notation macros (``\vw``, ``\mX`` ...) that only the site's MathJax defines.

:func:`for_jupyter` rewrites each Markdown cell into CommonMark + math that any Jupyter renders:

* glue references become the values the page shows (formatted by MyST-NB's own function);
* ``{eq}``, ``{numref}`` become "式 (3.4)", "图 3.1" with the site's numbers; ``{ref}``/``{doc}``
  the target's title, linked inside the notebook or to a sibling notebook of the book;
* labelled equations get ``\tag{<the site's number>}``; notation macros are expanded inside math
  (and also defined in the first cell, for the reader's own cells);
* admonitions become quotes, folded ones (``:class: dropdown``) and solutions ``<details>``,
  exercises are titled with their number, tab-sets print every tab under its label,
  ``literalinclude`` becomes the code it includes;
* ``(label)=`` targets become anchors, MyST comments go.

Code cells keep their code and the build's outputs; cells hidden on the site are collapsed
(``jupyter.source_hidden`` / ``outputs_hidden``). The first cell says how to install
``linreg_src``: a wheel built from the checkout at build time (:func:`build_wheel`), shipped in
the site's ``downloads/`` folder, with a ``[notebook]`` extra for what the pages import.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
import notation
import yaml
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Folder of the HTML output holding what a reader takes home (wheel, PDF, archive).
DOWNLOADS = "downloads"
#: Files of the project the wheel is built from.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "linreg_src")
#: The extra of linreg-src that installs what the notebooks import besides linreg_src.
NOTEBOOK_EXTRA = "notebook"

# -- Notation macros in math -------------------------------------------------------------------


def _argument(tex: str, pos: int) -> tuple[str, int]:
    """One macro argument at ``pos`` (after spaces): a balanced ``{...}`` group or one token."""
    while pos < len(tex) and tex[pos] in " \t\n":
        pos += 1
    if pos >= len(tex):
        raise ValueError(f"a macro argument is missing at the end of {tex!r}")
    if tex[pos] == "{":
        depth = 0
        for end in range(pos, len(tex)):
            if tex[end] == "\\":
                continue
            if tex[end] == "{" and (end == 0 or tex[end - 1] != "\\"):
                depth += 1
            elif tex[end] == "}" and tex[end - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return tex[pos + 1 : end], end + 1
        raise ValueError(f"unbalanced braces in {tex!r}")
    command = re.match(r"\\[A-Za-z]+|\\.|.", tex[pos:], re.S)
    assert command is not None
    return command[0], pos + len(command[0])


def expand_macros(tex: str, macros: dict[str, Any] = notation.MACROS) -> str:
    r"""``tex`` with the book's notation macros replaced by their definitions.

    Each expansion is braced, so ``x_\vw`` stays valid TeX; arguments are a braced group or one
    token, as TeX reads them.

    Examples
    --------
    >>> expand_macros(r"\mX^\top\vdelta = \pd{L}{\vw}")
    '{\\mathbf{X}}^\\top{\\boldsymbol{\\delta}} = {\\frac{\\partial L}{\\partial {\\mathbf{w}}}}'
    >>> expand_macros(r"\vyhat \vy \vw_1")
    '{\\hat{\\mathbf{y}}} {\\mathbf{y}} {\\mathbf{w}}_1'
    """
    names = "|".join(sorted(map(re.escape, macros), key=len, reverse=True))
    pattern = re.compile(rf"\\({names})(?![A-Za-z])")
    out, pos = [], 0
    while match := pattern.search(tex, pos):
        out.append(tex[pos : match.start()])
        spec = macros[match[1]]
        body, nargs = (spec, 0) if isinstance(spec, str) else (str(spec[0]), int(spec[1]))
        pos = match.end()
        for number in range(1, nargs + 1):
            argument, pos = _argument(tex, pos)
            body = body.replace(f"#{number}", expand_macros(argument, macros))
        out.append("{" + body + "}")
    out.append(tex[pos:])
    return "".join(out)


def macro_definitions(macros: dict[str, Any] = notation.MACROS) -> str:
    r"""The macros as one inline math span of ``\newcommand``\ s: it renders as nothing, and
    defines the notation for the cells a reader adds (Jupyter's MathJax keeps definitions)."""
    return "$" + notation.newcommands(macros).replace("\n", " ") + "$"


# -- The page: where numbers, titles and glued values come from --------------------------------


@dataclass
class Page:
    """What converting one page's Markdown needs from the build."""

    docname: str
    env: Any  # sphinx.environment.BuildEnvironment, complete (all pages read)
    srcdir: Path
    glue: dict[str, dict[str, Any]]  # key -> mime bundle of the glued value
    notebooks: set[str]  # pages offered as .ipynb (cross-page links go to these)
    glue_of: Callable[[str], dict[str, dict[str, Any]]] = lambda _: {}
    attachments: dict[str, dict[str, str]] = field(default_factory=dict)
    exercises_seen: int = 0
    _exercises: list[tuple[str, str]] | None = None

    # numbers -----------------------------------------------------------------------------
    def number(self, docname: str, figtype: str, node_id: str) -> str | None:
        numbers = self.env.toc_fignumbers.get(docname, {}).get(figtype, {})
        if node_id in numbers:
            return ".".join(map(str, numbers[node_id]))
        return None

    def equation(self, label: str) -> tuple[str, str] | None:
        """``(docname, number)`` of a labelled equation, numbered as the site numbers it."""
        found = self.env.domains.math_domain.equations.get(label)
        if found is None:
            return None
        docname, eqno = found
        return docname, self.number(docname, "displaymath", f"equation-{label}") or str(eqno)

    def exercise_number(self, index: int, label: str | None) -> str:
        """Number of this page's ``index``-th exercise (document order), or of ``label``."""
        if self._exercises is None:
            self._exercises = [
                (node_id, self.number(self.docname, "exercise", node_id) or "")
                for node in self.env.get_doctree(self.docname).findall()
                if type(node).__name__ == "exercise_enumerable_node"
                for node_id in node.get("ids", [])[:1]
            ]
        for node_id, number in self._exercises:
            if label and node_id == label:
                return number
        if label is None and index < len(self._exercises):
            return self._exercises[index][1]
        return ""

    # links -------------------------------------------------------------------------------
    def link(self, text: str, docname: str, anchor: str) -> str:
        """``text`` linked to ``anchor`` in this notebook or a sibling one, else plain."""
        if docname == self.docname:
            return f"[{text}](#{anchor})"
        if docname in self.notebooks:
            return f"[{text}]({PurePosixPath(docname).name}.ipynb#{anchor})"
        return text

    def title(self, docname: str) -> str:
        title = self.env.titles.get(docname)
        return title.astext() if title is not None else docname

    def glued(self, key: str) -> dict[str, Any]:
        document, _, name = key.rpartition("::")
        glue = self.glue_of(self._resolve(document)) if document else self.glue
        if name not in glue:
            raise ValueError(f"{self.docname}: no glued value {name!r}")
        return glue[name]

    def _resolve(self, target: str) -> str:
        base = PurePosixPath(self.docname).parent
        return str(PurePosixPath(base, target).with_suffix("")).lstrip("./")


# -- Inline Markdown: roles, math, targets, comments -------------------------------------------

ROLE_TITLE = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
INLINE = re.compile(
    r"(?P<role>\{(?P<rname>[\w:.+-]+)\}(?P<rticks>`+)(?P<rbody>.+?)(?P=rticks))"
    r"|(?P<code>(?P<cticks>`+).+?(?P=cticks))"
    r"|(?P<dmath>\$\$(?P<dbody>.+?)\$\$(?:[ \t]*\((?P<dlabel>[^()\s]+)\))?)"
    r"|(?P<imath>(?<![\\$])\$(?P<ibody>(?:\\.|[^$\\])+?)\$)"
    r"|(?P<target>^\((?P<tlabel>[^()\s]+)\)=[ \t]*$)"
    r"|(?P<comment>^%[^\n]*(?:\n|$))",
    re.S | re.M,
)


def display_math(body: str, number: str | None, anchor: str | None) -> str:
    tag = f" \\tag{{{number}}}" if number else ""
    math = f"$$\n{expand_macros(body.strip())}{tag}\n$$"
    return f'<a id="{anchor}"></a>\n\n{math}' if anchor else math


def inline(text: str, page: Page) -> str:
    """Rewrite roles, math, targets and comments of a stretch of Markdown (no fences)."""

    def replace(match: re.Match[str]) -> str:
        if match["role"]:
            return role(match["rname"], match["rbody"], page)
        if match["code"]:
            return match["code"]
        if match["dmath"]:
            label = match["dlabel"]
            if label is None:
                return display_math(match["dbody"], None, None)
            found = page.equation(label)
            return display_math(match["dbody"], found and found[1], f"equation-{label}")
        if match["imath"]:
            return f"${expand_macros(match['ibody'])}$"
        if match["target"]:
            return f'<a id="{match["tlabel"]}"></a>'
        return ""  # a MyST comment

    return INLINE.sub(replace, text)


def role(name: str, body: str, page: Page) -> str:
    """The Markdown for one MyST role, as the page renders it."""
    from myst_nb.core.variables import format_plain_text

    titled = ROLE_TITLE.match(body)
    explicit, target = (titled["title"], titled["target"]) if titled else (None, body)
    if name == "glue:text":  # key:format, split as MyST-NB splits it
        key, _, spec = body.rpartition(":") if ":" in body else (body, "", "s")
        return format_plain_text(str(page.glued(key)["text/plain"]), spec)
    if name in {"glue", "glue:", "glue:any"}:
        data = page.glued(body)
        if "text/markdown" in data:
            return inline(str(data["text/markdown"]), page)
        return format_plain_text(str(data["text/plain"]), "s")
    if name == "glue:md":  # key or key:format (the Markdown flavour)
        return inline(str(page.glued(body.rsplit(":", 1)[0])["text/markdown"]), page)
    if name == "glue:math":
        from myst_nb.core.render import strip_latex_delimiters

        return f"${expand_macros(strip_latex_delimiters(str(page.glued(body)['text/latex'])))}$"
    if name == "eq":
        found = page.equation(target)
        if found is None:
            raise ValueError(f"{page.docname}: {{eq}} to an unknown equation {target!r}")
        text = page.env.config.math_eqref_format.format(number=found[1])
        return page.link(explicit or text, found[0], f"equation-{target}")
    if name in {"ref", "numref"}:
        return reference(name, explicit, target, page)
    if name == "doc":
        docname = page._resolve(target)
        return page.link(explicit or page.title(docname), docname, "")
    if name == "math":
        return f"${expand_macros(body)}$"
    if name in {"sub", "sup"}:
        return f"<{name}>{body}</{name}>"
    if name in {"code", "literal", "kbd", "file", "samp", "command", "envvar", "option"}:
        return f"`{body}`"
    if name == "abbr":
        return body.split(" (")[0]
    return explicit or target  # term, guilabel, download, ...: the text the page shows


def reference(name: str, explicit: str | None, target: str, page: Page) -> str:
    std = page.env.domains.standard_domain
    if target in std.labels:
        docname, anchor, section = std.labels[target]
    elif target in std.anonlabels:
        docname, anchor = std.anonlabels[target]
        section = ""
    else:
        raise ValueError(f"{page.docname}: {{{name}}} to an unknown label {target!r}")
    if name == "ref":
        return page.link(explicit or section or target, docname, anchor)
    for figtype, numbers in page.env.toc_fignumbers.get(docname, {}).items():
        if anchor in numbers:
            number = ".".join(map(str, numbers[anchor]))
            if explicit:
                text = explicit.replace("%s", number).replace("{number}", number)
            else:
                text = page.env.config.numfig_format.get(figtype, "%s") % number
            return page.link(text, docname, anchor)
    raise ValueError(f"{page.docname}: {{numref}} to {target!r}, which has no number")


# -- Fenced blocks: directives and code --------------------------------------------------------

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^\n]*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.+-]+)\}[ \t]*(?P<args>.*)$")
ADMONITIONS = {
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
}
CODE_LIKE = {
    "code-block": None,
    "code": None,
    "sourcecode": None,
    "doctest": "pycon",
    "testcode": "python",
    "testoutput": "text",
    "eval-rst": "rst",
}
# answer-check, gradient-explorer: the site's widgets (linreg_answers), which need its scripts;
# only: what a page shows on one output (the site's widgets and the prose about them)
DROPPED = {"toctree", "testsetup", "testcleanup", "raw", "answer-check", "gradient-explorer"}
DROPPED |= {"only"}


@dataclass
class Block:
    """A stretch of Markdown (``fence`` empty) or one fenced block."""

    text: str
    fence: str = ""
    info: str = ""


def blocks(markdown: str) -> list[Block]:
    """Split Markdown into text and top-level fenced blocks (backticks, tildes or colons).

    A fence closes at the first later line of at least as many of the same character and
    nothing else, so nested fences must differ, as MyST requires.
    """
    lines = markdown.split("\n")
    out: list[Block] = []
    text: list[str] = []
    i = 0
    while i < len(lines):
        opened = FENCE_OPEN.match(lines[i])
        if opened is None or (opened["fence"][0] == "`" and "`" in opened["info"]):
            text.append(lines[i])
            i += 1
            continue
        fence = opened["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        if text:
            out.append(Block("\n".join(text)))
            text = []
        out.append(Block("\n".join(lines[i + 1 : end]), fence, opened["info"].strip()))
        i = end + 1
    if text:
        out.append(Block("\n".join(text)))
    return out


def directive_parts(body: str) -> tuple[dict[str, Any], str]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block) and content."""
    lines = body.split("\n")
    options: dict[str, Any] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            options = yaml.safe_load("\n".join(lines[1:end])) or {}
            return options, "\n".join(lines[end + 1 :]).strip("\n")
    i = 0
    while i < len(lines) and (option := re.match(r"^:([\w-]+):(.*)$", lines[i])):
        options[option[1]] = option[2].strip()
        i += 1
    return options, "\n".join(lines[i:]).strip("\n")


def for_jupyter(markdown: str, page: Page) -> str:
    """A Markdown cell of a MyST page rewritten for plain Jupyter (see the module docstring)."""
    parts = []
    for block in blocks(markdown):
        if not block.fence:
            parts.append(inline(block.text, page))
        else:  # a blank line after it: the next block may start right below the fence
            parts.append(fenced(block, page) + "\n")
    return "\n".join(parts).rstrip("\n")


def fence_for(code: str, language: str = "") -> str:
    ticks = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`{3,}", code))])
    return f"{ticks}{language}\n{code.rstrip()}\n{ticks}"


def quoted(markdown: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in markdown.split("\n"))


def folded(summary: str, markdown: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{markdown}\n\n</details>"


def fenced(block: Block, page: Page) -> str:
    directive = DIRECTIVE.match(block.info)
    if directive is None:  # plain code
        return f"{block.fence}{block.info}\n{block.text}\n{block.fence}"
    name, args = directive["name"], directive["args"].strip()
    options, content = directive_parts(block.text)
    classes = str(options.get("class", "")).split()
    if name in DROPPED:
        return ""
    if name in CODE_LIKE:
        return fence_for(content, CODE_LIKE[name] or args or str(options.get("language", "")))
    if name == "literalinclude":
        return literalinclude(args, options, page)
    if name == "math":
        label = options.get("label")
        found = page.equation(label) if label else None
        return display_math(content, found and found[1], label and f"equation-{label}")
    if name == "glue:math":
        from myst_nb.core.render import strip_latex_delimiters

        latex = strip_latex_delimiters(str(page.glued(args)["text/latex"]))
        label = options.get("label")
        found = page.equation(label) if label else None
        return display_math(latex, found and found[1], label and f"equation-{label}")
    if name in {"glue", "glue:", "glue:any", "glue:text", "glue:md", "glue:figure"}:
        return glued_block(name, args, options, page)
    body = for_jupyter(content, page)
    if name in {"tab-set", "tab-set-code", "div", "container"}:
        return body
    if name == "tab-item":
        return f"**{args}**\n\n{body}"
    if name == "exercise":
        page.exercises_seen += 1
        number = page.exercise_number(page.exercises_seen - 1, options.get("label"))
        title = page.env.config.numfig_format.get("exercise", "%s") % number
        if args:
            title += f"（{inline(args, page)}）"
        anchor = f'<a id="{options["label"]}"></a>\n\n' if options.get("label") else ""
        return anchor + quoted(f"**{title}**\n\n{body}")
    if name == "solution":
        number = page.exercise_number(-1, args)
        exercise = page.env.config.numfig_format.get("exercise", "%s") % number
        summary = f"{solution_word()} {exercise}"
        if "dropdown" in classes:
            return folded(summary, body)
        return quoted(f"**{summary}**\n\n{body}")
    title = inline(args, page) if args else admonition_title(name)
    if "dropdown" in classes:
        return folded(f"<b>{title}</b>", body)
    return quoted(f"**{title}**\n\n{body}")


def solution_word() -> str:
    """What sphinx-exercise calls a solution in the book's language ("解答")."""
    from sphinx.locale import get_translation

    return str(get_translation("exercise")("Solution to"))


def admonition_title(name: str) -> str:
    from sphinx.locale import admonitionlabels

    return str(admonitionlabels.get(name, name))


def literalinclude(argument: str, options: dict[str, Any], page: Page) -> str:
    """The code a ``literalinclude`` shows on the page (Sphinx's own reader, same options)."""
    from sphinx.directives.code import LiteralIncludeReader

    path = (page.srcdir / PurePosixPath(page.docname).parent / argument).resolve()
    reader_options: dict[str, Any] = {}
    for key, value in options.items():
        if key == "dedent":
            reader_options[key] = int(value) if str(value).strip() else None
        elif key in {"lineno-start"}:
            reader_options[key] = int(value)
        else:
            reader_options[key] = value
    text, _ = LiteralIncludeReader(path, reader_options, page.env.config).read()
    return fence_for(text, str(options.get("language", "")))


def glued_block(name: str, key: str, options: dict[str, Any], page: Page) -> str:
    data = page.glued(key)
    if name == "glue:md" or (name != "glue:text" and "text/markdown" in data):
        return inline(str(data["text/markdown"]), page)
    image = next((m for m in ("image/png", "image/jpeg") if m in data), None)
    if image and name != "glue:text":
        filename = f"{key}.{image.split('/')[1]}"
        page.attachments[filename] = {image: str(data[image]).replace("\n", "")}
        caption = str(options.get("caption", options.get("alt", key)))
        return f"![{caption}](attachment:{filename})"
    return fence_for(str(data["text/plain"]), "text")


# -- The notebook ------------------------------------------------------------------------------


def glue_data(notebook: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """Each glued key's mime bundle, read (not removed) from the executed notebook's outputs."""
    glue: dict[str, dict[str, Any]] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = len(meta.get("mime_prefix", ""))
                glue[meta["name"]] = {k[prefix:]: v for k, v in output["data"].items()}
    return glue


#: Cell tags of MyST-NB -> the collapsed parts of the cell in Jupyter.
HIDDEN = {
    "remove-cell": ("source_hidden", "outputs_hidden"),
    "hide-cell": ("source_hidden", "outputs_hidden"),
    "remove-input": ("source_hidden",),
    "hide-input": ("source_hidden",),
    "remove-output": ("outputs_hidden",),
    "hide-output": ("outputs_hidden",),
}


def collapse_hidden(cell: nbformat.NotebookNode) -> None:
    """Collapse what the site hides: the cell still runs, the reader can expand it."""
    hidden = {part for tag in cell.metadata.get("tags", []) for part in HIDDEN.get(tag, ())}
    if hidden:
        cell.metadata.setdefault("jupyter", {}).update(dict.fromkeys(sorted(hidden), True))


def figure_caption(cell: nbformat.NotebookNode, page: Page) -> str:
    """The caption the page gives a cell's figure (``mystnb: figure:`` metadata), numbered and
    with the anchor that ``{numref}`` links to; empty if the cell makes no captioned figure."""
    figure = cell.metadata.get("mystnb", {}).get("figure") or {}
    caption, name = str(figure.get("caption", "")).strip(), figure.get("name")
    if not caption:
        return ""
    number = name and page.number(page.docname, "figure", name)
    label = page.env.config.numfig_format.get("figure", "%s") % number if number else ""
    anchor = f'<a id="{name}"></a>\n\n' if name else ""
    return f"{anchor}**{label}** {for_jupyter(caption, page)}".replace("****", "")


def install_command(wheel: str) -> str:
    """The one command that installs ``linreg_src`` and what the notebooks import."""
    return f'python3 -m pip install "{wheel}[{NOTEBOOK_EXTRA}]"'


def first_cell(title: str, book: str, wheel: str, wheel_url: str | None) -> nbformat.NotebookNode:
    where = f"[`{wheel}`]({wheel_url})" if wheel_url else f"`{wheel}`"
    text = f"""\
**{title}** —— 《{book}》中的一章。这个笔记本就是书的网站上那一页：代码单元与它们的输出，都是构建这本书时执行的结果。

**自己运行之前**，在运行 Jupyter 的同一个 Python 环境里装好书的源码包 `linreg_src`：从书的网站下载 {where}（每页右上角的下载菜单里有，附录《构建状态与下载》也有），放在这个笔记本旁边，然后在同一个文件夹里运行

```bash
{install_command(wheel)}
```

`[{NOTEBOOK_EXTRA}]` 会一并装上笔记本用到的 PyTorch、NumPy、matplotlib、SymPy 和 MyST-NB（`glue` 函数）。之后从头运行全部单元即可。标签为 `raises-exception` 的单元故意报错、演示错误信息，从它的下一个单元接着运行。网站上折叠的单元在这里也是折叠的，点开就能看。

{macro_definitions()}"""  # noqa: E501
    return nbformat.v4.new_markdown_cell(text)


def jupyter_notebook(
    notebook: nbformat.NotebookNode, page: Page, first: nbformat.NotebookNode, drop: Callable
) -> nbformat.NotebookNode:
    """The executed page as a plain-Jupyter notebook (``notebook`` is modified)."""
    from linreg_reproducible import coalesce_streams

    cells = [first]
    for cell in notebook.cells:
        if drop(cell):
            continue
        cells.append(cell)
        if cell.cell_type == "markdown":
            page.attachments = {}
            cell.source = for_jupyter(cell.source, page)
            if page.attachments:
                cell["attachments"] = page.attachments
        elif cell.cell_type == "code":  # a kernel flushes stdout in timing-dependent chunks
            cell.outputs = coalesce_streams(cell.outputs)  # (the HTML merges them too)
            collapse_hidden(cell)
            caption = figure_caption(cell, page)
            if caption:
                cells.append(nbformat.v4.new_markdown_cell(caption))
    notebook.cells = cells
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"  # nbformat draws random ids; the download must not change
    notebook.metadata.pop("jupytext", None)  # not a paired text notebook any more
    return notebook


# -- The wheel ---------------------------------------------------------------------------------


def wheel_name(root: Path) -> str:
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    name = re.sub(r"[-_.]+", "_", project["name"])
    return f"{name}-{project['version']}-py3-none-any.whl"


def _sources_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for name in WHEEL_SOURCES:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def build_wheel(root: Path, dest: Path, stamp: Path) -> Path:
    """Build ``linreg_src``'s wheel into ``dest`` (offline, from a copy of its sources).

    pip builds it with the build environment's setuptools (``--no-build-isolation``: nothing
    is downloaded); ``SOURCE_DATE_EPOCH`` dates the zip entries, so the wheel is byte-identical
    from build to build. Rebuilt only when the sources changed (digest in ``stamp``).
    """
    wheel = dest / wheel_name(root)
    digest = _sources_digest(root)
    if wheel.is_file() and stamp.is_file() and stamp.read_text() == digest:
        return wheel
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linreg-wheel-") as tmp:
        source = Path(tmp) / "src"
        for name in WHEEL_SOURCES:
            if (root / name).is_dir():
                shutil.copytree(
                    root / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                source.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, source / name)
        built = Path(tmp) / "dist"
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        command += ["--no-index", "--quiet", "--wheel-dir", str(built), str(source)]
        # The zip's dates: the build's (conf/build_env.py), or 1980-01-01 if there is none.
        env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800")}
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if result.returncode != 0:
            raise RuntimeError(f"building {wheel.name} failed:\n{result.stdout}{result.stderr}")
        shutil.copyfile(built / wheel.name, wheel)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return wheel


# -- Wiring ------------------------------------------------------------------------------------


def executed_notebook(app: Sphinx, pagename: str) -> nbformat.NotebookNode:
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


def notebook_pages(app: Sphinx) -> set[str]:
    return {name for name, meta in app.env.metadata.items() if "kernelspec" in meta}


def make_wheel(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    root = Path(app.config.linreg_package_root)
    app.env.book_wheel = build_wheel(
        root, Path(app.outdir, DOWNLOADS), Path(app.doctreedir, "linreg_src-wheel.sha256")
    ).name


def offer_notebook(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """Write the page's notebook for plain Jupyter; sphinx-book-theme offers it for download.

    sphinx-book-theme lists ``context["ipynb_source"]`` (a file under ``_sources``) in its
    download menu, but fills it only when a launch button (Binder, Colab ...) is configured.
    """
    if doctree is None or pagename not in notebook_pages(app):
        return
    from linreg_deps import MARKER  # the fingerprint cell is build machinery, not the reader's

    glues: dict[str, dict[str, dict[str, Any]]] = {}

    def glue_of(docname: str) -> dict[str, dict[str, Any]]:
        if docname not in glues:
            glues[docname] = glue_data(executed_notebook(app, docname))
        return glues[docname]

    notebook = executed_notebook(app, pagename)
    page = Page(
        docname=pagename,
        env=app.env,
        srcdir=Path(app.srcdir),
        glue=glue_data(notebook),
        notebooks=notebook_pages(app),
        glue_of=glue_of,
    )
    wheel = app.env.book_wheel
    base = app.config.html_baseurl.rstrip("/")
    first = first_cell(
        page.title(pagename),
        app.config.project,
        wheel,
        f"{base}/{DOWNLOADS}/{wheel}" if base else None,
    )
    try:
        notebook = jupyter_notebook(
            notebook, page, first, lambda cell: cell.source.startswith(MARKER)
        )
    except ValueError as exc:
        logger.warning("%s: its notebook for Jupyter: %s", pagename, exc, location=pagename)
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(nbformat.writes(notebook), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", make_wheel)
    # Before sphinx-book-theme builds its download menu (priority 501).
    app.connect("html-page-context", offer_notebook, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1"}
