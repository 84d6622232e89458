"""Issue 15 in a real browser, offline: answer boxes, the gradient explorer, equation previews.

Debian's chromium under Playwright, as in ``tests/test_browser.py``: the site in
$LINREG_SITE_DIR is served from 127.0.0.1 by a thread (and one page is opened from ``file://``),
every request to another host is recorded and aborted, and chromium resolves no host name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, Request, Route, expect

pytestmark = pytest.mark.site

#: The main-path chapters with answer boxes, and how many each has (at least).
ANSWER_PAGES = {
    "notation": 2,
    "chain_rule": 4,
    "error_term": 1,
    "sum_vs_mean": 3,
    "from_scratch": 2,
    "nn_linear": 2,
}


# -- The site, served; the browser ----------------------------------------------------------------
@dataclass
class Visit:
    page: Page
    external: list[str] = field(default_factory=list)  # requests to other hosts (aborted)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions in the page's scripts


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator:
    """``visit(url_or_path, **context_options) -> Visit``, every other host blocked."""
    contexts = []

    def open_page(path: str, **options: object) -> Visit:
        context = browser.new_context(service_workers="block", **options)
        contexts.append(context)
        page = context.new_page()
        record = Visit(page)

        def route(route: Route, request: Request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme == "file" or parts.hostname == "127.0.0.1":
                route.continue_()
            else:
                record.external.append(request.url)
                route.abort("blockedbyclient")

        context.route("**/*", route)
        page.on("pageerror", lambda error: record.errors.append(str(error)))
        url = path if path.startswith("file:") else base_url + path
        page.goto(url, wait_until="load")
        return record

    yield open_page
    for context in contexts:
        context.close()


def answer_boxes(site_dir: Path, page: str) -> list[dict[str, float]]:
    soup = BeautifulSoup((site_dir / f"{page}.html").read_text("utf-8"), "html.parser")
    return [json.loads(box["data-answer"]) for box in soup.select(".answer-check")]


def typings(value: float) -> list[str]:
    """Ways a reader may type ``value``: plain, full-width, fraction, scientific."""
    plain = repr(value) if value != int(value) else str(int(value))
    ways = [plain, f"  {plain} "]
    ways.append(plain.translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－")))
    if value < 0:
        ways.append("−" + plain[1:])  # U+2212
    elif value > 0:
        ways.append("+" + plain)
    ratio = Fraction(value).limit_denominator(1000)
    if ratio.denominator > 1 and float(ratio) == value:
        ways.append(f"{ratio.numerator}/{ratio.denominator}")
    if value != 0:
        mantissa, exponent = f"{value:.15e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        ways.append(f"{mantissa}×10^{int(exponent)}")
        ways.append(f"{mantissa}e{int(exponent)}")
    return ways


# -- Answer boxes ---------------------------------------------------------------------------------
def test_answer_boxes_on_at_least_four_main_path_chapters(site_dir):
    counts = {page: len(answer_boxes(site_dir, page)) for page in ANSWER_PAGES}
    assert counts == ANSWER_PAGES
    assert sum(counts.values()) >= 8 and len(counts) >= 4


@pytest.mark.parametrize("page", sorted(ANSWER_PAGES))
def test_every_answer_box_says_right_and_wrong(visit, site_dir, page):
    specs = answer_boxes(site_dir, page)
    record = visit(f"{page}.html")
    boxes = record.page.locator(".answer-check")
    assert boxes.count() == len(specs)
    for k, spec in enumerate(specs):
        box = boxes.nth(k)
        field = box.locator("input")
        wrong = spec["value"] + 10 * spec["tol"] + 1
        field.fill(repr(wrong))
        field.press("Enter")
        assert box.get_attribute("data-verdict") == "wrong", (page, k)
        expect(box.locator(".answer-verdict")).to_have_text(re.compile(r"^\s*还不对"))
        field.fill("这不是数")
        box.locator("button").click()
        assert box.get_attribute("data-verdict") == "wrong"
        for typed in typings(spec["value"]):
            field.fill(typed)
            box.locator("button").click()
            assert box.get_attribute("data-verdict") == "correct", (page, k, typed, spec)
            expect(box.locator(".answer-verdict")).to_have_text(re.compile(r"^\s*对了"))
        field.fill(repr(spec["value"]))
        field.press("Enter")
        assert box.get_attribute("data-verdict") == "correct"
        solution = box.locator("xpath=ancestor::div[contains(@class,'exercise')]").locator(
            "xpath=following-sibling::div[contains(@class,'solution')][1]"
        )
        assert "toggle-hidden" not in (solution.get_attribute("class") or ""), (page, k)
        content = solution.locator("#solution-content")
        content.scroll_into_view_if_needed()  # the book's CSS skips rendering off-screen parts
        expect(content).to_be_visible()
    assert record.external == [] and record.errors == []


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("5×10^-5", 5e-5),
        ("5 × 10^(−5)", 5e-5),
        ("5*10**-5", 5e-5),
        ("5×10⁻⁵", 5e-5),
        ("５ｅ－５", 5e-5),
        ("－３/８", -0.375),
        ("+1/333", 1 / 333),
        ("62.5%", 0.625),
        ("3/(2*4)", 0.375),
        ("1/0", None),
        ("2/", None),
        ("abc", None),
        ("", None),
    ],
)
def test_answers_are_parsed_forgivingly(visit, typed, value):
    record = visit("notation.html")
    got = record.page.evaluate("(t) => window.linregAnswer.evaluate(t)", typed)
    if value is None:
        assert got != got  # NaN
    else:
        assert got == pytest.approx(value, rel=1e-12)


def test_answer_box_works_from_file_url(visit, site_dir):
    record = visit((site_dir / "sum_vs_mean.html").resolve().as_uri())
    spec = answer_boxes(site_dir, "sum_vs_mean")[-1]
    box = record.page.locator(".answer-check").last
    ratio = Fraction(spec["value"]).limit_denominator(1000)
    box.locator("input").fill(f"{ratio.numerator}/{ratio.denominator}")
    box.locator("input").press("Enter")
    assert box.get_attribute("data-verdict") == "correct"
    assert record.external == [] and record.errors == []


# -- The gradient explorer ------------------------------------------------------------------------
def book_values(w_value: float, b_value: float) -> dict[str, float]:
    """What chapter 3's formulas give on the house-price example, by linreg_src directly."""
    import torch

    from linreg_src.articles import ARTICLE_000
    from linreg_src.grad import error_term, squared_loss_grads
    from linreg_src.loss import squared_loss
    from linreg_src.model import linreg

    house = ARTICLE_000.inputs
    X = torch.tensor([[house["area_m2"]]], dtype=torch.float64)
    y = torch.tensor([[house["y"]]], dtype=torch.float64)
    w = torch.tensor([[w_value]], dtype=torch.float64)
    b = torch.tensor([b_value], dtype=torch.float64)
    y_hat = linreg(X, w, b)
    grad_w, grad_b = squared_loss_grads(X, y, w, b)
    return {
        "y_hat": float(y_hat),
        "delta": float(error_term(y_hat, y)),
        "loss": float(squared_loss(y_hat, y).sum()),
        "grad_w": float(grad_w),
        "grad_b": float(grad_b),
    }


def shown(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def read_explorer(explorer) -> tuple[float, float, dict[str, float]]:
    w = float(explorer.locator("output").nth(0).get_attribute("data-value"))
    b = float(explorer.locator("output").nth(1).get_attribute("data-value"))
    values = {}
    for quantity in ("y_hat", "delta", "loss", "grad_w", "grad_b"):
        cell = explorer.locator(f'dd[data-quantity="{quantity}"]')
        data = json.loads(cell.get_attribute("data-value"))
        value = data[0] if isinstance(data, list) else data
        assert shown(cell.text_content()) == pytest.approx(value, abs=0.005), quantity
        values[quantity] = value
    return w, b, values


def test_explorer_read_outs_are_the_books_values(visit):
    record = visit("error_term.html")
    explorer = record.page.locator(".gradient-explorer")
    assert explorer.count() == 1
    explorer.scroll_into_view_if_needed()  # the book's CSS skips rendering off-screen parts
    sliders = explorer.locator('input[type="range"]')
    assert sliders.count() == 2
    for k, name in enumerate("wb"):  # each slider has a visible label
        label = explorer.locator(f'label[for="{sliders.nth(k).get_attribute("id")}"]')
        # the section is laid out a frame after it scrolls into view: wait for the text
        expect(label).to_have_text(re.compile(rf"^\s*{name}\s*$"))
    seen = set()
    for k in range(2):
        slider = sliders.nth(k)
        top = int(slider.get_attribute("max"))
        for position in (0, top // 3, top):
            slider.fill(str(position))
            w, b, values = read_explorer(explorer)
            assert values == pytest.approx(book_values(w, b), rel=1e-12, abs=1e-9), (w, b)
            seen.add((w, b))
        slider.focus()  # the keyboard moves it too
        before = read_explorer(explorer)[:2]
        output = explorer.locator("output").nth(k)
        old_value = output.get_attribute("data-value")
        slider.press("ArrowLeft")
        expect(output).not_to_have_attribute("data-value", old_value)
        w, b, values = read_explorer(explorer)
        assert (w, b) != before
        assert values == pytest.approx(book_values(w, b), rel=1e-12, abs=1e-9)
        assert slider.get_attribute("aria-valuetext").startswith(("w = ", "b = "))
    assert len(seen) >= 5
    # the tangent's slope in the drawing is the gradient read out (screen y points down)
    geometry = record.page.evaluate(
        """() => { const t = document.querySelector('.explorer-tangent');
        return ['x1', 'y1', 'x2', 'y2'].map((a) => Number(t.getAttribute(a))); }"""
    )
    x1, y1, x2, y2 = geometry
    w, b, values = read_explorer(explorer)
    assert (y2 - y1) / (x2 - x1) * values["grad_w"] <= 0  # descends where L falls
    assert record.external == [] and record.errors == []


def test_explorer_fits_a_phone_in_dark_mode(visit):
    record = visit("error_term.html", viewport={"width": 390, "height": 800}, color_scheme="dark")
    page = record.page
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.locator(".gradient-explorer").scroll_into_view_if_needed()
    box = page.locator(".gradient-explorer").bounding_box()
    assert box is not None and box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    text = page.evaluate("getComputedStyle(document.querySelector('.explorer-readout dd')).color")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.gradient-explorer')).backgroundColor"
    )
    assert text != background
    assert record.errors == []


# -- Equation previews ----------------------------------------------------------------------------
def preview_after(record, selector: str, action: str) -> str:
    """Hover or focus the first link matching ``selector``; the preview's TeX annotation."""
    page = record.page
    link = page.locator(selector).first
    link.scroll_into_view_if_needed()
    link.hover() if action == "hover" else link.focus()
    tip = page.locator(".equation-preview")
    expect(tip).to_be_visible()
    assert link.get_attribute("aria-describedby") == "equation-preview"
    assert tip.locator(".equation-preview-title").inner_text() == link.inner_text()
    return tip.locator("annotation").first.text_content()


def tex_of(site_dir: Path, page: str, label: str) -> str:
    soup = BeautifulSoup((site_dir / f"{page}.html").read_text("utf-8"), "html.parser")
    return soup.select_one(f"#equation-{label} annotation").get_text()


def test_hovering_a_same_page_reference_previews_the_equation(visit, site_dir):
    record = visit("error_term.html")
    link = 'a.reference.internal[href="#equation-eq-error-term-matrix"]'
    tex = preview_after(record, link, "hover")
    assert tex == tex_of(site_dir, "error_term", "eq-error-term-matrix")
    record.page.keyboard.press("Escape")
    expect(record.page.locator(".equation-preview")).to_have_count(0)
    assert record.external == [] and record.errors == []


def test_focusing_another_pages_reference_previews_it(visit, site_dir):
    record = visit("article_001.html")
    link = 'a.reference.internal[href="error_term.html#equation-eq-error-term-bias"]'
    tex = preview_after(record, link, "focus")
    assert tex == tex_of(site_dir, "error_term", "eq-error-term-bias")
    assert record.external == [] and record.errors == []


def test_previews_work_from_file_url(visit, site_dir):
    record = visit((site_dir / "article_001.html").resolve().as_uri())
    link = 'a.reference.internal[href="error_term.html#equation-eq-error-term-matrix"]'
    tex = preview_after(record, link, "hover")
    assert tex == tex_of(site_dir, "error_term", "eq-error-term-matrix")
    assert record.external == [] and record.errors == []
