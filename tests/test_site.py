"""Tests on the built HTML ($LINREG_SITE_DIR; ``nox -s site`` after ``nox -s docs``).

Every page is built; no cell output shows an error, except cells tagged ``raises-exception``
(teaching material), which must show one; every glue is resolved; every image is there; no
build path leaks into the site; and each page's key numbers -- computed from ``linreg_src``, not
typed -- are on the page.

How MyST-NB renders what these tests look at (myst-nb 1.4): a code cell is
``div.cell[.tag_<tag>]`` holding ``div.cell_input`` and ``div.cell_output``; an exception is
``div.output.traceback``, stderr is ``div.output.stderr``; ``{glue:text}`` pastes a
``span.pasted-text`` and ``{glue:math}`` a ``.pasted-math``; an unresolved glue pastes nothing
(the strict build also fails on its warning). Docutils marks what it could not process with
``.system-message`` / ``.problematic``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
import torch
from bs4 import BeautifulSoup

from linreg_src.article_002 import ARTICLE_002_SEED, article_002_run, article_002_setup
from linreg_src.articles import ARTICLE_000, ARTICLE_001, ARTICLE_002, ARTICLE_003, ARTICLE_004
from linreg_src.data import synthetic_data
from linreg_src.loss import squared_loss
from linreg_src.lstsq import mse_hessian
from linreg_src.model import linreg
from linreg_src.recover import min_norm_w_004, misses_004, recover_initial_w_001, run_article_004
from linreg_src.show import sci
from linreg_src.traffic import gradient_traffic
from linreg_src.train import init_params, train_linreg

pytestmark = pytest.mark.site

DOCS = Path(__file__).resolve().parent.parent / "docs"
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
IGNORED_DIRS = {"_build", "jupyter_execute", ".ipynb_checkpoints", ".jupyter_cache"}
SOURCES = {
    p.relative_to(DOCS).with_suffix("").as_posix(): p
    for p in sorted(DOCS.rglob("*"))
    if p.suffix in SOURCE_SUFFIXES and not IGNORED_DIRS & set(p.relative_to(DOCS).parts)
}
PAGES = sorted(SOURCES)


def _g(value: float) -> str:
    return f"{value:g}"


def _chain_rule_linreg() -> list[str]:
    """Chapter 2's one linear-regression example: its upstream gradient and ∂l/∂w₁."""
    import torch

    from linreg_src.articles import as_tensor
    from linreg_src.model import linreg
    from linreg_src.train import init_params

    x1, y1 = as_tensor(_I1["X"])[:1], as_tensor(_I1["y"])[:1]
    w, b = init_params(2, dtype=torch.float64)
    upstream = (linreg(x1, w, b) - y1).item()
    grad_w1 = upstream * x1[0, 0].item()
    return [f"约为{upstream:.4f}：", f"∂l/∂w₁{grad_w1:.6f}{grad_w1:.6f}"]


_A0, _A1, _A3 = ARTICLE_000.published, ARTICLE_001.published, ARTICLE_003.published
_A2, _A4 = ARTICLE_002.published, ARTICLE_004.published
_I0, _I1 = ARTICLE_000.inputs, ARTICLE_001.inputs
_X_002, _, _MODEL_002 = article_002_setup(ARTICLE_002_SEED)
_A2_LR = ARTICLE_002.inputs["lr"]
_LAMBDA_MIN = float(torch.linalg.eigvalsh(mse_hessian(_X_002))[0])
# from_scratch: d2l 3.2's data (article 001's setting), seed 0; the short-batch trap's B
_SCRATCH_X, _SCRATCH_Y = synthetic_data(
    torch.tensor(_I1["true_w"], dtype=torch.float64),
    _I1["true_b"],
    _I1["num_examples"],
    noise_std=_I1["noise_std"],
    generator=torch.Generator().manual_seed(0),
)
_SCRATCH_RUN = train_linreg(_SCRATCH_X, _SCRATCH_Y, max_steps=1)
_SCRATCH_B = 64
_SCRATCH_LAST = _I1["num_examples"] % _SCRATCH_B


def _error_term_grads() -> list[float]:
    """The error-term chapter's batch (d2l's true parameters, 5 examples, seed 0) and its grads."""
    gen = torch.Generator().manual_seed(0)
    X, y = synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 5, generator=gen)
    w, b = init_params(2, seed=0, requires_grad=True)
    squared_loss(linreg(X, w, b), y).sum().backward()
    return [*w.grad.flatten().tolist(), *b.grad.tolist()]


def _sum_vs_mean_forgot(batch_size: int) -> float:
    """The sum-vs-mean chapter's run that forgets the division: loss after 30 steps."""
    features, labels = synthetic_data(
        torch.tensor([2.0, -3.4], dtype=torch.float64),
        4.2,
        1000,
        generator=torch.Generator().manual_seed(0),
    )
    result = train_linreg(
        features,
        labels,
        lr=0.03,
        batch_size=batch_size,
        seed=2,
        num_epochs=30,
        max_steps=30,
        grads="hand",
        divide_by="none",
    )
    return result.step_losses[-1]


_ET_GRADS = _error_term_grads()
_SM_FORGOT_100 = _sum_vs_mean_forgot(100)

_W0_001 = recover_initial_w_001().flatten().tolist()


def _float32_runs_004() -> tuple[int, int]:
    """Of article 004's page's float32 runs along the null space: (all digits shown, missed)."""
    import torch

    n = torch.tensor([[1.0], [-2.0], [1.0]], dtype=torch.float64)
    w_plus = min_norm_w_004("2d")
    ts = torch.linspace(-3, 3, 61, dtype=torch.float64)
    hits = sum(not misses_004("2d", run_article_004("2d", (w_plus + t * n).float())) for t in ts)
    return hits, len(ts) - hits


_F32_HITS_004, _F32_MISS_004 = _float32_runs_004()
_I2 = ARTICLE_002.inputs
_ADAM_002 = article_002_run(ARTICLE_002_SEED, optimizer="adam").weight
_ADAM_ULPS_002 = round(
    abs(_ADAM_002 - _A2["adam_w"]) / float(np.spacing(np.float32(_A2["adam_w"])))
)
#: Each page's key numbers, as fragments of its visible text with all whitespace removed (glue
#: adds spaces), each formula written as its TeX source. Build them from linreg_src (published
#: values in ``linreg_src.articles``, or the functions the page calls), not by typing the
#: number, so the test checks the page against the package. Every page that executes code needs
#: an entry.
KEY_NUMBERS: dict[str, list[str]] = {
    "chain_rule": [
        f"做出{_g(_A3['u'])}个肉饼",
        f"做出{_g(_A3['y'])}个汉堡",  # the article's y is the book's h
        f"Loss}}\\)为{_g(_A3['loss'])}。",
        f"\\partial\\mathrm{{Loss}}/\\partialv=\\){_g(_A3['grad_v'])}。",
        f"\\partial\\mathrm{{Loss}}/\\partialw=\\){_g(_A3['grad_w'])}。",
        f"∂Loss/∂v{_g(_A3['grad_v'])}{_g(_A3['grad_v'])}",
        *_chain_rule_linreg(),
    ],
    "cost": [  # the timings vary from build to build; the arithmetic does not
        f"梯度的全部算术只有{gradient_traffic(10, 2).flops:d}次浮点运算",
        f"一步要搬运{gradient_traffic(10**6, 32).total_bytes / 1e6:.0f}MB",
    ],
    "article_002": [  # what the article printed, and how close the seeded re-run comes
        repr(_A2["sgd_w"]),
        repr(_A2["adam_w"]),
        f"也就是{_ADAM_ULPS_002}个ulp",
        f"种子{ARTICLE_002_SEED}之外离原文最近的是种子",
        f"只有学习率{_I2['lr']:g}（原文给SGD的那个值）得到原文的数",
    ],
    "comparison": [  # the rows of article 003 (printed to 1 decimal) and 002's SGD w (in full)
        *(
            f"[003]{key}{value:.{ARTICLE_003.decimals}f}{value:.{ARTICLE_003.decimals}f}匹配"
            for key, value in _A3.items()
        ),
        f"[002]SGDw{_A2['sgd_w']!r}{_A2['sgd_w']!r}",  # its verdict wraps in the PDF's column
    ],
    "errata": [
        f"{_I1['num_examples']}个样本按批量大小{_I1['batch_size']}恰好分成"
        f"{_I1['num_examples'] // _I1['batch_size']}个满的小批量",
    ],
    "error_term": [  # the chapter's seeded batch: autograd's gradients, as the prose states them
        f"\\partialL/\\partialw_1=\\){_ET_GRADS[0]:.4f}、",
        f"\\partialL/\\partialw_2=\\){_ET_GRADS[1]:.4f}、",
        f"\\partialL/\\partialb=\\){_ET_GRADS[2]:.4f}。",
    ],
    "four_ways": [
        f"个样本、{len(_I1['true_w'])}个特征，全部是float64",
        f"\\partial\\mathrm{{Loss}}/\\partialv=\\){_g(_A3['grad_v'])}，",
        f"\\partial\\mathrm{{Loss}}/\\partialw=\\){_g(_A3['grad_w'])}，",
    ],
    "from_scratch": [
        f"训练前损失是{_SCRATCH_RUN.initial_loss:.2f}；",
        f"个样本的小批量上：两个参数的步长之比都是{_SCRATCH_LAST / _SCRATCH_B:.4f}，",
    ],
    "nn_linear": [
        f"这里抽到的权重和偏置是{_MODEL_002.weight.item():.4f}和{_MODEL_002.bias.item():.4f}。",
        f"转动方向的误差每轮只乘以{1 - _A2_LR * _LAMBDA_MIN:.4f}，",
    ],
    "notation": [
        f"房屋面积{_g(_I0['area_m2'])}平方米，实际售价（标签）{_g(_I0['y'])}万元",
        f"预测{_g(_I0['y_hat'])}万元，损失\\(l=\\){_g(_A0['loss'])}，与原文相同",
        f"\\sqrt{{2l}}=\\){_g(math.sqrt(2 * _A0['loss']))}万元",
    ],
    "sum_vs_mean": [  # N = d2l's batch size; the run that forgets to divide at batch size 100
        f"比值都是\\(N=\\){_I1['batch_size']}",
        f"步后损失达到\\({''.join(sci(_SM_FORGOT_100).strip('$').split())}\\)",
    ],
    "article_000": [  # the house-price example, and one gradient step on it
        f"预测{_g(_I0['y_hat'])}万元",
        f"损失\\(l=\\tfrac12\\delta^2=\\){_g(_A0['loss'])}，单位是万元的平方",
        f"w.grad是{_g((_I0['y_hat'] - _I0['y']) * _I0['area_m2'])}，正是",
    ],
    "article_001": [  # the three printed gradients and the initial w they determine
        f"\\partialL/\\partialw_1=\\){_A1['grad_w'][0]:.4f}、",
        f"\\partialL/\\partialw_2=\\){_A1['grad_w'][1]:.4f}、",
        f"\\partialL/\\partialb=\\){_A1['grad_b']:.4f}。",
        f"\\(w_1=\\){_W0_001[0]:.4f}、\\(w_2=\\){_W0_001[1]:.4f}",
    ],
    "article_003": [  # the factory's five printed numbers
        f"做出{_g(_A3['u'])}个肉饼、{_g(_A3['y'])}个汉堡",
        f"误差\\(\\mathrm{{Loss}}=\\){_g(_A3['loss'])}",
        f"\\partial\\mathrm{{Loss}}/\\partialv=\\){_g(_A3['grad_v'])}、",
        f"\\partial\\mathrm{{Loss}}/\\partialw=\\){_g(_A3['grad_w'])}。",
    ],
    "article_004": [  # the 1-D example as printed, the 2-D first component, the float32 runs
        f"由打印的预测值{_A4['y_hat_1d'][0]:.4f}算出的损失",
        f"而原文打印的是{_A4['loss_1d'][0]:.4f}",
        f"而PyTorch打印的是{_A4['grad_w_2d'][0]:.4f}",
        f"有{_F32_HITS_004}个在float32中打印出与原文完全相同的全部数字，{_F32_MISS_004}个没有对上",
    ],
}

#: Directives whose body is code or data, not Markdown: glue written there is not pasted.
CODE_DIRECTIVES = re.compile(
    r"\{(code-cell|code-block|code|sourcecode|literalinclude|doctest|testcode|testoutput|"
    r"testsetup|testcleanup|raw-cell|raw|math|glue(:[\w-]*)?)\}"
)
FENCE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",
    re.M | re.S,
)
INLINE = re.compile(
    r"(?P<role>\{[\w:.-]+\}`[^`]*`)|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)", re.S
)
FIGURE_AS_TEXT = re.compile(r"^<(Figure size [\d.]+x[\d.]+ with \d+ Axes|matplotlib\.\S+ at 0x)")


def soup_of(site_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site_dir / f"{page}.html").read_text("utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    main = soup.select_one("article.bd-article") or soup.body
    assert main is not None
    return main


def compact_text(node) -> str:
    """The node's text without whitespace, each formula written as its TeX: ``\\(tex\\)``."""
    for hidden in node.select("script, style"):
        hidden.decompose()
    for formula in node.select("span.math, div.math"):
        source = formula.select_one('annotation[encoding="application/x-tex"]')
        if source is not None:  # KaTeX's HTML + MathML, typeset at build time
            tex = source.get_text()
            for typeset in formula.select(":scope > .katex-display, :scope > .katex"):
                typeset.decompose()
            delimiters = ("\\[", "\\]") if formula.name == "div" else ("\\(", "\\)")
            formula.append(delimiters[0] + tex + delimiters[1])
    return "".join(node.get_text().split())


def markdown_only(source: str) -> str:
    """A MyST page's text with code removed: code blocks, code-like directives, inline code."""
    source = re.sub(r"<!--.*?-->", "", source, flags=re.S)

    def fence(match: re.Match[str]) -> str:
        info = match["info"].strip()
        if info.startswith("{") and not CODE_DIRECTIVES.match(info):
            return markdown_only(match["body"])  # an admonition, exercise, tab ...: Markdown
        return ""

    source = FENCE.sub(fence, source)
    # Left to right, a role ({name}`content`) is kept and an inline code span is dropped.
    return INLINE.sub(lambda m: m["role"] or "", source)


def in_raises_exception_cell(node) -> bool:
    cell = node.find_parent("div", class_="cell")
    return cell is not None and "tag_raises-exception" in cell.get("class", [])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_built(site_dir, page):
    path = site_dir / f"{page}.html"
    assert path.is_file(), f"{SOURCES[page]} was not built"
    assert article(soup_of(site_dir, page)).find("h1"), f"{page}.html has no title"


@pytest.mark.parametrize("page", PAGES)
def test_no_cell_output_shows_an_error(site_dir, page):
    main = article(soup_of(site_dir, page))
    problems = [
        f"{n.name}.{'.'.join(n.get('class', []))}: {n.get_text()[:300]!r}"
        for n in main.select(".system-message, .problematic")
    ]
    for output in main.select("div.cell_output .output, div.cell_output > *"):
        if in_raises_exception_cell(output):
            continue
        classes = set(output.get("class", []))
        text = output.get_text()
        if classes & {"traceback", "stderr"} or "Traceback (most recent call last)" in text:
            problems.append(f"error output: {text[:500]!r}")
        elif "text_plain" in classes and FIGURE_AS_TEXT.match(text.strip()):
            problems.append(
                f"a figure shown as text, not drawn: {text.strip()!r} "
                "(the cell needs `%matplotlib inline` before it returns a Figure)"
            )
    assert not problems, f"{page}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_cells_tagged_raises_exception_do_raise(site_dir, page):
    for cell in article(soup_of(site_dir, page)).select("div.cell.tag_raises-exception"):
        assert cell.select("div.output.traceback"), (
            f"{page}: a cell tagged raises-exception shows no error; drop the tag or fix the cell:"
            f"\n{cell.get_text()[:300]}"
        )


@pytest.mark.parametrize("page", PAGES)
def test_every_glue_is_resolved(site_dir, page):
    main = article(soup_of(site_dir, page))
    for code in main.select("pre, code"):
        code.decompose()
    assert "{glue" not in main.get_text(), f"{page}: glue syntax left unparsed in the page"

    source = markdown_only(SOURCES[page].read_text("utf-8"))
    for role, selector in (("glue:text", ".pasted-text"), ("glue:math", ".pasted-math")):
        written = len(re.findall(rf"\{{{role}\}}`", source))
        pasted = [n for n in main.select(selector) if n.get_text().strip()]
        assert len(pasted) >= written, (
            f"{page}: {written} {{{role}}} roles in the source, {len(pasted)} values pasted"
        )


def test_every_page_that_executes_code_has_key_numbers():
    executing = {
        page
        for page, path in SOURCES.items()
        if path.suffix == ".ipynb"
        or re.search(r"^```+\{code-cell\}", path.read_text("utf-8"), re.M)
    }
    missing = sorted(executing - KEY_NUMBERS.keys())
    assert not missing, f"add these pages' key numbers to KEY_NUMBERS in {__file__}: {missing}"
    assert not KEY_NUMBERS.keys() - SOURCES.keys(), "KEY_NUMBERS names pages that do not exist"


@pytest.mark.parametrize("page", sorted(KEY_NUMBERS))
def test_key_numbers_are_on_the_page(site_dir, page):
    text = compact_text(article(soup_of(site_dir, page)))
    missing = [fragment for fragment in KEY_NUMBERS[page] if fragment not in text]
    assert not missing, f"{page}: not on the page: {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_every_image_is_there(site_dir, page):
    soup = soup_of(site_dir, page)
    for img in soup.select("img[src]"):
        url = urlsplit(img["src"])
        if url.scheme or url.netloc or url.path.startswith("data:"):
            continue
        target = (site_dir / f"{page}.html").parent / unquote(url.path)
        assert target.is_file(), f"{page}: image {img['src']} is missing"


def test_no_build_path_leaks_into_the_site(site_dir, project_root):
    needles = {str(project_root), str(site_dir.resolve().parent)}
    leaks = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix in {".html", ".js", ".ipynb", ".txt", ".md", ".json"} and path.is_file():
            text = path.read_text("utf-8", errors="replace")
            leaks += [f"{path.relative_to(site_dir)}: {n}" for n in needles if n in text]
    assert not leaks, "absolute build paths in the site (builds elsewhere would differ):\n" + (
        "\n".join(leaks)
    )


# -- What a reader's first view loads (conf/_ext/linreg_katex.py, linreg_firstview.py) ----------
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
#: Scripts a page must not load: math typeset in the browser, Font Awesome's 1.5 MB icon script.
HEAVY_SCRIPTS = ("mathjax", "fontawesome.js")


def _built_pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.glob("*.html"))


@pytest.mark.parametrize("page", [*PAGES, "search", "genindex"])
def test_math_is_typeset_at_build_time(site_dir, page):
    """Every formula arrives as KaTeX's HTML + MathML with its TeX source; nothing failed."""
    main = article(soup_of(site_dir, page))
    maths = main.select("span.math, div.math")
    untypeset = [m.get_text()[:80] for m in maths if not m.select_one(".katex")]
    assert not untypeset, f"{page}: math left as TeX: {untypeset}"
    errors = [e.get("title", e.get_text()) for e in main.select(".math-error, .katex-error")]
    assert not errors, f"{page}: KaTeX rejected formulas: {errors}"
    for formula in maths:
        assert formula.select_one('.katex-mathml annotation[encoding="application/x-tex"]'), (
            f"{page}: a formula without its TeX source (MathML annotation): "
            f"{formula.get_text()[:80]}"
        )


@pytest.mark.parametrize("page", [*PAGES, "search", "genindex"])
def test_no_page_loads_heavy_or_blocking_scripts(site_dir, page):
    """No MathJax, no fontawesome.js, script files deferred, the search index on search.html."""
    raw = (site_dir / f"{page}.html").read_text("utf-8")
    loaded = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', raw)
    heavy = [url for url in loaded if any(name in url.lower() for name in HEAVY_SCRIPTS)]
    assert not heavy, f"{page} still loads {heavy}"
    assert "window.MathJax" not in raw, f"{page} configures MathJax"
    assert 'rel="preload" as="script"' not in raw, f"{page} preloads scripts"
    head = raw.split("</head>", 1)[0]
    for attributes, _body in _SCRIPT_TAG.findall(head):
        if "src=" not in attributes or page == "search":
            continue  # the search page runs Sphinx's search as it loads, its scripts in order
        src = re.search(r'src="([^"]+)"', attributes).group(1)
        assert re.search(r"\b(defer|async)\b|type=\"module\"", attributes), (
            f"{page}: <script src={src}> blocks rendering (not deferred)"
        )
    if page != "search":
        assert "searchindex.js" not in raw, f"{page} loads the search index"


def test_every_icon_a_page_shows_is_drawn(site_dir):
    """Each Font Awesome icon class in the site has its mask in _static/icons.css."""
    css = (site_dir / "_static" / "icons.css").read_text("utf-8")
    drawn = set(re.findall(r"\.fa-(?:solid|regular|brands)\.fa-([a-z0-9-]+)", css))
    drawn |= set(re.findall(r"\.fa[srb]\.fa-([a-z0-9-]+)", css))
    styles = {"fa-solid", "fa-regular", "fa-brands", "fas", "far", "fab"}
    modifiers = {"fa-fw", "fa-lg", "fa-xs", "fa-sm", "fa-xl", "fa-2x", "fa-3x"}
    used: dict[str, set[str]] = {}
    for path in _built_pages(site_dir):
        for classes in re.findall(r'class="([^"]*)"', path.read_text("utf-8")):
            names = classes.split()
            if styles & set(names):
                for name in names:
                    if name.startswith("fa-") and name not in styles | modifiers:
                        used.setdefault(name[3:], set()).add(path.stem)
    assert used, "no icon found in the site: has the theme's markup changed?"
    missing = {name: sorted(pages) for name, pages in used.items() if name not in drawn}
    assert not missing, f"icons shown but not drawn by icons.css: {missing}"
    assert "data:image/svg+xml" in css and "url(http" not in css


@pytest.mark.parametrize("page", PAGES)
def test_images_reserve_their_box(site_dir, page):
    """Every image in a page's text has width and height, so nothing below it jumps."""
    unsized = [
        img.get("src")
        for img in article(soup_of(site_dir, page)).select("img")
        if not (img.get("width") and img.get("height"))
    ]
    assert not unsized, f"{page}: images without width/height: {unsized}"


# -- Reading order, plumbing, interface language (issue 12, "Done when") -------------------------
_TOCTREE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{toctree\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S
)
#: The caption of docs/index.md's toctree that is the main path, read in order.
MAIN_PATH_CAPTION = "正文"


def main_path() -> list[str]:
    """The main-path chapters in reading order: the documents of the toctree captioned 正文."""
    for match in _TOCTREE.finditer((DOCS / "index.md").read_text("utf-8")):
        lines = [line.strip() for line in match["body"].splitlines() if line.strip()]
        if f":caption: {MAIN_PATH_CAPTION}" in lines:
            return [re.sub(r"^.*<([^>]+)>$", r"\1", ln) for ln in lines if not ln.startswith(":")]
    raise AssertionError(f"docs/index.md has no toctree captioned {MAIN_PATH_CAPTION}")


MAIN_PATH = main_path()


def test_main_path_is_read_from_the_index():
    assert len(MAIN_PATH) >= 5 and set(MAIN_PATH) <= set(PAGES), MAIN_PATH


@pytest.mark.parametrize("page", MAIN_PATH)
def test_no_main_path_page_links_into_a_later_one(site_dir, page):
    """A chapter builds only on earlier ones: no link to a later chapter's equation or section.

    A forward pointer is a plain sentence ("下一章……"), never a reference (HOUSE_STYLE, Order).
    """
    later = set(MAIN_PATH[MAIN_PATH.index(page) + 1 :])
    forward = []
    for link in article(soup_of(site_dir, page)).select("a[href]"):
        url = urlsplit(link["href"])
        if url.scheme or url.netloc or not url.path.endswith(".html"):
            continue
        target = Path(unquote(url.path)).stem
        if target in later:
            what = "equation" if url.fragment.startswith("equation-") else "section/page"
            forward.append(f"{what} {link['href']} ({link.get_text(' ', strip=True)!r})")
    assert not forward, f"{page} links forward into later chapters:\n" + "\n".join(forward)


#: Cells whose input is not on the page at all (MyST-NB drops it): anything else is seen, folded
#: (hide-input) or not.
INPUT_REMOVED = {"tag_remove-input", "tag_remove-cell"}


@pytest.mark.parametrize("page", PAGES)
def test_no_visible_cell_calls_glue(site_dir, page):
    """Glue is plumbing: its calls live in cells tagged remove-cell (HOUSE_STYLE)."""
    shown = []
    for cell in article(soup_of(site_dir, page)).select("div.cell"):
        if INPUT_REMOVED & set(cell.get("class", [])):
            continue
        for source in cell.select("div.cell_input"):
            code = source.get_text()
            if re.search(r"\bglue\(|from myst_nb import glue", code):
                shown.append(code.strip()[:200])
    assert not shown, f"{page}: a reader sees glue calls:\n" + "\n---\n".join(shown)


#: Interface words of Sphinx, the themes and their extensions, as their English catalogs and
#: scripts write them. Article text (the API page's docstrings, code) is not scanned; the page's
#: chrome, the article's interface elements and every label a reader or screen reader meets are.
ENGLISH_UI = re.compile(
    r"\b(Click to (show|hide)|Toggle|System Settings|Light|Dark|Color mode|Copyright|Search|"
    r"Contents|Download|Copy|Copied|Exercise|Solution|Last updated|Home|Main|Page|Previous|"
    r"Next|Skip to|Back to top|Print|Fullscreen|On this page|Show|Hide|Table of contents|"
    r"Navigation|Sidebar|Breadcrumb|Section|Type|Parameters|Returns|Raises|Examples|Notes|"
    r"See also|Built with|Created using|Theme by|By|Edit|Launch|Index|Module|previous|next)\b"
)
UI_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-toggle-hint", "data-tooltip")
#: Elements of an article that are interface, not the author's text.
UI_IN_ARTICLE = (
    "summary, button, .admonition-title, .caption-number, dl.field-list > dt, "
    ".headerlink, .toggle-details__summary-text"
)
CODE_OR_MATH = "pre, code, .math, .katex, math, .highlight, .sig, script, style"


def english_ui_strings(soup: BeautifulSoup) -> list[str]:
    """English interface words on a page: its chrome, interface elements, labels, toggle hints."""
    found = []
    for script in soup.select("script"):  # sphinx-togglebutton's hints, set inline
        found += re.findall(r"toggleHint\w*\s*=\s*'([^']*[A-Za-z]{3}[^']*)'", script.get_text())
    for node in soup.select(CODE_OR_MATH):
        node.decompose()
    main = soup.select_one("article.bd-article")
    if main is not None:
        for element in main.select(UI_IN_ARTICLE):
            found.append(element.get_text(" ", strip=True))
        main.clear()  # the author's text; its interface elements are collected above
    for element in soup.find_all(True):
        found += [element[name] for name in UI_ATTRIBUTES if element.has_attr(name)]
    found += [text.strip() for text in soup.find_all(string=True) if text.strip()]
    return sorted({text for text in found if ENGLISH_UI.search(text)})


@pytest.mark.parametrize("page", [*PAGES, "search", "genindex", "py-modindex"])
def test_no_english_interface_string(site_dir, page):
    """Every interface string is Chinese (conf/locale, conf/_templates, conf.py)."""
    soup = soup_of(site_dir, page)
    for comment in soup.find_all(string=lambda s: s.__class__.__name__ == "Comment"):
        comment.extract()
    left = english_ui_strings(soup)
    assert not left, f"{page}: English interface strings: {left}"


def test_the_english_interface_check_finds_english():
    """The check above finds what the themes write when the book's translations are missing."""
    html = (
        '<html><body><button title="Toggle primary sidebar"></button>'
        "<script>toggleHintShow = 'Click to show';</script><footer>© Copyright 2026.</footer>"
        '<article class="bd-article"><p>Search the docstring</p><summary>Show code</summary>'
        "</article></body></html>"
    )
    found = english_ui_strings(BeautifulSoup(html, "html.parser"))
    assert found == ["Click to show", "Show code", "Toggle primary sidebar", "© Copyright 2026."]


def page_numbers(soup: BeautifulSoup) -> dict[str, list[str]]:
    """The numbers a page shows: its equations' "(n)" and each caption kind's "图 n", "练习 n"."""
    main = article(soup)
    for link in main.select(".eqno a.headerlink"):
        link.decompose()  # the "#" that links to the equation
    shown: dict[str, list[str]] = {
        "式": [e.get_text().strip("() \n") for e in main.select(".eqno")]
    }
    for caption in main.select(".caption-number"):
        kind, _, number = caption.get_text().strip().partition(" ")
        shown.setdefault(kind, []).append(number)
    return shown


@pytest.mark.parametrize("page", PAGES)
def test_numbering_is_the_pages_own(site_dir, page):
    """Main-path chapter n numbers n.1, n.2 ...; any other page 1, 2 ... (conf/_ext/book_numbering).

    No page carries numbers over from others ("(14)", "图 2", "练习 4" opening an appendix page).
    """
    shown = page_numbers(soup_of(site_dir, page))
    prefix = f"{MAIN_PATH.index(page) + 1}." if page in MAIN_PATH else ""
    for kind, numbers in shown.items():
        if numbers:
            expected = [f"{prefix}{k}" for k in range(1, len(numbers) + 1)]
            assert numbers == expected, f"{page}: {kind} numbered {numbers}, expected {expected}"
