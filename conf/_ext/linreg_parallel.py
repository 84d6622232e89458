"""Execute the book's notebooks in parallel, ahead of Sphinx reading them.

MyST-NB executes a page while Sphinx reads it, so a cold build runs one kernel after another
while the other cores idle, and Sphinx's own parsing waits for each kernel in turn. Parallel
reads (``-j``) help, but then several processes write MyST-NB's execution cache at once, and
jupyter-cache 1.0 does not survive that (``table settings already exists``; ``KeyError: Notebook
file does not exist for cache record``).

This extension keeps the cache writes in the main process and moves only the kernels out:

1. On ``env-before-read-docs`` it builds each page's notebook exactly as MyST-NB will (the same
   reader, the same page-level configuration, the fingerprint cell of ``linreg_deps``), asks the
   cache whether it holds an execution of it, and hands the pages it does not to a pool of
   worker threads. Each worker runs one page in a kernel of its own, as MyST-NB would
   (``jupyter_cache``'s ``single_nb_execution`` with the page's timeout, working directory and
   ``allow_errors``), and shuts the kernel down at once when the page is done instead of waiting
   for it to exit. Longest pages start first, as timed the last time they executed; a page never
   timed yet (a cold build) starts first if ``linreg_execute_first`` names it, else last.
2. With serial reads it moves the executing pages to the end of the reading order, so Sphinx
   parses the other pages while the kernels run; on ``source-read`` of an executing page it
   waits for that page's kernel and stores the result in the cache. With parallel reads it
   waits for all of them before Sphinx forks its readers.
3. MyST-NB then finds every page in the cache. A page whose execution failed is not stored:
   MyST-NB runs it again itself and fails the build with its usual message naming the page and
   the cell -- the error path is exactly MyST-NB's.

The kernels are forked from one process that has imported torch already (``linreg_forkserver``),
so each page skips the import that dominates a small page's start-up.

Nothing here changes what a page computes or shows; a page it could not execute ahead is
executed by MyST-NB as before. Settings (``conf.py`` or ``-D``): ``linreg_execution_workers``,
kernels at a time (default ``"auto"``: one more than the usable CPUs; ``0`` turns the extension
off); ``linreg_fork_kernels`` (default ``True``; false starts each kernel from scratch);
``linreg_execute_first``, pages to start first when no earlier timing is known.
"""

from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import linreg_deps
import linreg_forkserver
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.parallel import parallel_available

logger = logging.getLogger(__name__)


@dataclass
class Job:
    """One page to execute: the notebook MyST-NB will look up, and how MyST-NB would run it."""

    docname: str
    path: Path
    notebook: Any  # nbformat.NotebookNode, executed in place by the worker
    nb_config: Any  # myst_nb.core.config.NbParserConfig, with the page's own overrides
    read_fmt: dict | None
    future: Future | None = field(default=None, repr=False)


def workers(value: object, cpus: int | None = None) -> int:
    """The number of kernels at a time ``linreg_execution_workers`` asks for.

    ``"auto"`` is one more than the usable CPUs: a kernel waits now and then (for its start, for
    messages), and on two cores three at a time built the book faster than two (``nox -s bench``).

    Examples
    --------
    >>> workers("auto", cpus=2), workers(3), workers("0")
    (3, 3, 0)
    """
    if value == "auto":
        if cpus is None:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
            cpus = cpus or os.cpu_count() or 1
        return cpus + 1
    try:
        count = int(str(value))
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(
            f"linreg_execution_workers must be 'auto' or a whole number >= 0, got {value!r}"
        )
    return count


def page_job(env: BuildEnvironment, docname: str, text: str, root: Path) -> Job | None:
    """The job of executing ``docname`` as MyST-NB's cache mode would, or ``None`` if it would not.

    Mirrors ``myst_nb.sphinx_.Parser.parse`` and ``myst_nb.core.execute.create_client``: the
    same reader, the page's ``mystnb`` metadata merged into the configuration, kernel aliases,
    the execution mode and exclude patterns.
    """
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    text, _ = linreg_deps.fingerprinted_source(path, text, root, env.myst_config, env.mystnb_config)
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    if reader is None:
        return None
    try:
        notebook = reader.read(text)
    except Exception:  # a malformed page: MyST-NB reports it when it parses the page
        return None
    nb_config = env.mystnb_config
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel is not None:
        for pattern, alias in nb_config.kernel_rgx_aliases.items():
            if re.fullmatch(pattern, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
    if nb_config.metadata_key in notebook.metadata:
        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        try:
            nb_config = nb_config.copy(**overrides)
        except Exception:  # MyST-NB warns about it when it parses the page
            return None
    if nb_config.execution_mode != "cache" or not path.is_file():
        return None
    posix = PurePosixPath(path.as_posix())
    if any(posix.match(p) for p in nb_config.execution_excludepatterns):
        return None
    return Job(docname, path, notebook, nb_config, reader.read_fmt)


def fork_kernels(value: object) -> bool:
    """Whether ``linreg_fork_kernels`` (a bool, or ``-D``'s string) asks for forked kernels.

    Examples
    --------
    >>> fork_kernels(True), fork_kernels("0"), fork_kernels("false"), fork_kernels("1")
    (True, False, False, True)
    """
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)


def _cache(job: Job):
    from jupyter_cache import get_cache

    return get_cache(job.nb_config.execution_cache_path or ".jupyter_cache")


def _is_cached(job: Job) -> bool:
    try:
        _cache(job).match_cache_notebook(job.notebook)
    except KeyError:
        return False
    return True


def _last_seconds(jobs: list[Job]) -> dict[str, float]:
    """How long each page took the last time it executed (any version of it), if recorded."""
    seconds: dict[str, float] = {}
    if not jobs:
        return seconds
    by_path = {str(job.path): job.docname for job in jobs}
    try:
        records = _cache(jobs[0]).list_cache_records()
    except Exception:  # an unreadable cache only costs the ordering
        return seconds
    for record in sorted(records, key=lambda r: r.created):
        docname = by_path.get(record.uri)
        value = (record.data or {}).get("execution_seconds")
        if docname is not None and isinstance(value, (int, float)):
            seconds[docname] = float(value)
    return seconds


def start_order(jobs: list[Job], seconds: dict[str, float], first: list[str]) -> list[Job]:
    """Longest first, so that no long page starts last and keeps the build waiting alone.

    ``seconds`` are the durations measured last time; a page without one counts as very long if
    it is in ``first``, and as short otherwise. Ties keep the alphabetical order of docnames.
    """

    def expected(job: Job) -> float:
        if job.docname in seconds:
            return seconds[job.docname]
        return float("inf") if job.docname in first else 0.0

    return sorted(jobs, key=lambda job: (-expected(job), job.docname))


def _kernel_manager(job: Job, server: linreg_forkserver.ForkServer):
    """A kernel manager for the job's kernel that launches it through the fork ``server``.

    Named as nbclient names the kernel it would start itself (the notebook's kernelspec).
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    name = job.notebook.metadata.get("kernelspec", {}).get("name")
    km = AsyncKernelManager(kernel_name=name) if name else AsyncKernelManager()
    km.kernel_id = str(uuid.uuid4())
    provisioner = linreg_forkserver.ForkedKernelProvisioner(
        kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km
    )
    provisioner.server = server
    km.provisioner = provisioner
    return km


def execute(job: Job, server: linreg_forkserver.ForkServer | None = None):
    """Run the job's notebook in a kernel of its own, in place, as MyST-NB would.

    MyST-NB calls jupyter_cache's ``single_nb_execution``; this is the same run (its
    ``meta_override`` included), except that the kernel may come from a fork ``server`` (see
    ``linreg_forkserver``) and is killed once the last cell is done instead of being asked to
    exit. The client shuts down and disconnects a kernel it did not start only when told to
    (``cleanup_kc``), hence the client built here rather than that function.

    Returns
    -------
    jupyter_cache.executors.utils.ExecutionResult
        The notebook, the seconds it took, and the cell error if one failed.
    """
    import asyncio
    import traceback

    from jupyter_cache.executors.utils import ExecutionResult
    from jupyter_cache.utils import Timer
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    config = job.nb_config
    timeout, allow_errors = config.execution_timeout, config.execution_allow_errors
    overrides = job.notebook.metadata.get("execution", {})
    timeout = overrides.get("timeout", timeout)
    allow_errors = overrides.get("allow_errors", allow_errors)
    cwd = (
        tempfile.TemporaryDirectory() if config.execution_in_temp else nullcontext(job.path.parent)
    )

    async def run(folder: str) -> None:
        km = _kernel_manager(job, server) if server is not None else None
        client = NotebookClient(
            job.notebook,
            km=km,
            timeout=timeout,
            allow_errors=allow_errors,
            record_timing=False,
            shutdown_kernel="immediate",  # the output is complete; do not wait for the exit
            resources={"metadata": {"path": folder}},
        )
        try:
            await client.async_execute(cleanup_kc=True)
        finally:
            if km is not None and km.has_kernel:  # the client failed before it cleaned up
                await km.shutdown_kernel(now=True)

    error = message = None
    timer = Timer()
    with cwd as folder, timer:
        try:
            asyncio.run(run(os.path.abspath(folder)))  # a loop of this thread's own, closed after
        except (CellExecutionError, CellTimeoutError) as err:
            error, message = err, traceback.format_exc()
    return ExecutionResult(job.notebook, str(job.path.parent), timer.last_split, error, message)


def store(job: Job) -> None:
    """Put the finished job's notebook in the cache, as MyST-NB would; log how it went."""
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    assert job.future is not None
    try:
        result = job.future.result()
    except Exception as err:  # the kernel died, could not start ...: MyST-NB will try itself
        logger.info(
            "Executing ahead failed (%s: %s); MyST-NB runs the page itself",
            type(err).__name__,
            err,
            location=job.docname,
        )
        return
    if result.err is not None:
        logger.info(
            "Executing ahead failed in a cell; MyST-NB runs the page again to report it",
            location=job.docname,
        )
        return
    cache = _cache(job)
    if job.read_fmt is not None:
        stage = cache.add_nb_to_project(str(job.path), read_data=job.read_fmt)
    else:
        stage = cache.add_nb_to_project(str(job.path))
    NbProjectRecord.remove_tracebacks([stage.pk], cache.db)
    cache.cache_notebook_bundle(
        CacheBundleIn(result.nb, stage.uri, data={"execution_seconds": result.time}),
        check_validity=False,
        overwrite=True,
    )
    logger.info(
        "Executed notebook in %.2f seconds, ahead of reading", result.time, location=job.docname
    )


class Ahead:
    """The pages being executed ahead, and the pool executing them."""

    def __init__(self, jobs: list[Job], count: int, fork: bool) -> None:
        self.pending = {job.docname: job for job in jobs}
        self.server = (
            linreg_forkserver.ForkServer() if fork and linreg_forkserver.can_fork() else None
        )
        self.pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="linreg-kernel")
        for job in jobs:
            job.future = self.pool.submit(execute, job, self.server)

    def finish(self, docname: str) -> None:
        """Wait for ``docname``'s kernel and store its result, if it is being executed ahead."""
        job = self.pending.pop(docname, None)
        if job is not None:
            store(job)

    def finish_all(self) -> None:
        for docname in list(self.pending):
            self.finish(docname)
        self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.server is not None:
            self.server.close()
            self.server = None


_AHEAD: dict[int, Ahead] = {}  # by id(app); only ever in the main process


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    count = workers(app.config.linreg_execution_workers)
    if count == 0 or env.mystnb_config.execution_mode != "cache":
        return
    root = Path(app.config.linreg_src_root)
    jobs = []
    for docname in docnames:
        try:
            text = Path(env.doc2path(docname)).read_text(app.config.source_encoding)
        except (OSError, UnicodeDecodeError):
            continue
        job = page_job(env, docname, text, root)
        if job is not None and not _is_cached(job):
            jobs.append(job)
    if not jobs:
        return
    jobs = start_order(jobs, _last_seconds(jobs), app.config.linreg_execute_first)
    count = min(count, len(jobs))
    logger.info(
        "[linreg_parallel] executing %d page(s) ahead of reading, %d at a time", len(jobs), count
    )
    for job in jobs:
        logger.info("Executing notebook ahead of reading", location=job.docname)
    # Forking pays for the server's imports only from the second kernel on.
    fork = fork_kernels(app.config.linreg_fork_kernels) and len(jobs) > 1
    ahead = Ahead(jobs, count, fork=fork)
    parallel_read = parallel_available and app.parallel > 1 and app.is_parallel_allowed("read")
    if parallel_read:
        ahead.finish_all()  # Sphinx forks its readers next: no threads, no pending writes then
        return
    _AHEAD[id(app)] = ahead
    # Read the other pages while the kernels run, then the executed ones in the order they started.
    executing = [job.docname for job in jobs]
    rest = [d for d in docnames if d not in ahead.pending]
    docnames[:] = rest + executing


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    ahead = _AHEAD.get(id(app))
    if ahead is not None:
        ahead.finish(docname)


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    _close(app)


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    _close(app)


def _close(app: Sphinx) -> None:
    ahead = _AHEAD.pop(id(app), None)
    if ahead is not None:
        ahead.close()


def _on_config_inited(app: Sphinx, config: Config) -> None:
    workers(config.linreg_execution_workers)  # fail early on a bad value


def setup(app: Sphinx) -> dict[str, object]:
    app.setup_extension("linreg_deps")
    app.add_config_value("linreg_execution_workers", "auto", "", types=frozenset({str, int}))
    app.add_config_value("linreg_execute_first", [], "", types=frozenset({list, tuple}))
    app.add_config_value("linreg_fork_kernels", True, "", types=frozenset({bool, int, str}))
    app.connect("config-inited", _on_config_inited)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("source-read", _on_source_read)
    app.connect("env-updated", _on_env_updated)
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
