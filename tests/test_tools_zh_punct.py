"""tools/zh_punct.py: actionable output, a working --help, prose-only fixes, value separators."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))  # the tools import each other as scripts do
zh_punct = importlib.import_module("zh_punct")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("梯度,偏置;学习率?对!", "梯度，偏置；学习率？对！"),
        ("单位:元", "单位：元"),
        ("见下文 (第二节)", "见下文 （第二节）"),
        ("**梯度**;然后", "**梯度**；然后"),
        ("损失为 {glue:text}`x:.4f`;梯度为 {glue:text}`y`。", None),
        # Separators of values stay ASCII: inside brackets without Chinese, between two glues.
        ("点 ($a$, $b$) 在直线上", None),
        ("区间 [$a$; $b$] 之内", None),
        ("两个数 {glue:text}`a:.2f`, {glue:text}`b:.2f` 相等", None),
        ("Adam 和 SGD: 两种", None),  # a colon after Latin text stays
        ("`x, y = f(z)` 与 $f(a, b)$", None),  # code and math are not prose
    ],
)
def test_fix_text(before, after):
    expected = before if after is None else after
    if "glue:text}`x" in before:
        expected = "损失为 {glue:text}`x:.4f`；梯度为 {glue:text}`y`。"
    assert zh_punct.fix_text(before) == expected


PAGE = """\
---
title: a, b
---

(chap-x)=
# 标题

梯度,偏置
术语
: 定义,见上

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: |
      损失曲线,对数坐标
    name: fig-x-1
---
print("a, b")
```

```{exercise}
:label: ex-x-1

为什么?
```

$$
f(a, b) = 1
$$ (eq-x-1)
"""


def test_fix_page_touches_prose_only():
    fixed = zh_punct.fix_page(PAGE)
    assert "梯度，偏置" in fixed
    assert "定义，见上" in fixed
    assert "\n: 定义" in fixed  # the definition-list marker stays
    assert "损失曲线，对数坐标" in fixed
    assert "为什么？" in fixed
    assert 'print("a, b")' in fixed
    assert "title: a, b" in fixed
    assert "f(a, b) = 1" in fixed
    assert zh_punct.fix_page(fixed) == fixed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOLS / "zh_punct.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_names_file_line_column_and_both_characters(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE, "utf-8")
    result = _cli("--check", str(page))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{page}:8:3: ',' -> '，'")
    assert "梯度,偏置" in lines[0]
    assert lines[-1].startswith("4 punctuation mark(s) would change")
    assert page.read_text("utf-8") == PAGE  # --check writes nothing


def test_without_check_it_fixes_and_says_where(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE, "utf-8")
    result = _cli(str(page))
    assert result.returncode == 0
    assert f"{page}:8:3:" in result.stdout
    assert page.read_text("utf-8") == zh_punct.fix_page(PAGE)
    assert _cli("--check", str(page)).returncode == 0


def test_help_works():
    result = _cli("--help")
    assert result.returncode == 0
    assert "--check" in result.stdout
    assert "Traceback" not in result.stderr
