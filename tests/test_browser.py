"""The built site as a reader meets it: Debian's chromium, headless, with no network.

The site in $LINREG_SITE_DIR is served from 127.0.0.1 by a thread. Playwright drives
``/usr/bin/chromium`` (it downloads no browser); every request to another host is recorded and
aborted, and chromium resolves no host name at all, so anything that needed the internet fails
here. Screenshots of one chapter -- light, dark, phone width -- are written beside the site, to
``<site>/../screenshots/``, for a person to look at.

Where chromium is absent the browser tests skip, saying so; under CI (which installs chromium in
``.ci/run``) they fail instead. The search-index tests need no browser.

The math arrives typeset (KaTeX's HTML + MathML, written at build time by
``conf/_ext/linreg_katex.py``): the tests read formulas' rendered text and fonts, scroll a wide
equation at phone width, copy one as TeX, and check that search snippets hold no TeX. The icons
are CSS masks (``conf/_ext/linreg_firstview.py``); the theme's buttons are clicked.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, Request, Route

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p.stem for p in DOCS.glob("*.md"))
BOOK_TERMS = [
    line.split()[0]
    for line in (ROOT / "conf" / "jieba_dict.txt").read_text("utf-8").splitlines()
    if line.strip()
]
LOCAL_HOSTS = {"127.0.0.1"}
CHAPTER = "chain_rule"  # the chapter whose screenshots a person looks at

#: What a reader typing the term into the search box must find (at least these pages).
#: Add a chapter here once its page is written.
SEARCH_EXPECTATIONS: dict[str, set[str]] = {
    "梯度": {"chain_rule"},
    "链式法则": {"chain_rule"},
    "反向传播": {"chain_rule"},
    "局部导数": {"chain_rule"},
    "上游梯度": {"chain_rule"},
    "汉堡工厂": {"chain_rule"},
    "误差项": {"error_term"},
    "批量大小": {"sum_vs_mean"},
}


# -- The site, its search index, its pages ------------------------------------------------------
def article_text(site_dir: Path, page: str) -> str:
    """The text of a page's article (not the navigation), tags replaced by spaces."""
    raw = (site_dir / f"{page}.html").read_text("utf-8")
    match = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', raw, flags=re.S)
    assert match, f"{page}.html has no <article class='bd-article'>"
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", match.group(1), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@functools.cache
def search_index(site_dir: Path) -> dict:
    """The JSON that searchindex.js hands to ``Search.setIndex``."""
    text = (site_dir / "searchindex.js").read_text("utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def indexed_pages(site_dir: Path, term: str) -> set[str]:
    """The pages Sphinx's search index lists under ``term`` (body text or titles)."""
    index = search_index(site_dir)
    found: set[str] = set()
    for table in ("terms", "titleterms"):
        hits = index[table].get(term, [])
        for doc in [hits] if isinstance(hits, int) else hits:
            found.add(index["docnames"][doc])
    return found


_TOCTREE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{toctree\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S
)


def toctrees() -> list[tuple[list[str], list[str]]]:
    """The toctrees of docs/index.md, in order: (option lines, documents listed)."""
    found = []
    for match in _TOCTREE.finditer((DOCS / "index.md").read_text("utf-8")):
        lines = [line.strip() for line in match["body"].splitlines() if line.strip()]
        entries = [re.sub(r"^.*<([^>]+)>$", r"\1", line) for line in lines if line[0] != ":"]
        found.append(([line for line in lines if line[0] == ":"], entries))
    return found


def reading_order() -> list[str]:
    """The order a reader pages through the book: index, then every toctree's documents."""
    return ["index", *(doc for _, entries in toctrees() for doc in entries)]


def chapter_number(page: str) -> int:
    """The number of ``page`` in the numbered toctree (the main path), as the site shows it."""
    numbered = [entries for options, entries in toctrees() if ":numbered:" in options]
    assert len(numbered) == 1, "docs/index.md should have one :numbered: toctree"
    assert page in numbered[0], f"{page} is not on the main path"
    return numbered[0].index(page) + 1


def is_notebook_page(page: str) -> bool:
    """Whether the page is a MyST notebook (a jupytext header with a kernelspec)."""
    head = (DOCS / f"{page}.md").read_text("utf-8").split("\n---", 1)[0]
    return head.startswith("---") and "kernelspec:" in head


# -- Tests that need no browser -----------------------------------------------------------------
@pytest.mark.parametrize("term", BOOK_TERMS)
def test_every_book_term_finds_every_page_that_uses_it(site_dir, term):
    """Each term of conf/jieba_dict.txt is indexed for exactly the pages whose text has it."""
    using = {page for page in PAGES if term in article_text(site_dir, page)}
    missing = using - indexed_pages(site_dir, term)
    assert not missing, f"searching {term} would not find {sorted(missing)}"


def test_search_index_is_chinese_words_not_characters(site_dir):
    index = search_index(site_dir)
    assert "链式法则" in index["terms"] or "链式法则" in index["titleterms"]
    # jieba without the book's dictionary cuts 反向传播 into 反向 / 传播: a search for it failed.
    assert indexed_pages(site_dir, "反向传播") >= {"chain_rule"}
    assert not any(len(term) == 1 and "\u4e00" <= term <= "\u9fff" for term in index["terms"])


@pytest.mark.parametrize("page", [p for p in PAGES if is_notebook_page(p)])
def test_notebook_pages_offer_ipynb_and_md_downloads(site_dir, page):
    raw = (site_dir / f"{page}.html").read_text("utf-8")
    for suffix in (".ipynb", ".md"):
        assert f'href="_sources/{page}{suffix}"' in raw, f"{page}: no {suffix} download"
    source = (site_dir / "_sources" / f"{page}.md").read_text("utf-8")
    assert source == (DOCS / f"{page}.md").read_text("utf-8")
    notebook = json.loads((site_dir / "_sources" / f"{page}.ipynb").read_text("utf-8"))
    assert notebook["nbformat"] == 4
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code, f"{page}.ipynb has no code cells"
    assert any(cell["outputs"] for cell in code), f"{page}.ipynb was not executed"
    sources = ["".join(cell["source"]) for cell in code]
    assert not any("linreg_src fingerprint" in s for s in sources), "build machinery leaked"


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_shows_an_image(site_dir, page):
    """A figure cell whose output is text (``<Figure size ...>``) has no picture to show."""
    raw = (site_dir / f"{page}.html").read_text("utf-8")
    empty = [
        figure.group(1)
        for figure in re.finditer(r"<figure\b([^>]*)>(.*?)</figure>", raw, flags=re.S)
        if not re.search(r"<(img|svg)\b", figure.group(2))
    ]
    assert not empty, f"{page}: figures without an image (is the figure displayed?) {empty}"


@pytest.mark.parametrize("page", reading_order())
def test_previous_and_next_links_follow_the_toctree(site_dir, page):
    """Each page links to its neighbours in docs/index.md's toctrees, not to where they were."""
    order = reading_order()
    k = order.index(page)
    expected = [order[k - 1] if k else None, order[k + 1] if k + 1 < len(order) else None]
    soup = BeautifulSoup((site_dir / f"{page}.html").read_text("utf-8"), "html.parser")
    links = [soup.select_one(f"a.{side}[href]") for side in ("left-prev", "right-next")]
    actual = [link["href"].split("#")[0].removesuffix(".html") if link else None for link in links]
    assert actual == expected, (
        f"{page}: previous/next page is {actual}, docs/index.md's toctrees say {expected}; "
        "an incremental build does not rewrite a page whose neighbours changed: touch the "
        "page (`nox -s new` does) or rebuild with `nox -s docs -- -E`"
    )


# -- The browser --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def screenshots(site_dir: Path) -> Path:
    folder = site_dir.resolve().parent / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@dataclass
class Visit:
    """One page in a fresh browser context, with what it asked the network for."""

    page: Page
    external: list[str] = field(default_factory=list)  # requests to other hosts (aborted)
    broken: list[str] = field(default_factory=list)  # local requests that failed or 4xx/5xx
    requests: list[str] = field(default_factory=list)  # every request, for the record
    errors: list[str] = field(default_factory=list)  # uncaught exceptions in the page's scripts


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator:
    """``visit(path, **context_options) -> Visit``: open ``path`` of the site, offline."""
    contexts = []

    def open_page(path: str, **options: object) -> Visit:
        context = browser.new_context(service_workers="block", **options)
        contexts.append(context)
        page = context.new_page()
        record = Visit(page)

        def route(route: Route, request: Request) -> None:
            if urlsplit(request.url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                record.external.append(request.url)
                route.abort("blockedbyclient")

        def on_response(response) -> None:
            if response.status >= 400:
                record.broken.append(f"{response.status} {response.url}")

        context.route("**/*", route)
        page.on("request", lambda request: record.requests.append(request.url))
        page.on("websocket", lambda ws: record.external.append(ws.url))
        page.on("pageerror", lambda error: record.errors.append(str(error)))
        page.on("response", on_response)
        page.on(
            "requestfailed",
            lambda r: None if r.url in record.external else record.broken.append(r.url),
        )
        page.goto(base_url + path, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        return record

    yield open_page
    for context in contexts:
        context.close()


def wait_for_fonts(record: Visit) -> None:
    """Wait until the fonts of the whole page (KaTeX's among them) have loaded.

    Sections far below the screen are laid out only as the reader nears them (book.css,
    ``content-visibility: auto``), and a font loads when text that needs it is laid out: lay
    every section out first, as a reader scrolling to the end would.
    """
    record.page.evaluate(
        """() => {
          document.querySelectorAll('article.bd-article section section')
            .forEach((s) => { s.style.contentVisibility = 'visible'; });
          return document.body.offsetHeight;
        }"""
    )
    record.page.evaluate("document.fonts.ready.then(() => 1)")


MATH_REPORT_JS = r"""() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const maths = [...article.querySelectorAll('span.math, div.math')];
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, .katex-mathml, script').forEach((e) => e.remove());
  const fonts = [...document.fonts].filter((f) => f.family.replace(/"/g, '').startsWith('KaTeX'));
  return {
    mathjax: 'MathJax' in window,
    maths: maths.length,
    untypeset: maths.filter((m) => !m.querySelector('.katex-html'))
                    .map((m) => m.textContent.slice(0, 80)),
    errors: [...article.querySelectorAll('.math-error, .katex-error')]
              .map((e) => e.getAttribute('title') || e.textContent),
    rawTex: /\\\(|\\\[|\\begin\{|\\(frac|mathbf|partial|underbrace)\b/.test(prose.textContent),
    fontsLoaded: fonts.filter((f) => f.status === 'loaded').map((f) => f.family),
    fontsFailed: fonts.filter((f) => f.status === 'error').map((f) => f.family),
  };
}"""


@pytest.mark.parametrize("page", [*PAGES, "search", "genindex"])
def test_page_loads_offline_and_its_math_is_typeset(visit, site_dir, page):
    record = visit(f"{page}.html")
    has_math = 'class="math notranslate' in (site_dir / f"{page}.html").read_text("utf-8")
    wait_for_fonts(record)
    report = record.page.evaluate(MATH_REPORT_JS)
    assert not report["mathjax"], f"{page} runs MathJax"
    if has_math:
        assert report["maths"] > 0
        assert report["untypeset"] == [], f"{page}: math left as TeX: {report['untypeset']}"
        assert report["errors"] == [], f"{page}: KaTeX rejected formulas (unknown macro?) {report}"
        assert not report["rawTex"], f"{page}: raw TeX in the text"
        assert report["fontsFailed"] == [], f"{page}: KaTeX fonts failed to load {report}"
        # KaTeX_Math is the italic of letters (class "mathnormal"); digits-only math needs Main.
        html_text = (site_dir / f"{page}.html").read_text("utf-8")
        fonts = {"KaTeX_Main", "KaTeX_Math"} if "mathnormal" in html_text else {"KaTeX_Main"}
        assert fonts <= set(report["fontsLoaded"]), report
        assert any("/_static/katex/katex.min.css" in url for url in record.requests)
    assert not any("fontawesome.js" in url or "mathjax" in url for url in record.requests)
    assert record.errors == [], f"{page}: script errors {record.errors}"
    assert record.external == [], f"{page} asked other hosts for {record.external}"
    assert record.broken == [], f"{page}: failed local requests {record.broken}"


#: The notation macros (conf/_ext/notation.py) as a reader sees them: TeX -> the glyph shown,
#: and the KaTeX font it is drawn in (family, weight, style).
MACRO_GLYPHS = {
    r"\vw": ("w", "KaTeX_Main", "700", "normal"),
    r"\mX": ("X", "KaTeX_Main", "700", "normal"),
    r"\vdelta": ("δ", "KaTeX_Math", "700", "italic"),
}
GLYPHS_JS = r"""(tex) => {
  const found = [...document.querySelectorAll('article span.math')].filter((m) =>
    m.querySelector('annotation').textContent.trim() === tex);
  return found.slice(0, 3).map((m) => {
    const glyph = [...m.querySelectorAll('.katex-html span')].find(
      (s) => !s.children.length && s.textContent.trim());
    const style = getComputedStyle(glyph);
    // textContent: a section far down the page is not laid out yet (content-visibility).
    const text = m.querySelector('.katex-html').textContent.replace(/\u200b/g, '').trim();
    return [text, style.fontFamily.split(',')[0],
            style.fontWeight, style.fontStyle,
            document.fonts.check(
              `${style.fontStyle} ${style.fontWeight} 16px ${style.fontFamily}`)];
  });
}"""


@pytest.mark.parametrize("page", ["notation", "error_term"])
def test_formulas_read_as_the_notation_defines_them(visit, page):
    """A sample of formulas' rendered text and fonts: the book's macros, typeset by KaTeX."""
    record = visit(f"{page}.html")
    wait_for_fonts(record)
    seen = 0
    for tex, (text, family, weight, style) in MACRO_GLYPHS.items():
        for shown in record.page.evaluate(GLYPHS_JS, tex):
            seen += 1
            assert shown[0] == text, f"{page}: {tex} reads {shown[0]!r}, expected {text!r}"
            assert shown[1:4] == [family, weight, style], f"{page}: {tex} drawn in {shown}"
            assert shown[4], f"{page}: {tex}'s font {shown[1:4]} is not loaded"
    assert seen > 0, f"{page}: none of {sorted(MACRO_GLYPHS)} found alone in a formula"
    # Every equation reference reads 式 (n) and leads to an equation showing that number.
    references = record.page.evaluate(
        """() => [...document.querySelectorAll('article a.reference[href^="#equation-"]')]
             .map((a) => {
             const target = document.getElementById(a.getAttribute('href').slice(1));
             // textContent: sections far down are not laid out yet (content-visibility)
             return [a.textContent, target && target.querySelector('.eqno')?.textContent];
           })"""
    )
    for text, number in references:
        assert re.fullmatch(r"式 \((\d+(?:\.\d+)*)\)", text), text
        assert number is not None and number.startswith(text[2:]), (text, number)


#: The kinds of formula hardest to typeset, found by what their TeX holds (pages change).
HARDEST = {
    "underbrace-chinese": r"\\underbrace.*\\text\{[^}]*[\u4e00-\u9fff]",
    "underbrace-shapes": r"\\underbrace\{\\mX",
    "aligned": r"\\begin\{aligned\}",
    "matrix": r"\\begin\{[bp]matrix\}",
    "sympy": r"\\left\[\\begin\{matrix\}|\\displaystyle",
}


def test_screenshots_of_the_hardest_formulas(visit, screenshots):
    """Each kind of hard formula, found in the book, typeset and shot at desktop and phone width."""
    shot = 0
    for width in (1280, 390):
        found: dict[str, str] = {}
        for page in PAGES:
            record = visit(f"{page}.html", viewport={"width": width, "height": 900})
            wait_for_fonts(record)
            for kind, pattern in HARDEST.items():
                if kind in found:
                    continue
                index = record.page.evaluate(
                    """(pattern) => [...document.querySelectorAll('article div.math')].findIndex(
                         (m) => new RegExp(pattern, 's').test(
                           m.querySelector('annotation')?.textContent || ''))""",
                    pattern,
                )
                if index < 0:
                    continue
                formula = record.page.locator("article div.math").nth(index)
                formula.scroll_into_view_if_needed()
                box = formula.bounding_box()
                assert box and box["width"] > 50 and box["height"] > 20, (page, kind, box)
                if kind == "underbrace-chinese":  # its Chinese text is shown, not boxes or TeX
                    text = formula.locator(".katex-html").text_content() or ""
                    assert re.search(r"[\u4e00-\u9fff]", text), text
                formula.screenshot(path=screenshots / f"formula-{kind}-{width}.png")
                found[kind] = page
                shot += 1
            record.page.context.close()
        missing = set(HARDEST) - set(found)
        assert not missing, f"no formula of these kinds in the book: {missing}"
    assert shot == 2 * len(HARDEST)


def test_wide_equation_scrolls_in_its_box_on_a_phone(visit, screenshots):
    """At 390 px a too-wide display equation scrolls inside its box, with a shadow that says so."""
    for page in sorted(PAGES, key=lambda p: p == "api"):  # a chapter first, the API page last
        record = visit(f"{page}.html", viewport={"width": 390, "height": 844})
        wait_for_fonts(record)
        overflow = record.page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{page} scrolls sideways by {overflow}px on a phone"
        index = record.page.evaluate(
            """() => [...document.querySelectorAll('article div.math > .katex-display')]
                 .findIndex((d) => d.scrollWidth > d.clientWidth + 8)"""
        )
        if index >= 0:
            break
    else:
        pytest.fail("no display equation is wider than a phone: nothing shows the scrolling")
    box = record.page.locator("article div.math > .katex-display").nth(index)
    box.scroll_into_view_if_needed()
    cue = box.evaluate("d => getComputedStyle(d).backgroundImage")
    assert cue.count("radial-gradient") == 2, f"no scroll shadows: {cue}"
    box.screenshot(path=screenshots / "wide-equation-phone-start.png")
    scrolled = box.evaluate("d => { d.scrollLeft = d.scrollWidth; return d.scrollLeft; }")
    assert scrolled > 0, f"{page}: the wide equation does not scroll"
    box.screenshot(path=screenshots / "wide-equation-phone-end.png")
    assert record.page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0


COPY_JS = r"""() => {
  const formula = document.querySelector('article p span.math');
  const range = document.createRange();
  range.selectNode(formula);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  let copied = null;
  document.addEventListener('copy', (e) => { copied = e.clipboardData.getData('text/plain'); });
  document.execCommand('copy');
  return [formula.querySelector('annotation').textContent, copied];
}"""


def test_a_selected_formula_copies_as_tex(visit):
    """KaTeX's copy-tex: selecting a formula and copying it gives its TeX source."""
    record = visit("error_term.html")
    record.page.wait_for_load_state("load")
    tex, copied = record.page.evaluate(COPY_JS)
    assert copied == f"${tex}$", (tex, copied)


def test_search_snippets_show_no_tex(visit):
    """Result snippets are the pages' text, formulas as text, not their TeX or layout twice."""
    record = visit(f"search.html?q={quote('误差项')}")
    page = record.page
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li p.context').length >= 3",
        timeout=30_000,
    )
    snippets = page.eval_on_selector_all(
        "#search-results li p.context", "ps => ps.map(p => p.innerText)"
    )
    tex = [s for s in snippets if re.search(r"\\[a-zA-Z]+|\\\(|\$", s)]
    assert not tex, f"TeX in search snippets: {tex}"
    assert record.errors == [] and record.external == [], (record.errors, record.external)


def test_theme_buttons_work_without_their_icon_script(visit):
    """Search, full screen and both sidebars respond; icons are drawn (CSS masks), not blank."""
    record = visit("error_term.html", viewport={"width": 1280, "height": 900})
    page = record.page
    page.wait_for_load_state("load")
    icons = page.evaluate(
        """() => [...document.querySelectorAll('i[class*="fa-"]')]
             .filter((i) => i.offsetParent !== null)
             .map((i) => [i.className, getComputedStyle(i, '::before').maskImage
                          || getComputedStyle(i, '::before').webkitMaskImage,
                          i.getBoundingClientRect().width])"""
    )
    assert len(icons) >= 5, icons
    for name, mask, width in icons:
        assert "data:image/svg+xml" in mask and width > 0, (name, mask, width)

    page.locator("button.search-button-field, button.search-button").first.click()
    page.wait_for_function("document.querySelector('#pst-search-dialog').open")
    page.keyboard.type("梯度")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_function(
        "() => (document.querySelector('#search-results p.search-summary') || {}).innerText"
    )

    page.wait_for_function(  # every snippet fetched: leaving earlier would abort a fetch
        "() => !document.querySelector('#search-results li:not(:has(p.context))')"
    )

    full = visit("error_term.html", viewport={"width": 1280, "height": 900})
    full.page.locator("button.btn-fullscreen-button").first.click()
    full.page.wait_for_function("document.fullscreenElement !== null")

    phone = visit("error_term.html", viewport={"width": 390, "height": 844}, is_mobile=True)
    for toggle, sidebar in (
        ("button.primary-toggle", "#pst-primary-sidebar-modal"),
        ("button.secondary-toggle", "#pst-secondary-sidebar-modal"),
    ):
        phone.page.locator(f"{toggle}:visible").first.click()
        phone.page.wait_for_function(f"document.querySelector('{sidebar}').open")
        phone.page.locator(f"{sidebar} a").first.wait_for(state="visible")
        phone.page.keyboard.press("Escape")
        phone.page.wait_for_function(f"!document.querySelector('{sidebar}').open")
    for each in (record, full, phone):
        assert each.errors == [] and each.external == [] and each.broken == [], (
            each.errors,
            each.external,
            each.broken,
        )


@pytest.mark.parametrize("term", sorted(SEARCH_EXPECTATIONS))
def test_search_page_finds_the_chapter(visit, term):
    record = visit(f"search.html?q={quote(term)}")
    page = record.page
    page.wait_for_function(
        "() => (document.querySelector('#search-results p.search-summary') || {}).innerText"
    )
    links = page.eval_on_selector_all(
        "#search-results ul.search li > a", "links => links.map(a => a.getAttribute('href'))"
    )
    found = {href.split(".html")[0].split("#")[0] for href in links}
    assert SEARCH_EXPECTATIONS[term] <= found, f"{term}: found {sorted(found)}"
    assert record.external == [], record.external
    assert record.broken == [], record.broken


def test_chapter_reads_like_a_book(visit, site_dir):
    """Title, logo, favicon, prev/next, last updated, copy buttons, downloads, exercises."""
    record = visit(f"{CHAPTER}.html", viewport={"width": 1280, "height": 900})
    page = record.page
    assert "拆解 l.sum().backward()" in page.title()
    logo = page.locator("img.logo__image.only-light")
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert any(url.endswith("/_static/logo.svg") for url in record.requests)
    assert page.locator('link[rel="icon"]').get_attribute("href") == "_static/logo.svg"
    order = reading_order()  # the neighbours as the toctree has them, not as they once were
    before, after = order[order.index(CHAPTER) - 1], order[order.index(CHAPTER) + 1]
    assert page.locator("a.left-prev").get_attribute("href") == f"{before}.html"
    assert page.locator("a.right-next").get_attribute("href") == f"{after}.html"
    footer = page.locator(".bd-footer-content, footer").all_inner_texts()
    assert re.search(r"最后更新于 \d{4}-\d{2}-\d{2}", " ".join(footer)), footer

    blocks = page.locator("article.bd-article div.highlight pre").count()
    assert blocks > 0
    assert page.locator("article.bd-article button.copybtn").count() == blocks

    # Figure and exercise numbering, Chinese style, per chapter (its number on the main path).
    # Text, not innerText: sections off screen are not laid out yet (content-visibility: auto).
    n = chapter_number(CHAPTER)
    captions = page.locator("article.bd-article .caption-number").all_text_contents()
    assert {f"图 {n}.1", f"图 {n}.2"} <= {c.strip() for c in captions}  # the factory, grad_fn
    assert {f"练习 {n}.{k}" for k in range(1, 5)} <= {c.strip() for c in captions}
    assert (page.locator("article.bd-article").text_content() or "").count(f"式 ({n}.") >= 3

    # A cell tagged hide-input is folded: its code stays hidden behind a Chinese prompt.
    folded = page.locator("article.bd-article details.hide.above-input")
    assert folded.count() >= 1
    assert folded.first.evaluate("d => !d.open")
    assert "显示折叠的代码单元" in (folded.first.locator("summary").text_content() or "")

    # Solutions stay hidden until the reader clicks.
    solution = page.locator(".solution").first
    body = solution.locator("p").filter(has_text="产量恰好等于订单")
    assert not body.is_visible()
    solution.locator(".admonition-title, button.toggle-button").first.click()
    body.wait_for(state="visible")

    # The download menu offers the MyST source and the executed notebook, both served.
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    for suffix in (".ipynb", ".md"):
        link = page.locator(f'.dropdown-download-buttons a[href$="{suffix}"]')
        assert link.is_visible()
        response = page.request.get(link.evaluate("a => a.href"))
        assert response.status == 200
    assert record.external == [], record.external
    assert record.broken == [], record.broken


def luminance(css_color: str) -> float:
    """Relative luminance (0 black ... 1 white) of an ``rgb(...)``/``rgba(...)`` color."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_color)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_screenshots_light_dark_and_phone(visit, screenshots):
    """Write the chapter in light and dark mode and at phone width; check each looks right."""
    light = visit(f"{CHAPTER}.html", viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = light.page
    wait_for_fonts(light)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(background) > 0.9, background
    page.screenshot(path=screenshots / f"{CHAPTER}-light.png")

    # The reader's switch: open the colour menu, choose dark.
    page.locator("button.theme-switch-button").first.click()
    page.locator('button.theme-change-button[data-mode="dark"]').first.click()
    page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(background) < 0.15, background
    text = page.evaluate("getComputedStyle(document.querySelector('article p')).color")
    assert luminance(text) > 0.6, text
    figures = page.locator("article.bd-article figure img")
    assert figures.count() > 0, f"{CHAPTER} shows no figure image (a figure cell printed text?)"
    figure = figures.first
    figure.scroll_into_view_if_needed()
    mat = figure.evaluate(
        "img => { const s = getComputedStyle(img);"
        " return [s.backgroundColor, s.paddingTop, s.filter]; }"
    )
    assert luminance(mat[0]) > 0.95 and mat[1] != "0px" and mat[2] == "none", mat
    page.evaluate("window.scrollBy(0, -200)")
    page.screenshot(path=screenshots / f"{CHAPTER}-dark.png")

    phone = visit(
        f"{CHAPTER}.html",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = phone.page
    wait_for_fonts(phone)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    assert not page.locator("#pst-primary-sidebar").is_visible()
    assert page.locator("button.primary-toggle:visible").count() >= 1
    page.screenshot(path=screenshots / f"{CHAPTER}-phone.png")

    for record in (light, phone):
        assert record.external == [], record.external
        assert record.broken == [], record.broken
    for name in ("light", "dark", "phone"):
        assert (screenshots / f"{CHAPTER}-{name}.png").stat().st_size > 10_000


# -- Every page at phone and desktop width; interface strings scripts insert (issue 12) -----------
def main_path() -> list[str]:
    """The main path: the chapters of docs/index.md's toctree captioned 正文, in order."""
    for options, entries in toctrees():
        if ":caption: 正文" in options:
            return entries
    raise AssertionError("docs/index.md has no toctree captioned 正文")


WIDTH_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_no_page_is_wider_than_a_phone(visit):
    """At 390 px no page scrolls sideways: wide formulas, listings, tables scroll in their box."""
    wide = {}
    for page in [*PAGES, "search", "genindex", "py-modindex"]:
        record = visit(f"{page}.html", viewport={"width": 390, "height": 844}, is_mobile=True)
        wait_for_fonts(record)
        # Lay out every section now (content-visibility: auto skips those off screen).
        record.page.add_style_tag(content="* { content-visibility: visible !important; }")
        overflow = record.page.evaluate(WIDTH_JS)
        if overflow > 0:
            wide[page] = overflow
        record.page.context.close()
    assert not wide, f"pages that scroll sideways on a phone (px too wide): {wide}"


#: The listings and outputs of a main-path chapter that overflow the desktop column.
OVERFLOWING_PRE_JS = r"""() => [...document.querySelectorAll('article.bd-article pre')]
  .filter((pre) => pre.scrollWidth > pre.clientWidth + 1)
  .map((pre) => [pre.scrollWidth - pre.clientWidth,
                 pre.textContent.split('\n').reduce((a, l) => l.length > a.length ? l : a, '')])"""


@pytest.mark.parametrize("page", main_path())
def test_code_fits_the_desktop_column(visit, page):
    """At 1400 px every listing and output line of a chapter fits: nothing scrolls sideways.

    Listings come from linreg_src (its docstrings and comments are wrapped to fit); an error a
    cell shows on purpose wraps (conf/_static/book.css).
    """
    record = visit(f"{page}.html", viewport={"width": 1400, "height": 900})
    wait_for_fonts(record)
    record.page.add_style_tag(content="* { content-visibility: visible !important; }")
    overflowing = record.page.evaluate(OVERFLOWING_PRE_JS)
    assert not overflowing, f"{page}: lines wider than the column (px, longest line): {overflowing}"


#: English interface words (as tests/test_site.py lists them) that a script may insert.
ENGLISH_UI_JS = r"""(pattern) => {
  const english = new RegExp(pattern);
  const found = [];
  const names = ['title', 'aria-label', 'placeholder', 'alt', 'data-tooltip',
                 'data-toggle-hint', 'data-bs-original-title'];
  for (const e of document.querySelectorAll('*')) {
    if (e.closest('pre, code, .math, .highlight, .sig')) continue;
    for (const name of names) {
      const value = e.getAttribute(name);
      if (value && english.test(value)) found.push(`${e.tagName}[${name}]=${value}`);
    }
  }
  const ui = 'button, summary, .toggle-details__summary-text, .tooltip, .dropdown-menu, ' +
             '.search-button__kbd-shortcut, #search-results > h2, .search-summary';
  for (const e of document.querySelectorAll(ui)) {
    const text = e.innerText || e.textContent || '';
    if (english.test(text)) found.push(`${e.tagName}.${e.className}: ${text.trim().slice(0, 80)}`);
  }
  return [...new Set(found)];
}"""
ENGLISH_UI_PATTERN = (
    r"\b(Click to (show|hide)|Toggle|System Settings|Light|Dark|Color mode|Copyright|Search|"
    r"Contents|Download|Copy|Copied|Failed|Exercise|Solution|Home|Main|Page|Previous|Next|"
    r"Back to top|Print|Fullscreen|On this page|Show|Hide|Results|matching|No results|"
    r"Preparing|Searching|Navigation|Sidebar)\b"
)


def test_interface_is_chinese_after_the_scripts_ran(visit):
    """Buttons, tooltips and labels the theme's scripts insert, as a reader meets them."""
    record = visit(f"{CHAPTER}.html", viewport={"width": 1280, "height": 900})
    page = record.page
    wait_for_fonts(record)
    page.locator("article.bd-article div.highlight").first.hover()  # the copy button's tooltip
    page.locator("button.theme-switch-button").first.click()  # the colour menu, open
    left = page.evaluate(ENGLISH_UI_JS, ENGLISH_UI_PATTERN)
    assert page.locator("article.bd-article button.toggle-button").count() > 0
    assert page.locator("article.bd-article button.copybtn").count() > 0

    search = visit(f"search.html?q={quote('误差项')}")
    search.page.wait_for_function(
        "() => (document.querySelector('#search-results p.search-summary') || {}).innerText"
    )
    left += search.page.evaluate(ENGLISH_UI_JS, ENGLISH_UI_PATTERN)
    assert not left, f"English interface strings after the scripts ran: {left}"
