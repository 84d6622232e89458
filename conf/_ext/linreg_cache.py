"""The execution cache is a cache: a damaged part is dropped and executed again, never a crash.

MyST-NB keeps each page's executed notebook in a jupyter-cache folder: a SQLite database
(``global.db``) of records, and one notebook file per record. jupyter-cache writes the record
before the file, so a build killed between the two (or a full disk) leaves a record without a
file, and a damaged database breaks every later build (``database disk image is malformed``,
``KeyError: Notebook file does not exist for cache record``) until someone deletes the folder.

This extension checks, before any page is looked up in the cache:

* on ``builder-inited``, the database: if SQLite cannot read it, or its tables are missing, the
  whole cache folder goes, and every executed page is read and executed again;
* on ``env-before-read-docs``, for each page about to be read, the record that matches it: if its
  notebook file is missing or is not a notebook, the record and the file go, and the page
  executes again.

Each drop is one line of the build log, saying what was damaged and what runs again. Nothing is
ever served from a damaged cache: MyST-NB and ``linreg_parallel`` only see a cache whose records
all have a readable notebook (for the pages this build reads).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

DB_NAME = "global.db"  # jupyter_cache.cache.db.DB_NAME


def _tables() -> set[str]:
    from jupyter_cache.cache.db import OrmBase

    return set(OrmBase.metadata.tables)


def database_damage(folder: str | Path) -> str | None:
    """Why the cache database in ``folder`` is unusable, or ``None`` if it is fine (or absent)."""
    db = Path(folder) / DB_NAME
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
            check = connection.execute("PRAGMA quick_check").fetchall()
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as err:
        return str(err)
    if check != [("ok",)]:
        return "; ".join(str(row[0]) for row in check[:3])
    missing = _tables() - names
    if missing:
        return f"tables missing: {', '.join(sorted(missing))}"
    return None


def notebook_damage(path: Path) -> str | None:
    """Why the cached notebook file at ``path`` is unusable, or ``None`` if it reads as one."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return "its notebook file is missing"
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return f"its notebook file is unreadable ({type(err).__name__})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return "its notebook file is not a notebook"
    return None


def drop_cache(folder: str | Path, reason: str) -> None:
    """Remove the whole cache folder, saying so in one line."""
    shutil.rmtree(folder, ignore_errors=True)
    logger.info(
        "[linreg_cache] the execution cache %s was damaged (%s): removed it; "
        "every executed page runs again",
        folder,
        reason,
    )


def checked_record(cache, notebook, docname: str):
    """The cache record matching ``notebook`` if it is usable; a damaged one is dropped.

    Returns
    -------
    jupyter_cache.cache.db.NbCacheRecord or None
        ``None`` when there is no usable record (the page will execute).

    Raises
    ------
    sqlite3.Error, sqlalchemy.exc.SQLAlchemyError
        When the database itself fails; the caller drops the cache.
    """
    from jupyter_cache.cache.db import NbCacheRecord

    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return None
    path = cache._get_notebook_path_cache(record.hashkey)  # see linreg_versions.INTERNALS
    damage = notebook_damage(path)
    if damage is None:
        return record
    NbCacheRecord.remove_record(record.pk, cache.db)
    shutil.rmtree(path.parent, ignore_errors=True)
    logger.info(
        "[linreg_cache] cache record %d: %s; dropped it, the page executes again",
        record.pk,
        damage,
        location=docname,
    )
    return None


def _folder(env: BuildEnvironment) -> Path:
    return Path(env.mystnb_config.execution_cache_path or ".jupyter_cache")


def _on_builder_inited(app: Sphinx) -> None:
    env = app.env
    if env.mystnb_config.execution_mode != "cache":
        return
    reason = database_damage(_folder(env))
    if reason is not None:
        drop_cache(_folder(env), reason)
        env.linreg_cache_dropped = True  # re-read every page (env-get-outdated)


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    if getattr(env, "linreg_cache_dropped", False):
        env.linreg_cache_dropped = False
        return sorted(env.found_docs)
    return []


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if env.mystnb_config.execution_mode != "cache" or not docnames:
        return
    import linreg_deps
    from jupyter_cache import get_cache
    from sqlalchemy.exc import SQLAlchemyError

    folder = _folder(env)
    cache = get_cache(folder)
    try:
        for docname in docnames:
            try:
                notebook = linreg_deps.page(env, docname).notebook
            except (OSError, UnicodeDecodeError):
                continue
            if notebook is not None:
                checked_record(cache, notebook, docname)
    except (sqlite3.Error, SQLAlchemyError, RuntimeError) as err:
        # RuntimeError: jupyter-cache's own wrapping of an OperationalError
        cache.db.dispose()
        drop_cache(folder, str(err).splitlines()[0])


def setup(app: Sphinx) -> dict[str, object]:
    from linreg_versions import require

    require("linreg_cache")
    app.setup_extension("myst_nb")
    app.setup_extension("linreg_deps")
    app.connect("builder-inited", _on_builder_inited, priority=600)  # after MyST-NB's config
    app.connect("env-get-outdated", _on_env_get_outdated)
    # After linreg_deps reads the pages (100), before linreg_parallel looks them up (500).
    app.connect("env-before-read-docs", _on_env_before_read_docs, priority=200)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
