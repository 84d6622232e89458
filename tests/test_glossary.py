"""The glossary (docs/glossary.md): each term spelled one way across the book, and linked.

Each term of the 术语表 lists the variants a writer might slip into (other translations, other
word orders); none may appear in a page's prose. Code, math and inline code are not prose. Words
that contain a variant but mean something else are listed as allowed (特征值 is an eigenvalue,
偏差修正 Adam's bias correction).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MAIN_PATH = ["notation", "chain_rule", "error_term", "sum_vs_mean", "from_scratch", "nn_linear"]

#: term -> the spellings the book does not use for it.
VARIANTS: dict[str, list[str]] = {
    "梯度": ["斜率向量", "梯度向量值"],
    "偏置": ["偏置项", "偏移量", "偏倚"],
    "权重": ["权值"],
    "误差项": ["误差值", "残差项"],
    "链式法则": ["链式规则", "连锁法则", "链导法则"],
    "上游梯度": ["上行梯度", "上层梯度", "上游导数"],
    "局部导数": ["局部梯度", "本地导数", "局部偏导"],
    "计算图": ["运算图", "计算图谱"],
    "前向传播": ["正向传播", "前向传递", "前馈传播"],
    "反向传播": ["反向传递", "后向传播", "逆向传播"],
    "平方损失": ["平方误差损失", "二次损失"],
    "均方误差": ["均方差", "均方损失"],
    "批量": ["批次"],
    "小批量": ["迷你批", "小批次", "微批量"],
    "批量大小": ["批大小", "批尺寸", "批量尺寸"],
    "学习率": ["学习速率", "学习速度", "学习步长"],
    "随机梯度下降": ["随机梯度降", "随机下降法"],
    "广播": ["扩播", "自动扩展机制"],
    "叶子张量": ["叶张量", "叶节点张量", "叶子节点"],
    "有限差分": ["数值差分", "有限差商"],
    "轮": ["迭代周期", "回合"],
    "标签": ["标注值", "真值标签"],
    "特征": ["特性值"],
    "预测值": ["预测结果", "预测输出"],
}
#: Longer words that contain a variant and are right where they stand.
ALLOWED: list[str] = []

_FENCE = re.compile(r"^\s*(`{3,}|:{3,})(.*)$")
_CODE_FENCES = ("{code-cell}", "{doctest}", "{literalinclude}", "{testcode}", "{testoutput}")
_NOT_PROSE = re.compile(r"\{[\w:-]+\}`[^`]*`|``[^`]*``|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$", re.S)


def prose(path: Path) -> str:
    """The page's prose: no front matter, code fences, math or inline code."""
    text = path.read_text("utf-8")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    kept, stack = [], []
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match:
            fence, info = match.group(1), match.group(2).strip()
            if stack and fence == stack[-1][0] and not info:
                stack.pop()
                continue
            if info:
                code = not info.startswith("{") or info.startswith(_CODE_FENCES)
                stack.append((fence, code))
                continue
        if any(code for _, code in stack) or line.lstrip().startswith(":"):
            continue
        kept.append(line)
    return _NOT_PROSE.sub(" ", "\n".join(kept))


def glossary_terms() -> list[str]:
    """The first (Chinese) line of each entry of docs/glossary.md."""
    text = (DOCS / "glossary.md").read_text("utf-8")
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    terms, previous_blank = [], True
    for line in body.splitlines():
        if line and not line.startswith(" ") and previous_blank:
            terms.append(line.strip())
        previous_blank = not line.strip()
    return terms


def test_every_term_with_variants_is_in_the_glossary():
    assert set(VARIANTS) <= set(glossary_terms())
    assert set(glossary_terms()) <= set(VARIANTS), "give each new term its variants here"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_each_term_is_spelled_one_way(page):
    text = prose(page)
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    found = [
        f"{variant!r} (write {term!r})"
        for term, variants in VARIANTS.items()
        for variant in variants
        if variant in text
    ]
    assert not found, f"{page.name}: {', '.join(found)}"


@pytest.mark.parametrize("page", MAIN_PATH)
def test_main_path_pages_link_the_terms_they_use(page):
    text = prose(DOCS / f"{page}.md")
    raw = (DOCS / f"{page}.md").read_text("utf-8")
    linked = set(re.findall(r"\{term\}`([^`<]+)`", raw))
    unknown = linked - set(glossary_terms())
    assert not unknown, f"{page}: {{term}} to {sorted(unknown)}, not in the glossary"
    # the chapter's own key terms: each used in prose is linked at least once
    key = ["梯度", "链式法则", "误差项", "学习率", "小批量", "批量大小", "上游梯度", "局部导数"]
    missing = [t for t in key if t in text and t not in linked]
    assert not missing, f"{page}: uses {missing} without a {{term}} link"


def test_prose_helper_drops_code_and_math():
    sample = DOCS / "error_term.md"
    text = prose(sample)
    assert "import torch" not in text and "\\yhat" not in text
    assert "误差项" in text
