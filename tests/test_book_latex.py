"""conf/_ext/book_latex.py: the LaTeX the PDF is made from, on a small book built for the test.

The small book has what the real one has: a root page with text of its own and two captioned
toctrees (one ``:numbered:``), labelled equations, a captioned figure, exercises with folded
solutions and a tab-set. It is built with Sphinx's LaTeX builder (no TeX needed); the real
book's PDF is tested by ``tests/test_pdf.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
import book_latex  # noqa: E402  (conf/_ext)

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "conf" / "_ext")!r})
project = "小书"
language = "zh_CN"
extensions = ["myst_nb", "sphinx_design", "sphinx_exercise", "book_latex"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
nb_execution_mode = "off"
numfig = True
math_numfig = True
numfig_secnum_depth = 1
math_eqref_format = "式 ({{number}})"
numfig_format = {{"exercise": "练习 %s", "figure": "图 %s"}}
latex_engine = "xelatex"
latex_documents = [("index", "small.tex", project, "作者", "manual", False)]
"""
INDEX = """# 小书

书前的话。

## 怎么读

慢慢读。

```{toctree}
:caption: 正文
:numbered:

one
two
```

```{toctree}
:caption: 附录

app
```
"""
ONE = """# 第一章

$$
a = b
$$ (eq-one)

```{figure} dot.png
:name: fig-one

一个点
```

见 {eq}`eq-one` 与 {numref}`fig-one`。

::::{tab-set}
:::{tab-item} PyTorch
甲
:::
:::{tab-item} NumPy
乙
:::
::::

## 练习

```{exercise}
:label: ex-one

求 $a$。
```

```{solution} ex-one
:class: dropdown

$a = b$。
```
"""
TWO = """# 第二章

$$
c = d
$$ (eq-two)

```{exercise}
:label: ex-two

求 $c$。
```

```{solution} ex-two
:class: dropdown

$c = d$。
```
"""
APP = """# 附录甲

$$
e = f
$$ (eq-app)

```{figure} dot.png
:name: fig-app

另一个点
```
"""
#: A 1x1 PNG.
DOT = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def tex(tmp_path_factory) -> str:
    src = tmp_path_factory.mktemp("small")
    for name, text in {"index": INDEX, "one": ONE, "two": TWO, "app": APP}.items():
        (src / f"{name}.md").write_text(text, "utf-8")
    (src / "dot.png").write_bytes(DOT)
    (src / "conf.py").write_text(CONF, "utf-8")
    out = src / "_build"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "latex", str(src), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return (out / "small.tex").read_text("utf-8")


def body(tex: str) -> str:
    return tex.split("\\begin{document}", 1)[1]


def test_the_root_pages_text_is_an_unnumbered_preface(tex):
    text = body(tex)
    preface = text.index("\\chapter{前言}")
    assert text.rindex("\\setcounter{secnumdepth}{-1}", 0, preface) < preface
    assert text.index("书前的话", preface) < text.index("\\chapter{第一章}")
    assert "\\section{怎么读}" in text
    assert "\\chapter{怎么读}" not in text, "the root page's sections must not become chapters"


def test_toctrees_become_parts_numbered_like_the_sidebar(tex):
    text = body(tex)
    part_main = text.index("\\part*{正文}")
    part_app = text.index("\\part*{附录}")
    chapters = [text.index(f"\\chapter{{{t}}}") for t in ("第一章", "第二章", "附录甲")]
    assert part_main < chapters[0] < chapters[1] < part_app < chapters[2]
    assert text.rindex("\\setcounter{secnumdepth}{2}", 0, chapters[0]) > part_main
    assert text.rindex("\\setcounter{secnumdepth}{-1}", 0, chapters[2]) > part_app
    # the chapters are chapters, not sections inside the root page's "目录"
    assert not re.search(r"\\(sub)*section\{第.章\}", text)


def test_equations_and_figures_carry_the_sites_numbers(tex):
    assert re.search(r"\\label\{equation:one:eq-one\}\\tag\{1\.1\}", tex)
    assert re.search(r"\\label\{equation:two:eq-two\}\\tag\{2\.1\}", tex)
    assert re.search(r"\\label\{equation:app:eq-app\}\\tag\{1\}", tex)  # unnumbered: global
    figures = re.findall(r"\\def\\thefigure\{([^}]*)\}", tex)
    assert figures == ["1.1", "1"]
    assert "式 (\\ref{equation:one:eq-one})" in tex


def test_folded_solutions_move_to_the_end_of_their_chapter(tex):
    for chapter, label in (("第一章", "ex-one"), ("第二章", "ex-two")):
        text = body(tex).split(f"\\chapter{{{chapter}}}", 1)[1].split("\\chapter{", 1)[0]
        heading = text.index("\\section*{练习答案}")
        exercise = text.index(f"exercise:{label}")
        solution = re.search(r"\\label\{[a-z]+:[a-z]+-solution-\d+\}", text)
        assert solution is not None
        assert exercise < heading < solution.start()
        assert "答案见第 \\pageref*{" in text[exercise:heading]


def test_tabs_print_both_variants_under_their_labels(tex):
    text = body(tex)
    assert text.index("PyTorch") < text.index("甲") < text.index("NumPy") < text.index("乙")


# -- HTML tables -------------------------------------------------------------------------------


def test_an_html_table_becomes_a_table():
    table = book_latex.html_table(
        "<table><thead><tr><th>量</th><th>值</th></tr></thead>"
        "<tbody><tr><td><code>w.grad</code></td><td>-9.0000</td></tr>"
        "<tr><td>b &amp; c</td><td>1</td></tr></tbody></table>"
    )
    from docutils import nodes

    rows = [[e.astext() for e in row.findall(nodes.entry)] for row in table.findall(nodes.row)]
    assert rows == [["量", "值"], ["w.grad", "-9.0000"], ["b & c", "1"]]
    assert len(list(table.findall(nodes.thead))) == 1
    assert [c["colwidth"] for c in table.findall(nodes.colspec)] == [6, 7]
    assert isinstance(next(iter(table.findall(nodes.literal))), nodes.literal)


@pytest.mark.parametrize(
    "html",
    [
        "<div>not a table</div>",
        "<table><tr><td colspan='2'>x</td></tr></table>",
        "<table><tr><td><img src='a.png'></td></tr></table>",
        "<table><tr><td>1</td></tr></table><table><tr><td>2</td></tr></table>",
        "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>",
    ],
)
def test_html_the_pdf_cannot_show_is_refused(html):
    with pytest.raises(ValueError, match="cannot print this HTML"):
        book_latex.html_table(html)


def test_text_width_counts_wide_characters_twice():
    assert book_latex.text_width("决定输入") == 8
    assert book_latex.text_width(" -124.4671 ") == 9
