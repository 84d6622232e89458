"""Strict by default: a page whose cell raises fails the build, and the message names the page.

``conf.py`` sets ``nb_execution_raise_on_error``; a cell that is meant to show an error must say
so with the tag ``raises-exception`` (``tests/test_freshness.py`` builds such a page).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

BROKEN_PAGE = """# A page whose cell raises

```{code-cell} ipython3
from linreg_src.articles import ARTICLE_003

raise RuntimeError(f"deliberately broken page: {ARTICLE_003.key}")
```
"""


def test_a_cell_that_raises_fails_the_build_naming_the_page(copy_project, clean_builds):
    project = copy_project("strict")
    page = project.add_page("broken_page", BROKEN_PAGE, notebook=True)
    project.seed_cache("html", clean_builds.cache)

    run = project.sphinx("html")

    assert run.returncode != 0
    assert run.executed == {"broken_page"}, "every other page came from the cache"
    assert f"{page}: WARNING: Executing notebook failed" in run.stderr
    assert "RuntimeError: deliberately broken page: 003" in run.stderr, "the error is shown"
    assert f"ExecutionError: {page}" in run.stderr, "and the build stops naming the file"
