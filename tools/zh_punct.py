"""Turn ASCII punctuation in the book's Chinese prose into full-width punctuation.

Usage: ``python tools/zh_punct.py docs/*.md`` rewrites the pages in place; with ``--check`` it
only lists the pages it would change (exit 1 if any).

Only prose changes: front matter, fenced blocks (code cells, doctests, directives holding code),
``$$`` math, and inside a line ``$…$`` math, inline ``code``, roles with their argument, link
targets and HTML tags are left alone. In a code cell only the figure caption is prose.
A ``,`` ``;`` ``?`` or ``!`` becomes full-width when the nearest visible character before or after
it is Chinese, a ``:`` when the one before it is, and a ``( … )`` pair when its text holds Chinese.
"Nearest visible" skips spaces, ``*``/``_`` emphasis marks and the protected pieces, so
``**梯度**;`` and ``为 {glue:text}`x`;`` are fixed as well.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HAN = "[\u4e00-\u9fff\u3400-\u4dbf]"
CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u201c\u201d]")
FULL = {",": "\uff0c", ";": "\uff1b", "?": "\uff1f", "!": "\uff01", ":": "\uff1a"}
HOLE = "\ue000"  # stands for a protected piece while the prose around it is fixed
PROTECTED = re.compile(
    r"(\{[\w:-]+\}`[^`]*`"  # a role with its argument
    r"|`[^`]*`"  # inline code
    r"|\$[^$]*\$"  # inline math
    r"|\]\([^)]*\)"  # a link's target
    r"|<[^>\n]*>"  # an autolink or an HTML tag
    r"|https?://\S+)"
)
SKIP = " \t*_" + HOLE
CODE_FENCES = (
    "{doctest}",
    "{testcode}",
    "{testoutput}",
    "{literalinclude}",
    "{math}",
    "{eval-rst}",
)


def _neighbour(text: str, i: int, step: int) -> str:
    while 0 <= i < len(text) and text[i] in SKIP:
        i += step
    return text[i] if 0 <= i < len(text) else ""


def fix_line(line: str) -> str:
    """Return ``line`` with its prose punctuation made full-width."""
    pieces = PROTECTED.findall(line)
    text = re.sub(  # parentheses first: a mark after a full-width ）is then seen as Chinese
        r"\(([^()\n]*)\)",
        lambda m: f"\uff08{m.group(1)}\uff09" if re.search(HAN, m.group(1)) else m.group(0),
        PROTECTED.sub(HOLE, line),
    )
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in FULL:
            continue
        before = _neighbour("".join(chars), i - 1, -1)
        after = _neighbour(text, i + 1, +1)
        if CJK.match(before) or (ch != ":" and CJK.match(after)):
            chars[i] = FULL[ch]
    text = "".join(chars)
    restored = iter(pieces)
    return re.sub(HOLE, lambda _: next(restored), text)


def fix_page(source: str) -> str:
    """Return a MyST page with the punctuation of its prose made full-width."""
    out: list[str] = []
    lines = source.split("\n")
    i = 0
    if lines and lines[0] == "---":  # front matter
        end = lines.index("---", 1)
        out += lines[: end + 1]
        i = end + 1
    stack: list[tuple[str, str]] = []  # (fence, kind) of the open fenced blocks
    in_options = False  # inside a code cell's option block
    in_math = False  # inside a $$ … $$ display
    for line in lines[i:]:
        stripped = line.strip()
        if not stack and (in_math or stripped.startswith("$$")):
            out.append(line)
            if stripped.startswith("$$") and not (len(stripped) > 2 and "$$" in stripped[2:]):
                in_math = not in_math
            elif (in_math and stripped.endswith("$$")) or re.match(r"^.*\$\$\s*\(", stripped):
                in_math = False
            continue
        opening = re.match(r"^\s*(`{3,}|~{3,}|:{3,})(.*)$", line)
        if stack and re.fullmatch(re.escape(stack[-1][0]) + r"\s*", stripped):
            stack.pop()
            out.append(line)
            continue
        kind = stack[-1][1] if stack else "prose"
        if opening and opening.group(2).strip() and kind != "code":
            info = opening.group(2).strip()
            if info.startswith("{code-cell}"):
                new_kind = "cell"
            elif info.startswith(CODE_FENCES) or not info.startswith("{"):
                new_kind = "code"
            else:
                new_kind = "prose"
            stack.append((opening.group(1), new_kind))
            in_options = False
            out.append(line)
            continue
        if (
            opening
            and not opening.group(2).strip()
            and kind == "prose"
            and opening.group(1)[0] != ":"
        ):
            stack.append((opening.group(1), "code"))  # a bare ``` fence holds code
            out.append(line)
            continue
        if kind == "cell":
            if stripped == "---":
                in_options = not in_options
                out.append(line)
            elif in_options and not re.match(r"^\s*[\w-]+:(\s|$)", line):
                out.append(fix_line(line))  # caption text
            else:
                out.append(line)
        elif kind == "code" or re.match(r"^:[\w-]+:", stripped):  # code, directive options
            out.append(line)
        else:
            out.append(fix_line(line))
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Fix (or with ``--check`` list) the given pages."""
    check = "--check" in argv
    changed = [
        p
        for p in map(Path, (a for a in argv if a != "--check"))
        if fix_page(p.read_text("utf-8")) != p.read_text("utf-8")
    ]
    for path in changed:
        if not check:
            path.write_text(fix_page(path.read_text("utf-8")), "utf-8")
        print(f"{'would fix' if check else 'fixed'} {path}")
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
