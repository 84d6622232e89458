"""The rule that decides which pages re-execute when linreg_src changes (conf/_ext/linreg_deps.py).

The slow tests (test_freshness.py) check the rule end to end in real builds; these check its
parts quickly, on made-up packages and on the book's own pages.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "linreg_deps_under_test", ROOT / "conf" / "_ext" / "linreg_deps.py"
)
assert _spec is not None and _spec.loader is not None
deps = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = deps  # dataclasses look their module up
_spec.loader.exec_module(deps)

HEADER = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n"
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import numpy as np\nnp.ones(3)", set()),
        ("import linreg_src.chain as c", {"linreg_src.chain"}),
        (
            "from linreg_src.chain import f, g",
            {"linreg_src.chain", "linreg_src.chain.f", "linreg_src.chain.g"},
        ),
        ("from linreg_src import chain", {"linreg_src", "linreg_src.chain"}),
        ("from linreg_src import *", {"linreg_src"}),
        ("def f():\n    from linreg_src.grad import g\n", {"linreg_src.grad", "linreg_src.grad.g"}),
        (
            "%matplotlib inline\nfrom linreg_src.loss import l",
            {"linreg_src.loss", "linreg_src.loss.l"},
        ),
        ("%timeit import linreg_src.grad", {"linreg_src.grad"}),
        ("%%time\nimport linreg_src.grad\n", {"linreg_src.grad"}),
        ('importlib.import_module("linreg_src.optim")', {"linreg_src.optim"}),
        ('importlib.import_module("linreg_src." + name)', {"linreg_src.*"}),
        ("%run ../linreg_src/chain.py", {"linreg_src.*"}),
        ("!python -m linreg_src.chain", {"linreg_src.*"}),
        ("import linreg_src.chain as (", {"linreg_src.*"}),  # does not parse: assume everything
        ("x = (", set()),
        # a {code-cell} body with its options, as a regular expression would cut it out
        (":tags: [hide-input]\nimport linreg_src.grad", {"linreg_src.grad"}),
        ("---\ntags: [hide-input]\n---\nimport linreg_src.grad", {"linreg_src.grad"}),
    ],
)
def test_imported_modules_of_page_code(code, expected):
    assert deps.imported_modules(code) == expected


def test_relative_imports_resolve_inside_the_package():
    assert deps.imported_modules("from ._validate import check", current="linreg_src.chain") == {
        "linreg_src._validate",
        "linreg_src._validate.check",
    }
    assert deps.imported_modules("from .. import chain", current="linreg_src.plotting.graph") == {
        "linreg_src",
        "linreg_src.chain",
    }
    assert deps.imported_modules("from . import graph", current="linreg_src.plotting.__init__") == {
        "linreg_src.plotting",
        "linreg_src.plotting.graph",
    }
    # in a module, a docstring naming the package is documentation, not an import
    assert deps.imported_modules('"""See linreg_src.chain."""', current="linreg_src.x") == set()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A made-up linreg_src: a -> b (relative), c alone, sub/d -> a, a data file beside c."""
    files = {
        "linreg_src/__init__.py": '"""The package; linreg_src.c is documented here."""\n',
        "linreg_src/a.py": "from .b import helper\n",
        "linreg_src/b.py": "import math\n\ndef helper():\n    return math.pi\n",
        "linreg_src/c.py": "from importlib.resources import files\n",
        "linreg_src/c_table.csv": "x,y\n1,2\n",
        "linreg_src/py.typed": "",
        "linreg_src/sub/__init__.py": "",
        "linreg_src/sub/d.py": "from linreg_src.a import helper\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, "utf-8")
    return tmp_path


def names(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_dependencies_are_transitive_and_include_parent_packages_and_data(package):
    assert names(
        deps.dependency_files("from linreg_src.sub.d import helper", package), package
    ) == [
        "linreg_src/__init__.py",
        "linreg_src/a.py",
        "linreg_src/b.py",
        "linreg_src/c_table.csv",  # data files beside a module count (py.typed does not)
        "linreg_src/sub/__init__.py",
        "linreg_src/sub/d.py",
    ]
    assert names(deps.dependency_files("import linreg_src.b", package), package) == [
        "linreg_src/__init__.py",
        "linreg_src/b.py",
        "linreg_src/c_table.csv",
    ]
    assert deps.dependency_files("import numpy", package) == []
    everything = deps.dependency_files("%run ../linreg_src/c.py", package)
    assert len(everything) == 7


def test_the_fingerprint_changes_with_any_dependency_and_only_then(package):
    files = deps.dependency_files("import linreg_src.a", package)
    before = deps.fingerprint(files, package)
    assert deps.fingerprint(files, package) == before
    (package / "linreg_src" / "c.py").write_text("# not a dependency of a\n", "utf-8")
    assert (
        deps.fingerprint(deps.dependency_files("import linreg_src.a", package), package) == before
    )
    (package / "linreg_src" / "b.py").write_text("def helper():\n    return 3\n", "utf-8")
    after = deps.fingerprint(deps.dependency_files("import linreg_src.a", package), package)
    assert after != before


def test_pages_are_read_as_myst_nb_reads_them(package, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        HEADER
        + "\n# T\n\n````{code-cell} ipython3\n:tags: [hide-input]\nimport linreg_src.b\n````\n\n"
        + "```python\nimport linreg_src.a  # a plain code block is not executed\n```\n",
        "utf-8",
    )
    assert names(deps.page_dependency_files(page, package), package) == [
        "linreg_src/__init__.py",
        "linreg_src/b.py",
        "linreg_src/c_table.csv",
    ]
    plain = tmp_path / "plain.md"  # no jupytext header: MyST-NB does not execute it
    plain.write_text("# T\n\n```{code-cell} ipython3\nimport linreg_src.a\n```\n", "utf-8")
    assert deps.page_dependency_files(plain, package) == []
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "c1",
                        "metadata": {},
                        "outputs": [],
                        "source": "from linreg_src import b",
                    }
                ],
                "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        "utf-8",
    )
    assert "linreg_src/b.py" in names(deps.page_dependency_files(notebook, package), package)


def test_cross_document_glue_is_found():
    text = (
        "梯度 {glue:text}`chain_rule.md::hand_grad_v:g`,{glue}`sub/page.ipynb::x`,"
        "本页 {glue:text}`local_key:g`\n\n```{glue:figure} other.md::fig\n```\n"
    )
    assert deps.glue_sources(text) == {"chain_rule.md", "sub/page.ipynb", "other.md"}


BOOK_PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)


@pytest.mark.parametrize("page", BOOK_PAGES, ids=lambda p: p.stem)
def test_every_book_page_that_runs_linreg_src_depends_on_it(page):
    """Never zero pages: a page whose code cells mention the package gets a fingerprint."""
    notebook = deps.read_notebook(page, page.read_text("utf-8"))
    cells = deps.code_cells(notebook)
    files = deps.page_dependency_files(page, ROOT)
    if any(re.search(r"\blinreg_src\b", cell) for cell in cells):
        assert ROOT / "linreg_src" / "__init__.py" in files
    else:
        assert files == []


def _hash(notebook) -> str:
    from jupyter_cache import get_cache

    return get_cache("/nonexistent").create_hashed_notebook(notebook)[1]


@pytest.mark.parametrize("page", BOOK_PAGES, ids=lambda p: p.stem)
def test_the_fingerprinted_notebook_is_what_myst_nb_reads_from_the_fingerprinted_page(page):
    """The page is read once: the fingerprint cell is added to the notebook read from the original
    text, and jupyter-cache must see it as the notebook MyST-NB reads from the new text."""
    found = deps.read_page(page, page.read_text("utf-8"), ROOT)
    if found.notebook is None:
        assert found.text == found.source
        return
    assert found.deps == tuple(deps.page_dependency_files(page, ROOT))
    again = deps.read_notebook(page, found.text)
    assert _hash(found.notebook) == _hash(again)
    assert len(found.notebook.cells) == len(again.cells)
    assert found.notebook.metadata.get("source_map") == again.metadata.get("source_map")
    if found.deps:
        assert found.notebook.cells[-1].source.startswith(deps.MARKER)


def test_an_ipynb_page_gets_the_same_fingerprint_cell(package, tmp_path):
    page = tmp_path / "nb.ipynb"
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}}
    page.write_text(
        json.dumps(
            {
                "cells": [{**cell, "outputs": [], "source": "import linreg_src.b"}],
                "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        "utf-8",
    )
    found = deps.read_page(page, page.read_text("utf-8"), package)
    assert _hash(found.notebook) == _hash(deps.read_notebook(page, found.text))


def test_a_build_reads_each_page_through_myst_nb_once(monkeypatch, tmp_path):
    """env-before-read-docs reads every page to be read; source-read and linreg_parallel reuse
    that reading (MyST-NB's own parse is the only other one)."""
    from types import SimpleNamespace

    import myst_nb.core.read
    from myst_nb.core.config import NbParserConfig
    from myst_parser.config.main import MdParserConfig

    sys.path[:0] = [str(ROOT / "conf" / "_ext"), str(ROOT / "conf")]
    import linreg_deps
    import linreg_parallel

    reads: list[str] = []
    real = myst_nb.core.read.create_nb_reader

    def counting(path, *args, **kwargs):
        reader = real(path, *args, **kwargs)
        if reader is not None:
            read = reader.read
            reader.read = lambda text: (reads.append(Path(path).stem), read(text))[1]
        return reader

    monkeypatch.setattr(myst_nb.core.read, "create_nb_reader", counting)
    pages = {p.stem: p for p in BOOK_PAGES}
    env = SimpleNamespace(
        doc2path=lambda name: pages[name],
        config=SimpleNamespace(source_encoding="utf-8", linreg_package_root=str(ROOT)),
        myst_config=MdParserConfig(),
        mystnb_config=NbParserConfig(execution_mode="cache"),
        note_dependency=lambda path: None,
    )
    app = SimpleNamespace(env=env, config=env.config)
    docnames = sorted(pages)
    linreg_deps._on_env_before_read_docs(app, env, docnames)
    for name in docnames:
        linreg_parallel.page_job(env, name)
        source = [pages[name].read_text("utf-8")]
        linreg_deps._on_source_read(app, name, source)
        assert source[0] == linreg_deps.page(env, name).text
    linreg_deps._on_env_updated(app, env)
    notebooks = [n for n in docnames if "jupytext:" in pages[n].read_text("utf-8")[:300]]
    assert notebooks, "the book has executed pages"
    assert sorted(reads) == sorted(notebooks), "one reading per notebook page, none of others"
