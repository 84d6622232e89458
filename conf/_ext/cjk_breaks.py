"""Drop the blanks between two Chinese characters: source line breaks, and typed spaces.

Markdown turns a line break inside a paragraph into a "soft break"; in HTML it is a newline that
browsers show as a space -- harmless in English, a visible gap inside a Chinese sentence (CSS's
rule to suppress it between East Asian characters is not implemented by browsers). MyST stores
each soft break as a Text node of its own, so the check looks across sibling nodes: a break is
removed only when the text before it ends, and the text after it starts, with a CJK character or
CJK punctuation. Breaks next to Latin words, numbers, code or math stay spaces, as they should.
The same goes for a space typed between Chinese text and a Chinese link or bold word
(``见 {ref}`…```): Chinese prose has no spaces between Chinese characters.
(sphinxcontrib-trimblank solves this for reST, whose soft breaks sit inside one Text node; it
cannot see MyST's separate nodes.)
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx

#: CJK characters and punctuation, and the curly quotes, dash and ellipsis Chinese text uses
#: (U+2014, U+2018-U+201D, U+2026: they are shared with Western text, but here sit in Chinese).
CJK = "[\u2014\u2018-\u201d\u2026\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\uff00-\uffef]"
_INSIDE = re.compile(rf"(?<={CJK})\s+(?={CJK})")
_LEADING = re.compile(r"^\s+")
_TRAILING = re.compile(r"\s+$")
_STARTS = re.compile(rf"^{CJK}")
_ENDS = re.compile(rf"{CJK}$")
# Text inside these keeps every character: code, math, raw HTML.
_VERBATIM = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment)


def join_cjk_lines(text: str, before: str = "", after: str = "") -> str:
    """Remove the blanks (line breaks, spaces) that sit between two CJK characters.

    ``before`` and ``after`` are the texts of the neighbouring nodes, for a break at an edge.

    >>> join_cjk_lines("梯度\\n下降")
    '梯度下降'
    >>> join_cjk_lines("使用\\nPyTorch")
    '使用\\nPyTorch'
    >>> join_cjk_lines("\\n", before="误差", after="项")
    ''
    >>> join_cjk_lines("见 ", after="从零实现")  # a space typed before a Chinese link text
    '见'
    >>> join_cjk_lines("两台机器的\\n“汉堡工厂”")
    '两台机器的“汉堡工厂”'
    >>> join_cjk_lines("见 ", after="nn.Linear")
    '见 '
    """
    text = _INSIDE.sub("", text)
    lead = _LEADING.match(text)
    if lead and _ENDS.search(before) and _STARTS.search(text[lead.end() :] or after):
        text = text[lead.end() :]
    trail = _TRAILING.search(text)
    if trail and _ENDS.search(text[: trail.start()] or before) and _STARTS.search(after):
        text = text[: trail.start()]
    return text


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    # Walk children by position: soft breaks are equal Text("\n") nodes, so looking a node up
    # with parent.index() would find the first of them and check the wrong neighbours.
    for parent in list(doctree.findall(nodes.Element)):
        if isinstance(parent, _VERBATIM):
            continue
        children = parent.children
        for i, child in enumerate(children):
            if not isinstance(child, nodes.Text) or not any(c.isspace() for c in child):
                continue
            before = next((c.astext() for c in reversed(children[:i]) if c.astext()), "")
            after = next((c.astext() for c in children[i + 1 :] if c.astext()), "")
            new = join_cjk_lines(str(child), before, after)
            if new != str(child):
                children[i] = nodes.Text(new)
                children[i].parent = parent


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
