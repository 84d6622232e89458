"""Drift is caught: a formula broken in a copy of the package fails ``nox -s doctest``.

``nox -s doctest`` runs two commands (both defined in ``conf/build_env.py`` / ``noxfile.py``):
the Sphinx doctest builder over the pages, and ``pytest --doctest-modules linreg_src``. Here the
chain-rule factory's upstream gradient dLoss/dh = 2(h - t) becomes 3(h - t) in a copy, and both
commands must fail, saying where; the unbroken copy must pass both.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

CHAPTER = "chain_rule"
BROKEN = (r"dloss_dh = 2\.0 \* \(", "dloss_dh = 3.0 * (")


def doctest_summary(output: str) -> tuple[int, int]:
    """``(tests, failures)`` from the doctest builder's summary."""
    tests = re.search(r"^\s*(\d+) tests?$", output, re.M)
    failures = re.search(r"^\s*(\d+) failures? in tests$", output, re.M)
    assert tests and failures, f"no doctest summary in:\n{output[-3000:]}"
    return int(tests[1]), int(failures[1])


def test_the_unbroken_copy_passes_the_doctest_commands(copy_project, clean_builds):
    project = copy_project("drift-unbroken")
    project.seed_cache("doctest", clean_builds.cache)
    pages = project.sphinx("doctest", "doctest").check()
    tests, failures = doctest_summary(pages.output)
    assert tests >= 3 and failures == 0
    assert re.search(rf"^Document: {CHAPTER}$", pages.output, re.M), "the chapter's doctests ran"
    modules = project.doctest_modules().check()
    assert re.search(r"^\d+ passed", modules.stdout.splitlines()[-1].strip(" ="))


def failing_pages(run, docs) -> set[str]:
    """Pages the output blames: a notebook that failed to execute, or a failed doctest."""
    executed = re.findall(r"^(\S+?\.md): WARNING: Executing notebook failed", run.stderr, re.M)
    doctests = re.findall(r'^File "(\S+?\.md)", line \d+, in ', run.stdout, re.M)
    pages = {str((docs / p).resolve().relative_to(docs)) for p in [*executed, *doctests]}
    assert all((docs / p).is_file() for p in pages), pages
    return pages


def test_a_broken_formula_fails_the_doctest_commands_naming_the_page(copy_project, clean_builds):
    project = copy_project("drift-broken")
    project.seed_cache("doctest", clean_builds.cache)
    project.edit("linreg_src/chain.py", *BROKEN)

    # The command nox runs. The pages re-execute first (the code they import changed), and a page
    # that checks the computations against the source articles may stop the build there; either
    # way the output names a page.
    pages = project.sphinx("doctest", "doctest")
    assert pages.returncode != 0, pages.output[-3000:]
    assert failing_pages(pages, project.docs), pages.output[-3000:]

    # With every page allowed to finish executing, the chapter's own {doctest} block fails on its
    # own, and the report names the chapter and shows the drifted gradients.
    project.seed_cache("doctest-all", project.cache("doctest"))
    pages = project.sphinx("doctest-all", "doctest", "-D", "nb_execution_raise_on_error=0")
    assert pages.returncode != 0
    assert doctest_summary(pages.output)[1] >= 1
    assert f"{CHAPTER}.md" in failing_pages(pages, project.docs)
    report = pages.stdout.split(f"Document: {CHAPTER}\n", 1)[1].split("\nDocument: ", 1)[0]
    assert re.search(r"Failed example:\s+grads\.grad_v, grads\.grad_w", report), report
    assert re.search(r"Expected:\s+\(24\.0, 16\.0\)\s+Got:\s+\(36\.0, 24\.0\)", report), report

    # The package's own docstring examples fail too, naming the module.
    modules = project.doctest_modules()
    assert modules.returncode != 0
    assert re.search(r"^FAILED linreg_src/chain\.py::", modules.stdout, re.M), modules.stdout[
        -3000:
    ]
