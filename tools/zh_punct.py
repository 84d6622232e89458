"""Turn ASCII punctuation in the book's Chinese prose into full-width punctuation.

``python tools/zh_punct.py docs/*.md`` rewrites the pages in place; ``--check`` only reports
(exit 1 if anything would change). Either way each change is one line,
``file:line:col: ',' -> '，' (context)``, so an editor or a reader can jump to it.

Only prose changes (``tools/myst_prose.py`` decides what prose is): the YAML header, code cells,
directives that hold code, directive options, display math, and inside a line roles with their
argument, inline code, inline math, link targets, URLs and HTML tags are left alone. In a code
cell only the figure caption is prose.

A ``,`` ``;`` ``?`` or ``!`` becomes full-width when the nearest visible character before or after
it is Chinese, a ``:`` when the one before it is, and a ``( … )`` pair when its text holds Chinese.
"Nearest visible" skips spaces, ``*``/``_`` emphasis marks and the protected pieces, so
``**梯度**;`` and ``为 {glue:text}`x`;`` are fixed as well. Marks that separate values stay
ASCII: inside brackets holding no Chinese (the comma of ``($a$, $b$)``), and between two glue
roles (``{glue:text}`a`, {glue:text}`b```).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from myst_prose import prose_blocks, protected_spans

HAN = "[\u4e00-\u9fff\u3400-\u4dbf]"
CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u201c\u201d]")
FULL = {",": "\uff0c", ";": "\uff1b", "?": "\uff1f", "!": "\uff01", ":": "\uff1a"}
HOLE = "\ue000"  # stands for a protected piece while the prose around it is fixed
GLUE = "\ue001"  # ... and this for a glue role, {glue:text}`key`
SKIP = " \t*_" + HOLE + GLUE  # no "\n": a mark looks no further than its line


def _neighbour(text: str, i: int, step: int, skip: str = SKIP) -> str:
    while 0 <= i < len(text) and text[i] in skip:
        i += step
    return text[i] if 0 <= i < len(text) else ""


def fix_text(text: str) -> str:
    """Return prose ``text`` with its punctuation made full-width (protected pieces unchanged).

    >>> fix_text("点 ($a$, $b$) 与 {glue:text}`x`, {glue:text}`y`;单位:元")
    '点 ($a$, $b$) 与 {glue:text}`x`, {glue:text}`y`；单位：元'
    """
    spans = protected_spans(text)
    pieces = [text[a:b] for a, b in spans]
    holed, last = [], 0
    for a, b in spans:
        holed += [text[last:a], GLUE if text.startswith("{glue", a) else HOLE]
        last = b
    holed.append(text[last:])
    text = re.sub(  # parentheses first: a mark after a full-width ）is then seen as Chinese
        r"\(([^()\n]*)\)",
        lambda m: f"\uff08{m.group(1)}\uff09" if re.search(HAN, m.group(1)) else m.group(0),
        "".join(holed),
    )
    # Inside ASCII brackets holding no Chinese, ($a$, $b$) or [x; y], marks separate values.
    groups = re.finditer(r"[(\[][^()\[\]\n]*[)\]]", text)
    inside = {k for m in groups if not re.search(HAN, m[0]) for k in range(*m.span())}
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in FULL or i in inside:
            continue
        # Between two glued numbers, {glue:text}`a`, {glue:text}`b`: a list of values.
        if _neighbour(text, i - 1, -1, " \t") == GLUE == _neighbour(text, i + 1, 1, " \t"):
            continue
        before = _neighbour("".join(chars), i - 1, -1)
        after = _neighbour(text, i + 1, +1)
        if CJK.match(before) or (ch != ":" and CJK.match(after)):
            chars[i] = FULL[ch]
    restored = iter(pieces)
    return re.sub(f"[{HOLE}{GLUE}]", lambda _: next(restored), "".join(chars))


def changes(source: str) -> tuple[str, list[tuple[int, int, str, str, str]]]:
    """Return the fixed page and its changes: ``(line, col, old, new, line text)``, 1-based."""
    lines = source.split("\n")
    found: list[tuple[int, int, str, str, str]] = []
    for block in prose_blocks(source):
        fixed = fix_text(block.text)
        if fixed == block.text:
            continue
        for k, (old, new) in enumerate(zip(block.text, fixed, strict=True)):
            if old != new:
                line, col = block.position(k)
                found.append((line, col, old, new, lines[line - 1]))
        new_lines = fixed.split("\n")
        first = lines[block.line]
        lines[block.line] = first[: block.col] + new_lines[0]
        lines[block.line + 1 : block.line + len(new_lines)] = new_lines[1:]
    return "\n".join(lines), found


def fix_page(source: str) -> str:
    """Return a MyST page with the punctuation of its prose made full-width."""
    return changes(source)[0]


def main(argv: list[str] | None = None) -> int:
    """Fix (or with ``--check`` report) the given pages; print one line per change."""
    parser = argparse.ArgumentParser(
        prog="python tools/zh_punct.py",
        description="Make the ASCII punctuation of the pages' Chinese prose full-width "
        "(，；：？！ and （）). Prints file:line:col for each change.",
        epilog="Example: python tools/zh_punct.py --check docs/*.md  (then without --check to fix)",
    )
    parser.add_argument("pages", nargs="+", type=Path, help="MyST pages (docs/*.md)")
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 if a page would change"
    )
    args = parser.parse_args(argv)
    total = 0
    for path in args.pages:
        source = path.read_text("utf-8")
        fixed, found = changes(source)
        for line, col, old, new, text in found:
            print(f"{path}:{line}:{col}: {old!r} -> {new!r}  {_context(text, col)}")
        total += len(found)
        if found and not args.check:
            path.write_text(fixed, "utf-8")
    if total:
        verb = "would change" if args.check else "changed"
        hint = "; fix them with: python tools/zh_punct.py " + " ".join(map(str, args.pages))
        print(f"{total} punctuation mark(s) {verb}" + (hint if args.check else ""))
    return 1 if args.check and total else 0


def _context(text: str, col: int, width: int = 16) -> str:
    start = max(col - 1 - width, 0)
    return (
        "…" * (start > 0)
        + text[start : col - 1 + width].strip()
        + "…" * (col - 1 + width < len(text))
    )


if __name__ == "__main__":
    sys.exit(main())
