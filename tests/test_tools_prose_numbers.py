"""tools/prose_numbers.py: typed numbers in prose are found, with their place; the rest is not."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


sys.path.insert(0, str(TOOLS))  # the tools import each other as scripts do
prose_numbers = importlib.import_module("prose_numbers")

HEADER = """\
---
jupytext:
  text_representation:
    format_version: 0.13
kernelspec:
  name: python3
---
"""

#: A page in the house style holding digits only where they are allowed.
CLEAN = (
    HEADER
    + r"""
(chap-example-2)=
# 第 3 章：损失

<!-- 作者注：第 12 行的 24 以后再改 -->

本章接着 d2l 3.2 与 d2l §3.2，见第 2 章、3.2 节和原文 [000]。张量是 float32，
不是 float64；我们用 L2 正则，2024 年的版本。

损失为 {glue:text}`ex_loss:.4f`，即 $L = 24$，梯度 $\partial L/\partial w_1 = 16$，形状
$(N, 1)$，见 {eq}`eq-example-2`、{numref}`fig-example-3` 和 {ref}`chap-error-term`。
小数 {glue:md}`ex_tiny:myst`，代码 `batch_size = 10`，``x[0]``，{math}`2^{10}`。
链接 [文档](page2.md)、<https://example.com/a1>、https://example.com/b2 与 <span id="x3">。
跨行的公式 $a_1 +
b_2$ 也是公式。

$$
L = \tfrac12 \sum_{i=1}^{10} \delta^2
$$ (eq-example-2)

$$ y = 3x $$

\begin{align}
a &= 42
\end{align}

```{code-cell} ipython3
---
tags: [hide-input]
mystnb:
  figure:
    name: fig-example-3
---
x = 123
glue("ex_loss", 4.5, display=False)
```

```{code-cell} ipython3
:tags: [remove-cell]

assert 1 + 1 == 2
```

```python
y = 456
```

```{literalinclude} ../linreg_src/grad.py
:language: python
:lines: 1-30
```

```{doctest}
:hide:

>>> 1 + 2
3

```

```{math}
:label: eq-example-4

z = 7
```

```{figure} images/fig1.png
:width: 300px
:name: fig-example-5
```

```{toctree}
:maxdepth: 2

chapter1
```

```{eval-rst}
.. automodule:: linreg_src.grad
   :members:
```

```{exercise}
:label: ex-example-1

用 $\eta = 0.1$ 再算一遍。
```

```{solution} ex-example-1
:class: dropdown

结果是 {glue:text}`ex_loss:.2f`。
```

[ref-1]: https://example.com/x9
"""
)


def numbers(page: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.number) for f in prose_numbers.find_numbers(page)]


def test_a_house_style_page_has_no_typed_numbers():
    assert numbers(CLEAN) == []


@pytest.mark.parametrize(
    ("prose", "number"),
    [
        ("梯度偏离原文发表的 24 与它。", "24"),  # chain_rule.md's "24 与 16"
        ("学习率 0.03、批量 10。", "0.03"),
        ("差别约 5e-05。", "5e-05"),
        ("一个打印出来的 10×2 小批量。", "10×2"),
        ("误差是 -8.95。", "-8.95"),
        ("约 45° 的斜线。", "45"),
        ("准确率 95%。", "95%"),
        ("权重 w1 与 w2。", "1"),
        ("文章 002 用这几块积木。", "002"),
        ("**损失 13.05**。", "13.05"),
        ("[第 12 个样本](a.md)", "12"),
        ("损失为 {glue:text}`loss:.4f`，而不是 3.25。", "3.25"),
    ],
)
def test_a_typed_number_is_found(prose, number):
    found = prose_numbers.find_numbers(HEADER + "\n" + prose + "\n")
    assert [f.number for f in found][:1] == [number]


@pytest.mark.parametrize(
    "block",
    [
        "# 训练 50 轮\n",
        "- 批量大小 100 时发散\n",
        "| 批量 | 损失 |\n|---|---|\n| 10 | 0.5 |\n",
        ":::{admonition} 本章你将学到\n:class: tip\n\n- 学习率 0.1 下的 50 轮\n:::\n",
        "```{admonition} 第 7 个例子\n:class: note\n\n正文。\n```\n",
        "```{exercise}\n:label: ex-a\n\n把订单改成 12 个。\n```\n",
        "```{solution} ex-a\n:class: dropdown\n\n两个梯度都为 0。\n```\n",
        "```{note}\n内层\n\n````{tip}\n约 3 倍\n````\n```\n",
        "术语\n: 定义里的 42\n",
        "```{glue:figure} ge_fig\n:name: fig-a-2\n\n前 50 步的损失。\n```\n",  # a caption
        "> 引用里的 7\n",
    ],
)
def test_numbers_in_every_kind_of_prose_are_found(block):
    assert numbers(HEADER + "\n" + block), block


def test_a_figure_caption_is_prose():
    page = (
        HEADER
        + "\n```{code-cell} ipython3\n---\ntags: [hide-input]\nmystnb:\n  figure:\n"
        + "    caption: |\n      前 50 步的损失。\n    name: fig-a-1\n---\nplot(99)\n```\n"
    )
    assert numbers(page) == [(15, 9, "50")]


def test_line_and_column_name_the_digit():
    page = HEADER + "\n第一行没有。\n损失为 {glue:text}`x:.4f`，$L$ 约 3.25，\n而梯度是 16。\n"
    lines = page.split("\n")
    for line, col, number in numbers(page):
        assert lines[line - 1][col - 1 :].startswith(number)
    assert [(n, line) for line, _, n in numbers(page)] == [("3.25", 10), ("16", 11)]


def test_the_allow_list_is_short_and_each_entry_has_an_example():
    assert len(prose_numbers.ALLOWED) <= 8
    for what, _regex, example in prose_numbers.ALLOWED:
        assert prose_numbers.find_numbers(f"{example}\n") == [], what


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOLS / "prose_numbers.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_line_names_file_line_column_and_the_fix(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(HEADER + "\n顾客把订单改成 12 个汉堡。\n", "utf-8")
    result = _cli(str(page))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{page}:9:9: typed number '12' in prose")
    assert "glue it from a cell" in first
    assert "{glue:text}`key" in result.stdout
    clean = tmp_path / "clean.md"
    clean.write_text(CLEAN, "utf-8")
    assert _cli(str(clean)).returncode == 0
    assert _cli(str(clean)).stdout == ""


def test_pending_pages_are_counted_not_failed(tmp_path):
    dirty, clean = tmp_path / "dirty.md", tmp_path / "clean.md"
    dirty.write_text("有 7 和 8。\n", "utf-8")
    clean.write_text(CLEAN, "utf-8")
    result = _cli(str(clean), "--pending", str(dirty))
    assert result.returncode == 0
    assert f"{dirty}: 2 typed number(s), not failing yet" in result.stdout
    result = _cli("--pending", str(clean))
    assert result.returncode == 0
    assert "no typed numbers any more: take it off the pending list" in result.stdout


def test_help_works():
    result = _cli("--help")
    assert result.returncode == 0
    assert "glue" in result.stdout
