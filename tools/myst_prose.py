"""Where the prose is in a MyST page: the one reading shared by the book's page linters.

A page mixes prose with things that are not prose: the YAML header, code cells, directives whose
body is code (``{doctest}``, ``{literalinclude}``, ``{math}`` ...), directive options, display math
``$$ … $$``, labels ``(name)=``, comments; and inside a line, roles with their argument
(``{glue:text}`x```), inline code, inline math ``$…$``, link targets, URLs and HTML tags.

:func:`prose_blocks` cuts a page into the runs of lines a reader sees as text (paragraphs, list
items, headings, table rows, admonition and exercise bodies, directive titles and figure
captions); :func:`protected_spans` finds, inside such a run, the pieces that are not prose.
``tools/zh_punct.py`` and ``tools/prose_numbers.py`` both read pages this way, so they agree on
what prose is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Directives whose body is code, data or a list of names, never Markdown prose.
CODE_DIRECTIVES = frozenset(
    {
        "code-cell",
        "code-block",
        "code",
        "sourcecode",
        "literalinclude",
        "doctest",
        "testcode",
        "testoutput",
        "testsetup",
        "testcleanup",
        "raw-cell",
        "raw",
        "math",
        "eval-rst",
        "csv-table",
        "include",
        "toctree",
        "glue",
        "glue:any",
        "glue:math",
        "glue:md",
        "glue:text",
        "mermaid",
        "graphviz",
        "bibliography",
    }
)
#: Directives whose argument (the rest of the opening line) is text a reader sees: a title, or
#: for ``{note}`` and its kin the first words of the body.
TITLE_DIRECTIVES = frozenset(
    {
        "admonition",
        "attention",
        "caution",
        "danger",
        "error",
        "hint",
        "important",
        "note",
        "seealso",
        "tip",
        "warning",
        "exercise",
        "dropdown",
        "tab-item",
        "card",
        "topic",
        "sidebar",
        "margin",
        "rubric",
    }
)

_OPENING = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.+-]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:[\w-]+:(\s|$)")
_LABEL = re.compile(r"^\s*\([\w:.+-]+\)=\s*$")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
_CAPTION = re.compile(r"^(?P<indent>\s*)caption:\s*(?P<value>.*)$")
_BEGIN_ENV = re.compile(r"^\s*\\begin\{(?P<env>[\w*]+)\}")

#: Pieces of a line that are not prose, tried left to right (the first alternative that matches
#: at a position wins, so a role's argument is never read as inline code).
PROTECTED = re.compile(
    r"<!--.*?-->"  # an HTML comment
    r"|\{[\w:.+-]+\}(?P<rt>`+).+?(?P=rt)"  # a role with its argument: {glue:text}`key:.4f`
    r"|(?P<ct>`+).+?(?P=ct)"  # inline code
    r"|\$\$.+?\$\$"  # display math written inline
    r"|(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?\$"  # inline math $…$
    r"|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"  # a link's target ](target "title")
    r"|\]\[[^\]]*\]"  # a reference link's label ][label]
    r"|\[\^[^\]\s]+\]"  # a footnote reference [^1]
    r"|\{\{.*?\}\}"  # a substitution {{ name }}
    r"|\{#[\w:.-]+\}"  # a heading's anchor {#name}
    r"|<[A-Za-z/!][^>\n]*>"  # an HTML tag or an autolink <https://…>
    r"|(?:https?|ftp)://[^\s<>()\u3000-\u303f\uff00-\uffef]+"  # a bare URL
    r"|\bwww\.[^\s<>()\u3000-\u303f\uff00-\uffef]+",
    re.S,
)


@dataclass(frozen=True)
class Block:
    """A run of prose lines: ``text`` starts at 0-based ``line``, column ``col`` of that line.

    Lines after the first start at column 0 of their own line (``text`` holds them whole).
    ``kind`` is ``"prose"`` (paragraphs, lists, headings, tables, directive bodies),
    ``"title"`` (a directive's argument) or ``"caption"`` (a code cell's figure caption).
    """

    line: int
    col: int
    text: str
    kind: str

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) in the page of ``text[offset]``."""
        before = self.text[:offset]
        row = before.count("\n")
        col = offset - (before.rfind("\n") + 1) if row else self.col + offset
        return self.line + row + 1, col + 1


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets of the pieces of ``text`` that are not prose.

    >>> text = "损失为 {glue:text}`loss:.4f`，即 $L$，见 `sgd`。"
    >>> [text[a:b] for a, b in protected_spans(text)]
    ['{glue:text}`loss:.4f`', '$L$', '`sgd`']
    """
    return [m.span() for m in PROTECTED.finditer(text)]


def _directive(info: str) -> tuple[str | None, str, int]:
    """``(name, argument, offset of the argument in info)``; name None for a plain fence."""
    stripped = info.strip()
    match = _DIRECTIVE.match(stripped)
    if not match:
        return None, stripped, 0
    lead = len(info) - len(info.lstrip())
    return match["name"], match["arg"], lead + match.start("arg")


def prose_blocks(source: str) -> list[Block]:
    r"""Cut a MyST page into the runs of prose lines a reader sees.

    >>> page = "---\nkernelspec: {}\n---\n(chap-x)=\n# 标题\n```{code-cell}\nx = 1\n```\n"
    >>> [(b.line, b.text) for b in prose_blocks(page)]
    [(4, '# 标题')]
    """
    lines = source.split("\n")
    blocks: list[Block] = []
    run: list[str] = []
    run_start = 0
    run_kind = "prose"

    def flush() -> None:
        nonlocal run
        if run:
            blocks.append(Block(run_start, 0, "\n".join(run), run_kind))
        run = []

    def add(i: int, line: str, kind: str = "prose") -> None:
        nonlocal run_start, run_kind
        if run and (kind != run_kind or i != run_start + len(run)):
            flush()
        if not run:
            run_start, run_kind = i, kind
        run.append(line)

    i = 0
    if lines and lines[0].strip() == "---":  # the YAML header
        i = next((k + 1 for k in range(1, len(lines)) if lines[k].strip() == "---"), len(lines))

    # Each open fence: (fence characters, kind) with kind "code", "cell" or "prose".
    stack: list[tuple[str, str]] = []
    in_options = False  # the option lines (":key: value" or a "---" YAML block) of a directive
    yaml_options = False
    caption_indent: int | None = None  # inside a multi-line figure caption of a code cell
    math_end: re.Pattern[str] | None = None  # inside display math, until this matches
    in_comment = False

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        kind = stack[-1][1] if stack else "prose"

        # Closing the innermost fence (any kind).
        if stack:
            fence = stack[-1][0]
            if re.fullmatch(re.escape(fence[0]) + f"{{{len(fence)},}}\\s*", stripped):
                stack.pop()
                flush()
                in_options = yaml_options = False
                caption_indent = None
                i += 1
                continue

        if kind == "code":
            flush()
            i += 1
            continue

        if kind == "cell":  # a code cell: only its figure caption is prose
            flush()
            if in_options and stripped == "---" and yaml_options:
                in_options = yaml_options = False
                caption_indent = None
            elif in_options and yaml_options:
                indent = len(line) - len(line.lstrip())
                if caption_indent is not None and (indent > caption_indent or not stripped):
                    if stripped:
                        add(i, line, "caption")
                else:
                    caption_indent = None
                    caption = _CAPTION.match(line)
                    if caption:
                        value = caption["value"]
                        if value.rstrip() in {"|", ">", "|-", ">-", "|+", ">+"}:
                            caption_indent = len(caption["indent"])
                        elif value.strip():
                            col = caption.start("value")
                            blocks.append(Block(i, col, value.rstrip(), "caption"))
            elif in_options and stripped.startswith("---") and not yaml_options:
                yaml_options = True
            elif in_options and _OPTION.match(line):
                pass
            else:
                in_options = False
            i += 1
            continue

        # Prose context: the page itself or the body of a directive such as {admonition}.
        if in_comment:
            if "-->" in line:
                in_comment = False
            i += 1
            continue
        if math_end is not None:
            if math_end.search(stripped):
                math_end = None
            i += 1
            continue
        if in_options:
            if yaml_options:
                if stripped == "---":
                    in_options = yaml_options = False
                i += 1
                continue
            if stripped == "---" and i > 0 and _OPENING.match(lines[i - 1]):
                yaml_options = True
                i += 1
                continue
            if _OPTION.match(line):
                i += 1
                continue
            in_options = False

        opening = _OPENING.match(line)
        if opening:
            flush()
            name, arg, arg_at = _directive(opening["info"])
            fence = opening["fence"]
            if fence[0] == ":" and name is None:  # a ':::' line that closes nothing: text
                add(i, line)
                i += 1
                continue
            if name is None:
                stack.append((fence, "code"))  # ``` or ```python: a code block
            elif name == "code-cell":
                stack.append((fence, "cell"))
                in_options = True
            elif name in CODE_DIRECTIVES:
                stack.append((fence, "code"))
            else:
                stack.append((fence, "prose"))
                in_options = True
                if name in TITLE_DIRECTIVES and arg:
                    col = len(opening["indent"]) + len(fence) + arg_at
                    blocks.append(Block(i, col, arg.rstrip(), "title"))
            i += 1
            continue

        if stripped.startswith("$$"):
            flush()
            rest = stripped[2:]
            if "$$" not in rest:
                math_end = re.compile(r"\$\$(\s*\([^)]*\))?\s*$")
            i += 1
            continue
        begin = _BEGIN_ENV.match(line)
        if begin and not stack:  # an amsmath environment at the top level
            flush()
            end = re.compile(r"\\end\{" + re.escape(begin["env"]) + r"\}")
            if not end.search(line):
                math_end = end
            i += 1
            continue
        if stripped.startswith("<!--"):
            flush()
            in_comment = "-->" not in stripped
            i += 1
            continue
        if (
            not stripped
            or _LABEL.match(line)
            or stripped.startswith("%")
            or stripped.startswith("+++")
            or _LINK_DEFINITION.match(line)
        ):
            flush()
            i += 1
            continue
        add(i, line)
        i += 1
    flush()
    return blocks
