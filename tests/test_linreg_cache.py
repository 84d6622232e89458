"""The execution cache is a cache (conf/_ext/linreg_cache.py): damage is dropped, never a crash.

Probes of issue 13: a truncated ``global.db`` (``truncate -s 8192``), or one executed notebook
deleted from the cache and its page touched, made every later build crash (``database disk
image is malformed``; ``KeyError: Notebook file does not exist for cache record``). The fast
tests damage a real jupyter-cache; the slow ones damage a built copy of the book's.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "conf" / "_ext"), str(ROOT / "conf")]

import linreg_cache  # noqa: E402


def _notebook(source: str):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    return notebook


@pytest.fixture
def cache(tmp_path):
    """A jupyter-cache holding the execution of one notebook."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    made = get_cache(tmp_path / "cache")
    executed = _notebook("print(1)")
    executed.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    executed.cells[0].execution_count = 1
    made.cache_notebook_bundle(CacheBundleIn(executed, str(tmp_path / "page.md")))
    return made


@pytest.fixture
def messages(caplog):
    """The one-line messages linreg_cache logs (Sphinx's logger, seen through caplog)."""
    caplog.set_level(logging.INFO, logger="sphinx.linreg_cache")
    return lambda: [r.getMessage() for r in caplog.records if "[linreg_cache]" in r.getMessage()]


def test_a_sound_cache_is_left_alone(cache, messages):
    assert linreg_cache.database_damage(cache.path) is None
    record = linreg_cache.checked_record(cache, _notebook("print(1)"), "page")
    assert record is not None
    assert linreg_cache.checked_record(cache, _notebook("print(2)"), "page") is None
    assert messages() == []


def test_a_truncated_database_is_found_and_the_cache_dropped_in_one_line(cache, messages):
    folder = Path(cache.path)  # (a jupyter-cache creates its folder when asked for it)
    db = folder / linreg_cache.DB_NAME
    cache.db.dispose()
    with db.open("r+b") as handle:  # truncate -s 8192
        handle.truncate(8192)
    connection = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError):  # what MyST-NB met before
        connection.execute("SELECT * FROM nbcache").fetchall()
    connection.close()
    reason = linreg_cache.database_damage(folder)
    assert reason is not None and "malformed" in reason
    linreg_cache.drop_cache(folder, reason)
    assert not folder.exists()
    assert messages() == [
        f"[linreg_cache] the execution cache {folder} was damaged ({reason}): removed it; "
        "every executed page runs again"
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"garbage, not a database at all" * 400, "file is not a database"),
        (b"", "tables missing: nbcache, nbproject, settings"),
    ],
)
def test_other_damage_to_the_database_is_found(tmp_path, content, reason):
    (tmp_path / linreg_cache.DB_NAME).write_bytes(content)
    assert linreg_cache.database_damage(tmp_path) == reason


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("delete", "its notebook file is missing"),
        ("truncate", "its notebook file is unreadable (JSONDecodeError)"),
        ("not a notebook", "its notebook file is not a notebook"),
    ],
)
def test_a_record_whose_notebook_is_damaged_is_dropped(cache, messages, damage, reason):
    from jupyter_cache.cache.db import NbCacheRecord

    record = cache.match_cache_notebook(_notebook("print(1)"))
    path = cache._get_notebook_path_cache(record.hashkey)
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_text(path.read_text()[:50])
    else:
        path.write_text('{"this": "is JSON"}')
    with pytest.raises(KeyError):  # what MyST-NB met before: "Notebook file does not exist"
        if damage == "delete":
            cache.merge_match_into_notebook(_notebook("print(1)"))
        else:
            raise KeyError("unreadable")

    assert linreg_cache.checked_record(cache, _notebook("print(1)"), "page") is None

    assert NbCacheRecord.records_all(cache.db) == [], "the record is gone"
    assert not path.parent.exists()
    assert messages() == [
        f"[linreg_cache] cache record {record.pk}: {reason}; dropped it, the page executes again"
    ]
    with pytest.raises(KeyError):  # a plain cache miss now: MyST-NB executes the page
        cache.match_cache_notebook(_notebook("print(1)"))


# -- in builds of a copy of the book ---------------------------------------------------------------


def _record_of(cache: Path, page: str) -> tuple[int, str]:
    with sqlite3.connect(cache / linreg_cache.DB_NAME) as connection:
        return connection.execute(
            "SELECT pk, hashkey FROM nbcache WHERE uri LIKE ?", (f"%/{page}.md",)
        ).fetchone()


@pytest.mark.slow
def test_a_truncated_cache_database_is_rebuilt_not_a_crash(copy_project, clean_builds):
    project = copy_project("cache-db")
    project.seed_cache("html", clean_builds.cache)
    project.sphinx("html").check()
    db = project.cache("html") / linreg_cache.DB_NAME
    with db.open("r+b") as handle:
        handle.truncate(8192)

    run = project.sphinx("html").check()

    assert run.output.count("[linreg_cache] the execution cache") == 1
    assert "database disk image is malformed" in run.output
    assert run.executed == run.executed_ahead != set(), "every executed page ran again"
    assert project.sphinx("html").check().executed == set(), "and the cache holds them again"


@pytest.mark.slow
def test_a_cached_notebook_deleted_re_executes_its_page_only(copy_project, clean_builds):
    project = copy_project("cache-file")
    project.seed_cache("html", clean_builds.cache)
    project.sphinx("html").check()
    pk, hashkey = _record_of(project.cache("html"), "notation")
    (project.cache("html") / "executed" / hashkey / "base.ipynb").unlink()
    (project.docs / "notation.md").touch()

    run = project.sphinx("html").check()

    assert f"[linreg_cache] cache record {pk}: its notebook file is missing" in run.output
    assert run.executed == {"notation"}
    assert "KeyError" not in run.output
