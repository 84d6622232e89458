r"""Print a built page's text as ``KEY_NUMBERS`` in tests/test_site.py compares it.

``.nox/site/bin/python tools/page_text.py weight_decay`` prints the text of
``_build/html/weight_decay.html``'s article (``<article class="bd-article">``) without scripts and
styles, each formula as its TeX source ``\(…\)``, all whitespace removed: what ``compact_text``
in tests/test_site.py searches a key-number fragment in. Copy a fragment holding the number from
there. It needs BeautifulSoup (the test dependency group: the site or tests environment has it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bs4 import BeautifulSoup

SITE = Path(__file__).resolve().parent.parent / "_build" / "html"


def compact_text(html: str) -> str:
    r"""Return the article's visible text without whitespace, formulas as ``\(tex\)``.

    As ``compact_text`` in tests/test_site.py: a formula KaTeX typeset at build time counts as its
    TeX source between ``\(`` ``\)`` (``\[`` ``\]`` for a display), not as its glyphs.
    """
    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("article.bd-article") or soup.body
    for hidden in main.select("script, style"):
        hidden.decompose()
    for formula in main.select("span.math, div.math"):
        source = formula.select_one('annotation[encoding="application/x-tex"]')
        if source is not None:
            tex = source.get_text()
            for typeset in formula.select(":scope > .katex-display, :scope > .katex"):
                typeset.decompose()
            delimiters = ("\\[", "\\]") if formula.name == "div" else ("\\(", "\\)")
            formula.append(delimiters[0] + tex + delimiters[1])
    return "".join(main.get_text().split())


def main(argv: list[str] | None = None) -> int:
    """Print each named page's compact text."""
    parser = argparse.ArgumentParser(prog="python tools/page_text.py", description=__doc__)
    parser.add_argument("pages", nargs="+", help="page names (weight_decay) or .html files")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (_build/html)")
    args = parser.parse_args(argv)
    for page in args.pages:
        path = Path(page) if page.endswith(".html") else args.site / f"{page}.html"
        print(compact_text(path.read_text("utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
