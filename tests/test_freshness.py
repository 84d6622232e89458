"""No stale numbers: editing linreg_src re-executes exactly the pages that import what changed.

MyST-NB's execution cache keys a page on its cells' text only; ``conf/_ext/linreg_deps.py`` makes
it depend on the package too. This test builds a copy of the book, changes a formula in the copy's
``linreg_src/chain.py``, rebuilds incrementally (as a second ``nox -s docs`` does) and checks what
a reader would see: the chain-rule page prints the new number, a page pasting that number with
cross-document glue shows it too, and pages that do not import ``chain`` were not re-executed.

The formula changed is the gradient that reaches the patties, dLoss/du = dLoss/dh * v, which the
chapter prints but the source article does not: the book checks the published numbers while it
builds (the comparison page fails the build on any mismatch, see ``tests/test_drift.py``), so this
edit changes what the page shows without breaking the build.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys

import pytest

pytestmark = pytest.mark.slow

CHAPTER = "chain_rule"
CONTROL = "freshness_control"  # imports linreg_src.model_np, which does not import chain
PLAIN = "freshness_plain"  # code that imports nothing from linreg_src: no fingerprint at all
PASTE = "freshness_paste"  # no code: pastes the chapter's glued dLoss/du
CONTROL_PAGE = """# Freshness control

```{code-cell} ipython3
import linreg_src.model_np

print("control:", linreg_src.model_np.__name__)
```

A cell tagged `raises-exception` may show an error without failing the build:

```{code-cell} ipython3
:tags: [raises-exception]
1 / 0
```
"""
PLAIN_PAGE = """# Freshness plain

```{code-cell} ipython3
print("plain:", sum(range(4)))
```
"""
PASTE_PAGE = """# Freshness paste

The gradient at the patties is {glue:text}`chain_rule.md::hand_dloss_du:g`.
"""


def text_of(path) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text("utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def grad_v_columns(page_text: str) -> tuple[float, float]:
    """The chapter's table row ``∂Loss/∂v | <by hand> | <loss.backward()>``."""
    match = re.search(r"∂Loss/∂v (\S+) (\S+)", page_text)
    assert match, "the chain-rule page no longer prints its dLoss/dv row"
    return float(match[1]), float(match[2])


def dloss_du(page_text: str) -> float:
    """The gradient the chapter says reaches the patties (glued into its prose)."""
    # 梯度 may be a glossary link: the words around it are separate text nodes
    match = re.search(r"传到肉饼处的\s*梯度\s*([-+.\de]+)\s", page_text)
    assert match, "the chain-rule page no longer states the gradient at the patties"
    return float(match[1])


def pasted(out) -> str:
    match = re.search(r"patties is (\S+) \.", text_of(out / f"{PASTE}.html"))
    assert match, "the paste page lost its sentence"
    return match[1]


def images_of(path) -> list[str]:
    return sorted(re.findall(r'<img[^>]+src="(_images/[^"]+)"', path.read_text("utf-8")))


def load_linreg_deps(project):
    spec = importlib.util.spec_from_file_location(
        "linreg_deps_under_test", project.root / "conf" / "_ext" / "linreg_deps.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_editing_the_package_re_executes_exactly_the_pages_that_use_it(copy_project, clean_builds):
    project = copy_project("freshness")
    project.add_page(CONTROL, CONTROL_PAGE, notebook=True)
    project.add_page(PLAIN, PLAIN_PAGE, notebook=True)
    project.add_page(PASTE, PASTE_PAGE)
    project.seed_cache("html", clean_builds.cache)
    deps = load_linreg_deps(project)
    chain = project.root / "linreg_src" / "chain.py"
    users = {
        page.relative_to(project.docs).with_suffix("").as_posix()
        for page in sorted(project.docs.rglob("*"))
        if page.suffix in {".md", ".ipynb"}
        and chain in deps.page_dependency_files(page, project.root)
    }
    assert CHAPTER in users and CONTROL not in users, users  # the premise of this test

    first = project.sphinx("html").check()
    assert first.executed == {CONTROL, PLAIN}, "only the new pages run; the rest are cached"
    assert CHAPTER in first.cached
    out = project.build_dir("html") / "html"
    chapter = text_of(out / f"{CHAPTER}.html")
    assert dloss_du(chapter) == 8.0  # 2(y - t) * v = 2 * 2 * 2
    assert grad_v_columns(chapter) == (24.0, 24.0)
    assert pasted(out) == "8"
    figures_before = images_of(out / f"{CHAPTER}.html")

    # Nothing changed: nothing is read, nothing executes.
    noop = project.sphinx("html").check()
    assert noop.executed == set() and noop.cached == set(), noop.stdout
    assert "0 added, 0 changed, 0 removed" in noop.stdout

    project.edit(
        "linreg_src/chain.py", r"dloss_du=dloss_dh \* dh_du,", "dloss_du=1.5 * dloss_dh * dh_du,"
    )
    second = project.sphinx("html").check()

    assert second.executed == users, "exactly the pages importing chain.py must re-execute"
    for page in (CONTROL, PLAIN):  # not re-executed, not even re-read
        assert page not in second.executed | second.cached, page
    chapter = text_of(out / f"{CHAPTER}.html")
    assert dloss_du(chapter) == 12.0, "the chapter shows a stale number"
    assert grad_v_columns(chapter) == (24.0, 24.0)  # what the edit did not touch stays
    assert pasted(out) == "12", "the number pasted from the chapter went stale"
    if figures_before:  # a figure drawn from the changed numbers is a new image
        assert images_of(out / f"{CHAPTER}.html") != figures_before, "the figure went stale"
