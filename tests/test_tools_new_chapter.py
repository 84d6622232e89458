"""tools/new_chapter.py (``nox -s new``): a house-style chapter, registered, or a clear refusal.

Fast tests run the generator on a scratch copy of the files it edits. The slow test adds a chapter
to a copy of the whole project and builds it strictly, runs its doctests and its tests: the
promise that a fresh chapter passes before its author writes a line.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))  # the tools import each other as scripts do
new_chapter = importlib.import_module("new_chapter")
prose_numbers = importlib.import_module("prose_numbers")
zh_punct = importlib.import_module("zh_punct")

EDITED = ("docs/index.md", "docs/api.md", "tests/test_site.py", "conf/jieba_dict.txt")
TITLE = "L2 正则化的梯度"
#: A name no real chapter will take (the tests must not depend on which chapters exist).
NAME = "generated_example"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The files the generator reads and edits, copied; existing pages as empty files."""
    for rel in EDITED:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    (tmp_path / "linreg_src").mkdir()
    for page in (ROOT / "docs").glob("*.md"):
        (tmp_path / "docs" / page.name).touch()
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, str(TOOLS / "new_chapter.py"), *args, "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def main_path(root: Path) -> list[str]:
    source = (root / "docs" / "index.md").read_text("utf-8")
    toctree = re.search(r"```\{toctree\}\n(?:[^\n]*\n)*?:caption: 正文\n(.*?)```", source, re.S)
    assert toctree
    return [line for line in toctree[1].splitlines() if line and not line.startswith(":")]


def test_a_chapter_is_written_and_registered(root):
    before = main_path(root)
    code, out, err = run(root, NAME, TITLE, "--term", "权重衰减", "--term", "梯度")
    assert code == 0, err
    for rel in (f"docs/{NAME}.md", f"linreg_src/{NAME}.py", f"tests/test_{NAME}.py"):
        assert (root / rel).is_file()
        assert f"created {rel}" in out
    # Main path: last of the 正文 toctree, which stays before the verification part.
    assert main_path(root) == [*before, NAME]
    assert new_chapter.toctree_entries(root / "docs" / "index.md").index(NAME) == len(before)
    api = (root / "docs" / "api.md").read_text("utf-8")
    assert api.endswith(
        f"## {TITLE}\n\n```{{eval-rst}}\n.. automodule:: linreg_src.{NAME}\n   :members:\n```\n"
    )
    site = (root / "tests" / "test_site.py").read_text("utf-8")
    assert f'    "{NAME}": _{NAME}_key_numbers(),\n' in site
    assert f"def _{NAME}_key_numbers() -> list[str]:" in site
    compile(site, "test_site.py", "exec")
    terms = (root / "conf" / "jieba_dict.txt").read_text("utf-8").splitlines()
    assert terms[-1] == "权重衰减"
    assert terms.count("梯度") == 1  # known terms are not added twice
    # The pages whose prev/next link changes are touched, so an incremental build rewrites them.
    assert f"touched docs/{before[-1]}.md (its previous/next page changed)" in out


def test_the_keys_are_kept_in_order(root):
    assert run(root, "aaa_first", "第一")[0] == 0
    assert run(root, "zzz_last", "最后", "--after", "notation")[0] == 0
    site = (root / "tests" / "test_site.py").read_text("utf-8")
    block = site[site.index("KEY_NUMBERS: dict") :]
    keys = re.findall(r'^    "([\w-]+)":', block[: block.index("\n}\n")], re.M)
    assert keys[0] == "aaa_first" and keys[-1] == "zzz_last"  # by name, among the others
    assert main_path(root).index("zzz_last") == main_path(root).index("notation") + 1
    compile(site, "test_site.py", "exec")


def test_the_page_follows_the_house_style(root):
    assert run(root, NAME, TITLE)[0] == 0
    page = (root / "docs" / f"{NAME}.md").read_text("utf-8")
    assert page.startswith("---\njupytext:\n  text_representation:\n    extension: .md\n")
    for piece in (
        "(chap-generated-example)=\n# L2 正则化的梯度\n",
        ":::{admonition} 本章你将学到\n:class: tip\n",
        "$$ (eq-generated-example-loss)\n",
        "{eq}`eq-generated-example-loss`",
        f"```{{literalinclude}} ../linreg_src/{NAME}.py\n:language: python\n"
        ":pyobject: summed_loss\n```",
        "```{code-cell} ipython3\n:tags: [remove-cell]\n\nfrom myst_nb import glue\n",
        "## 小结\n",
        "## 练习\n",
        "```{exercise}\n:label: ex-generated-example-scale\n",
        "```{solution} ex-generated-example-scale\n:class: dropdown\n",
        "```{doctest}\n:hide:\n",
    ):
        assert piece in page, piece
    assert page.index("## 练习") < page.index("```{doctest}")  # the pins close the page
    # Glue only in the hidden cell; every glued key is one the prose uses, and vice versa.
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", page, re.S)
    assert [c for c in cells if "glue(" in c] == [c for c in cells if "remove-cell" in c]
    glued = set(re.findall(r'glue\("(\w+)"', page))
    used = set(re.findall(r"\{glue:\w+\}`(\w+)", page))
    assert glued == used == {"ge_n", "ge_loss"}
    assert prose_numbers.find_numbers(page) == []
    assert zh_punct.fix_page(page) == page
    assert "<<" not in page


def test_the_module_is_correct_and_its_examples_pass(root):
    assert run(root, NAME, TITLE)[0] == 0
    path = root / "linreg_src" / f"{NAME}.py"
    spec = importlib.util.spec_from_file_location(f"generated_{NAME}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        assert module.summed_loss(*module.example_batch()).item() == 3.25
        result = doctest.testmod(module)
        assert result.attempted >= 2 and result.failed == 0
    finally:
        del sys.modules[spec.name]
    assert "(the chapter :ref:`chap-generated-example`)" in path.read_text("utf-8")
    compile((root / "tests" / f"test_{NAME}.py").read_text("utf-8"), "test", "exec")


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["chain_rule", "x"], "is taken: docs/chain_rule.md"),
        (["generated-example", "x"], "must be a lowercase Python identifier"),
        (["2nd_chapter", "x"], "must be a lowercase Python identifier"),
        (["WeightDecay", "x"], "must be a lowercase Python identifier"),
        (["class", "x"], "is a Python keyword"),
        (["_private", "x"], "private"),
        (["a" * 41, "x"], "longer than 40"),
        ([NAME, " "], "the title must be one non-empty line"),
        ([NAME, 'a """ b'], "the title must be one non-empty line"),
        ([NAME, "x", "--after", "nowhere"], "--after nowhere: not in the 正文 toctree"),
        ([NAME, "x", "--term", "两个 词"], "a --term is one word"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_written(root, args, why):
    before = snapshot(root)
    code, out, err = run(root, *args)
    assert code == 2
    assert why in err
    assert out == ""
    assert snapshot(root) == before


def test_a_name_already_registered_is_refused(root):
    (root / "linreg_src" / f"{NAME}.py").write_text("", "utf-8")
    code, _, err = run(root, NAME, TITLE)
    assert code == 2 and f"linreg_src/{NAME}.py" in err
    (root / "linreg_src" / f"{NAME}.py").unlink()
    assert run(root, NAME, TITLE)[0] == 0
    for rel in (f"docs/{NAME}.md", f"linreg_src/{NAME}.py", f"tests/test_{NAME}.py"):
        (root / rel).unlink()
    code, _, err = run(root, NAME, TITLE)  # still in the toctree, api.md, KEY_NUMBERS
    assert code == 2 and "already listed in a toctree of docs/index.md" in err


def test_changed_neighbours():
    index = "```{toctree}\n:caption: 正文\n\na\nb\n```\n\n```{toctree}\n\nc\n```\n"
    longer = index.replace("b\n```", "b\nnew\n```")
    assert new_chapter.changed_neighbours(index, longer) == ["b", "c"]
    assert new_chapter.changed_neighbours(index, index) == []


@pytest.mark.slow
def test_a_new_chapter_builds_strictly_and_passes_its_tests(copy_project, clean_builds):
    """From a copy of the project: generate, then the strict build, doctests and tests pass."""
    project = copy_project("new_chapter")
    code, _, err = run(project.root, NAME, TITLE, "--term", "权重衰减")
    assert code == 0, err
    project.seed_cache("new", clean_builds.cache)
    html = project.sphinx("new").check()
    assert NAME in html.executed
    assert (project.build_dir("new") / "html" / f"{NAME}.html").is_file()
    doctests = project.sphinx("new", "doctest").check()
    assert re.search(rf"^Document: {NAME}$", doctests.output, re.M)
    tests = project.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"tests/test_{NAME}.py",
        ],
        PYTHONPATH=str(project.root),  # this copy's linreg_src, not the installed one
    )
    assert tests.returncode == 0, tests.output[-3000:]
    pytest_args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    modules = project.run(
        [*pytest_args, "--doctest-modules", f"linreg_src/{NAME}.py"],
        PYTHONPATH=str(project.root),
    )
    assert modules.returncode == 0, modules.output[-3000:]
    site = project.run(
        [*pytest_args, "-m", "site", "tests/test_site.py", "-k", NAME],
        PYTHONPATH=str(project.root),
        LINREG_SITE_DIR=str(project.build_dir("new") / "html"),
    )
    assert site.returncode == 0, site.output[-3000:]
    assert "passed" in site.output
