"""Strict by default: a page whose cell raises fails the build, and the message names the page.

The log ends with the page, the line and number of the cell, and the error (issue 16), and a
second build fails the same way (issue 13: a failed strict build stays failed).

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

    for attempt in ("first", "second"):  # the page is read and executed again: it fails again
        run = project.sphinx("html")

        assert run.returncode != 0, attempt
        assert run.executed == {"broken_page"}, "every other page came from the cache"
        assert f"{page}: WARNING: Executing notebook failed" in run.stderr, "MyST-NB's report"
        assert "RuntimeError: deliberately broken page: 003" in run.stderr, "the error is shown"
        # The log ends with the page, the cell and the error -- not a request to report a bug.
        *_, last_error = run.stderr.strip().splitlines()
        assert last_error == (
            f"{page}:15: ERROR: executing the page failed: "
            "cell 1 raised RuntimeError: deliberately broken page: 003"
        ), run.stderr[-2000:]
        assert run.stdout.strip().splitlines()[-1].startswith("build finished with problems")
        assert "report" not in run.output
