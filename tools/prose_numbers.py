r"""Refuse numbers typed into the pages' prose: a result reaches the text only through glue.

``python tools/prose_numbers.py docs/*.md`` prints one line per digit found in prose,
``file:line:col: "24" ...``, and exits 1 if there is any. The fix is to compute the number in a
cell and glue it (README, "如何新增一章")::

    ```{code-cell} ipython3
    :tags: [remove-cell]

    from myst_nb import glue

    glue("cr_grad_v", float(grad_v), display=False)
    ```

    ... 梯度为 {glue:text}`cr_grad_v:g` ...

Not prose, so never reported (``tools/myst_prose.py`` decides): the YAML header, code cells and
code blocks, directives whose body is code (``{doctest}``, ``{literalinclude}``, ``{math}`` ...),
directive options, labels, display math ``$$ … $$`` and inline math ``$…$``, inline code, roles
with their argument (``{glue:text}`key```, ``{eq}`label```, ``{numref}`fig-x``` ...), link
targets, URLs and HTML tags. A shape or a small constant belongs in math: ``$(N, 1)$``,
``$\tfrac12$``.

Typed digits are allowed only where they name something rather than state a result
(:data:`ALLOWED`, kept short on purpose): chapter and section references, d2l's own name and
section numbers, article ids, dtype names, L1/L2, hash and encoding names (SHA-256), years.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from myst_prose import prose_blocks, protected_spans

_NOT_LATIN = r"(?<![A-Za-z0-9_])"
_NOT_LATIN_AFTER = r"(?![A-Za-z0-9_])"

#: Digits a page may type: (what, regular expression, example). Each names something.
ALLOWED: list[tuple[str, str, str]] = [
    ("chapter or section", r"第\s*\d+(?:\.\d+)*\s*[章节部篇]", "第 3 章"),
    ("section number", r"\d+(?:\.\d+)+\s*节", "3.2 节"),
    ("d2l and its sections", _NOT_LATIN + r"d2l(?:-zh|-en)?(?:\s*§?\s*\d+(?:\.\d+)*)?", "d2l 3.2"),
    ("article id", r"\[\d{3}\]", "原文 [000]"),
    (
        "dtype",
        _NOT_LATIN + r"(?:b?float|u?int|complex)(?:8|16|32|64|128)" + _NOT_LATIN_AFTER,
        "float32",
    ),
    ("norm", _NOT_LATIN + r"L[12]" + _NOT_LATIN_AFTER, "L2"),
    ("hash or encoding", _NOT_LATIN + r"(?:SHA|UTF)-\d+" + _NOT_LATIN_AFTER, "SHA-256"),
    ("year", r"(?<!\d)(?:19|20)\d{2}(?=\s*年)", "2024 年"),
]
_ALLOWED = re.compile("|".join(f"(?:{regex})" for _, regex, _ in ALLOWED))
#: A typed number: digits with decimals, an exponent, a percent sign, or a product like 10×2.
NUMBER = re.compile(
    r"(?:(?<![\w.])[-−])?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?%?"
    r"(?:\s*[×xX*]\s*\d+(?:[.,]\d+)*)*"
)

FIX = (
    """\
A result, an example's input or an article's value reaches the prose only through glue
(README, "如何新增一章"). Glue it from a cell:
  in a hidden cell (:tags: [remove-cell]) right after the cell that computes it:
      from myst_nb import glue
      glue("key", float(value), display=False)      # an article's value: from linreg_src.articles
  and in the text:  {glue:text}`key:.4f`   (a tiny or huge number: glue sci(value), write
  {glue:md}`key:myst`; sci is linreg_src.show.sci).
A shape or a small constant goes in math: $(N, 1)$, $\\tfrac12$, $2/N$.
Typed digits allowed: """
    + ", ".join(example for _, _, example in ALLOWED)
    + "."
)


@dataclass(frozen=True)
class Finding:
    """A typed number: where (1-based), what, and the line it is on."""

    path: str
    line: int
    col: int
    number: str
    text: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.col}: typed number {self.number!r} in prose "
            f"({_context(self.text, self.col, len(self.number))}): glue it from a cell"
        )


def _context(text: str, col: int, size: int, width: int = 14) -> str:
    start, end = max(col - 1 - width, 0), min(col - 1 + size + width, len(text))
    return "…" * (start > 0) + text[start:end].strip() + "…" * (end < len(text))


def find_numbers(source: str, path: str = "<page>") -> list[Finding]:
    """Return the digits typed in a MyST page's prose (outside math, code, roles, ALLOWED).

    >>> page = "损失为 {glue:text}`loss:.4f`，即 $L = 24$。第 3 章说过，梯度是 16。"
    >>> [(f.col, f.number) for f in find_numbers(page)]
    [(50, '16')]
    """
    lines = source.split("\n")
    found: list[Finding] = []
    for block in prose_blocks(source):
        text = block.text
        masked = list(text)
        for a, b in protected_spans(text):
            masked[a:b] = " " * (b - a)
        plain = "".join(masked)
        allowed = {k for m in _ALLOWED.finditer(plain) for k in range(*m.span())}
        for match in NUMBER.finditer(plain):
            digits = [k for k in range(*match.span()) if plain[k].isdigit()]
            if all(k in allowed for k in digits):
                continue
            line, col = block.position(match.start())
            found.append(Finding(path, line, col, match.group().strip(), lines[line - 1]))
    return found


def main(argv: list[str] | None = None) -> int:
    """Report the typed numbers of the given pages; exit 1 if there is one."""
    parser = argparse.ArgumentParser(
        prog="python tools/prose_numbers.py",
        description="Find numbers typed into the prose of MyST pages (outside math, code, "
        "glue and other roles, labels, URLs and a short allow-list). Each is reported as "
        "file:line:col; the fix is to glue the number from a cell.",
        epilog=FIX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pages", nargs="*", type=Path, help="MyST pages (docs/*.md)")
    parser.add_argument(
        "--pending",
        nargs="*",
        default=[],
        type=Path,
        metavar="PAGE",
        help="pages not yet rewritten to the house style: their numbers are counted, not failed",
    )
    args = parser.parse_args(argv)
    findings = [f for p in args.pages for f in find_numbers(p.read_text("utf-8"), str(p))]
    for finding in findings:
        print(finding)
    for path in args.pending:
        count = len(find_numbers(path.read_text("utf-8"), str(path)))
        if count:
            print(f"{path}: {count} typed number(s), not failing yet (page not yet rewritten)")
        else:
            print(f"{path}: no typed numbers any more: take it off the pending list")
    if findings:
        print(f"\n{len(findings)} typed number(s) in prose.\n{FIX}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
