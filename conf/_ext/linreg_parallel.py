"""Execute the book's notebooks in parallel, ahead of Sphinx reading them.

MyST-NB executes a page while Sphinx reads it, so a cold build runs one kernel after another
while the other cores idle, and Sphinx's own parsing waits for each kernel in turn. Parallel
reads (``-j``) help, but then several processes write MyST-NB's execution cache at once, and
jupyter-cache 1.0 does not survive that (``table settings already exists``; ``KeyError: Notebook
file does not exist for cache record``).

This extension moves only the kernels out; everything else stays MyST-NB's own code:

1. On ``env-before-read-docs`` it takes each page about to be read as ``linreg_deps`` read it
   (the notebook MyST-NB will parse, fingerprint cell included), asks the cache whether it holds
   an execution of it, and hands the pages it does not to a pool of worker threads. A worker
   runs the page with jupyter-cache's ``single_nb_execution`` -- the function MyST-NB calls --
   with the page's timeout, working directory and ``allow_errors``, in a kernel of its own that
   is shut down as soon as the page is done. Longest pages start first, as timed the last time
   they executed; a page never timed yet (a cold build) starts first if ``linreg_execute_first``
   names it, else last.
2. With serial reads it moves the executing pages to the end of the reading order, so Sphinx
   parses the other pages while the kernels run.
3. When MyST-NB reads a page that is not in the cache, it calls ``single_nb_execution`` itself;
   this extension answers that call (:func:`single_nb_execution`) with the page's execution
   ahead -- the same notebook, by jupyter-cache's own hash, and the same arguments -- waiting for
   it if needed. MyST-NB then caches, renders and reports exactly as if it had run the kernel:
   a failing cell takes MyST-NB's own error path, and the page is executed once. Any other call
   goes to jupyter-cache unchanged. With parallel reads (``-j``) MyST-NB's cache client stores
   each finished page in the main process before Sphinx forks its readers (which then only read
   the cache).

The kernels are forked from one process that has imported torch already (``linreg_forkserver``),
so each page skips the import that dominates a small page's start-up; their stderr passes through
a filter that drops ipykernel's start-up warning (``linreg_forkserver.NOISE``).

A page whose cell raises does not end the build with Sphinx's "please report this bug" text:
MyST-NB's ``ExecutionError`` is caught where MyST-NB raises it (:class:`Parser`), the other pages
are still built (``--keep-going``), and the log ends with one line per failed page -- the file and
line of the cell, its number and the error -- and a failed build.

Nothing here changes what a page computes or shows; a page it could not execute ahead is
executed by MyST-NB as before. Settings (``conf.py`` or ``-D``; ``conf/build_env.py`` defines the
accepted values): ``linreg_execution_workers``, kernels at a time (default ``"auto"``: one more
than the usable CPUs; ``0`` turns the extension off); ``linreg_fork_kernels`` (default ``True``;
false starts each kernel from scratch); ``linreg_execute_first``, pages to start first when no
earlier timing is known.
"""

from __future__ import annotations

import copy
import os
import signal
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import Any

import build_env
import linreg_deps
import linreg_forkserver
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
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
    read_fmt: dict | None = None
    key: str = ""  # jupyter-cache's hash of the notebook
    metadata: dict = field(default_factory=dict)  # the notebook's metadata before execution
    exit_codes: list[int | None] = field(default_factory=list)  # of the page's kernel(s)
    future: Future | None = field(default=None, repr=False)

    @property
    def cwd(self) -> str | None:
        """The kernel's working folder, as MyST-NB picks it (``None``: a temporary one)."""
        return None if self.nb_config.execution_in_temp else os.path.abspath(self.path.parent)

    def arguments(self) -> tuple:
        """The arguments besides the notebook and cwd that MyST-NB passes for this page."""
        config = self.nb_config
        return (config.execution_timeout, config.execution_allow_errors, True, False)


def workers(value: object, cpus: int | None = None) -> int:
    """The number of kernels at a time ``linreg_execution_workers`` asks for.

    ``"auto"`` is one more than the usable CPUs: a kernel waits now and then (for its start, for
    messages), and on two cores three at a time built the book faster than two (``nox -s bench``).

    Examples
    --------
    >>> workers("auto", cpus=2), workers(3), workers("0")
    (3, 3, 0)
    """
    count = build_env.workers(value, "linreg_execution_workers")
    if count != "auto":
        return int(count)
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        cpus = cpus or os.cpu_count() or 1
    return cpus + 1


def fork_kernels(value: object) -> bool:
    """Whether ``linreg_fork_kernels`` (a bool, or ``-D``'s string) asks for forked kernels.

    Examples
    --------
    >>> fork_kernels(True), fork_kernels("0"), fork_kernels("false"), fork_kernels("1")
    (True, False, False, True)
    """
    return build_env.switch(value, "linreg_fork_kernels")


def page_job(env: BuildEnvironment, docname: str) -> Job | None:
    """The job of executing ``docname`` as MyST-NB's cache mode would, or ``None`` if it would not.

    The page as ``linreg_deps`` read it, and MyST-NB's configuration with the page's own
    ``mystnb`` metadata merged in (MyST-NB's parser does that too). A job built on a guess that
    turns out wrong costs only time: MyST-NB's call is answered with it only if the notebook and
    the arguments are exactly MyST-NB's.
    """
    from myst_nb.core.nb_to_tokens import nb_node_to_dict

    page = linreg_deps.page(env, docname)
    if page.notebook is None or not page.path.is_file():
        return None
    nb_config = env.mystnb_config
    if nb_config.metadata_key in page.notebook.metadata:
        overrides = nb_node_to_dict(page.notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        try:
            nb_config = nb_config.copy(**overrides)
        except Exception:  # MyST-NB warns about it when it parses the page
            return None
    if nb_config.execution_mode != "cache":
        return None
    posix = PurePosixPath(page.path.as_posix())
    if any(posix.match(p) for p in nb_config.execution_excludepatterns):
        return None
    notebook = copy.deepcopy(page.notebook)
    before = copy.deepcopy(dict(notebook.metadata))
    return Job(docname, page.path, notebook, nb_config, page.read_fmt, metadata=before)


def _cache(nb_config):
    from jupyter_cache import get_cache

    return get_cache(nb_config.execution_cache_path or ".jupyter_cache")


def _last_seconds(jobs: list[Job]) -> dict[str, float]:
    """How long each page took the last time it executed (any version of it), if recorded."""
    seconds: dict[str, float] = {}
    if not jobs:
        return seconds
    by_path = {str(job.path): job.docname for job in jobs}
    try:
        records = _cache(jobs[0].nb_config).list_cache_records()
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


class Kernels:
    """Where this build's kernels come from: the fork server, if any, and the stderr filter."""

    def __init__(self, fork: bool) -> None:
        self.log = linreg_forkserver.KernelLog()
        can = fork and linreg_forkserver.can_fork()
        self.server = linreg_forkserver.ForkServer(stderr=self.log.fd) if can else None

    def manager_class(self, job: Job) -> type:
        """nbclient's kernel manager class for ``job``: its kernel's exit status goes to the job."""
        return linreg_forkserver.kernel_manager_class(self.server, self.log, job.exit_codes.append)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.log.close()


def execute(job: Job, kernels: Kernels | None = None):
    """Run the job's notebook in place with jupyter-cache's ``single_nb_execution``, as MyST-NB
    would, in a kernel from ``kernels`` (by default one jupyter_client starts from scratch).

    The kernel is killed once the last cell is done instead of being asked to exit: the outputs
    are complete by then.

    Returns
    -------
    jupyter_cache.executors.utils.ExecutionResult
        The notebook, the seconds it took, and the cell error if one failed.
    """
    from jupyter_cache.executors.utils import single_nb_execution as run
    from jupyter_core.utils import ensure_event_loop

    options: dict[str, Any] = {"shutdown_kernel": "immediate"}
    if kernels is not None:
        options["kernel_manager_class"] = kernels.manager_class(job)
    timeout, allow_errors, meta_override, record_timing = job.arguments()
    folder = tempfile.TemporaryDirectory() if job.cwd is None else nullcontext(job.cwd)
    try:
        with folder as cwd:
            return run(
                job.notebook,
                cwd=os.path.abspath(cwd),
                timeout=timeout,
                allow_errors=allow_errors,
                meta_override=meta_override,
                record_timing=record_timing,
                **options,
            )
    finally:
        ensure_event_loop().close()  # nbclient ran this thread's loop; no loop outlives its job


def describe_exit(codes: list[int | None]) -> str:
    """The exit status of a page's kernel, in words.

    Examples
    --------
    >>> describe_exit([-9]), describe_exit([3]), describe_exit([])
    ('its kernel exited with -9 (SIGKILL)', 'its kernel exited with 3', 'its kernel did not exit')
    """
    if not codes or codes[-1] is None:
        return "its kernel did not exit"
    code = codes[-1]
    if code < 0:
        try:
            return f"its kernel exited with {code} ({signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"its kernel exited with {code}"


class Ahead:
    """The pages executed ahead, the pool executing them, and where their kernels come from."""

    def __init__(self, jobs: list[Job], count: int, fork: bool) -> None:
        self.jobs: dict[str, list[Job]] = {}
        for job in jobs:
            self.jobs.setdefault(job.key, []).append(job)
        self.kernels: Kernels | None = Kernels(fork)
        self.pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="linreg-kernel")
        for job in jobs:
            job.future = self.pool.submit(execute, job, self.kernels)

    def take(self, notebook, cwd: str | None, arguments: tuple) -> Job | None:
        """The job that executed (or is executing) ``notebook`` with ``cwd`` and ``arguments``."""
        candidates = self.jobs.get(_notebook_key(notebook), [])
        for job in candidates:
            same_cwd = job.cwd is None or cwd == job.cwd
            if same_cwd and job.arguments() == arguments:
                candidates.remove(job)
                return job
        return None

    def close(self) -> None:
        """Wait for the pages still running (an aborted build cancels those not started)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.kernels is not None:
            self.kernels.close()
            self.kernels = None


def _notebook_key(notebook) -> str:
    """jupyter-cache's hash of ``notebook``: what its cache matches executions by."""
    from jupyter_cache import get_cache

    # A method of the cache that reads no file: any folder will do, none is created.
    return get_cache(os.devnull).create_hashed_notebook(notebook)[1]


#: The pages this build executes ahead (one build at a time per process).
_AHEAD: Ahead | None = None


def single_nb_execution(
    nb,
    cwd: str | None,
    timeout: int | None,
    allow_errors: bool,
    meta_override: bool = True,
    record_timing: bool = False,
    **kwargs: Any,
):
    """jupyter-cache's ``single_nb_execution`` as MyST-NB's cache client sees it.

    A call for a notebook executed ahead, with the arguments it was executed with, gets that
    execution: its outputs are copied into ``nb`` (executed in place, as the function promises).
    Any other call runs jupyter-cache's function. A failing cell's error is annotated with the
    cell (:func:`failing_cell`) for the end-of-build report.
    """
    from jupyter_cache.executors.utils import ExecutionResult
    from jupyter_cache.executors.utils import single_nb_execution as run

    args = (timeout, allow_errors, meta_override, record_timing)
    job = _AHEAD.take(nb, cwd, args) if (_AHEAD is not None and not kwargs) else None
    result = None
    if job is not None:
        assert job.future is not None
        try:
            done = job.future.result()
        except Exception as err:  # the kernel died or could not start: MyST-NB runs the page
            logger.info(
                "Executing ahead failed (%s: %s; %s); MyST-NB runs the page itself",
                type(err).__name__,
                str(err).strip().splitlines()[0] if str(err).strip() else "",
                describe_exit(job.exit_codes),
                location=job.docname,
            )
        else:
            _copy_outputs(done.nb, nb, job.metadata)
            result = ExecutionResult(nb, cwd, done.time, done.err, done.exc_string)
    if result is None:
        result = run(nb, cwd, timeout, allow_errors, meta_override, record_timing, **kwargs)
    if result.err is not None:
        result.err.linreg_cell = failing_cell(nb)
    return result


def _copy_outputs(executed, nb, metadata_before: dict) -> None:
    """Give ``nb`` what executing ``executed`` (the same code cells) added to it."""
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert len(ran) == len(cells), "jupyter-cache's hash matched notebooks of different cells"
    for cell, done in zip(cells, ran, strict=True):
        cell.outputs = done.outputs
        cell.execution_count = done.execution_count
        cell.metadata = done.metadata
    for key, value in executed.metadata.items():
        if key not in metadata_before or metadata_before[key] != value:
            nb.metadata[key] = value


def failing_cell(nb) -> tuple[int, int | None] | None:
    """``(number, line)`` of the code cell whose error stopped ``nb``: its number among the code
    cells (from 1) and, for a text notebook, the line of the page it starts on."""
    number = 0
    source_map = nb.metadata.get("source_map")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        number += 1
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            line = source_map[index] + 1 if source_map and index < len(source_map) else None
            return number, line
    return None


def failure_report(err: BaseException) -> tuple[int | None, str]:
    """``(line, what)`` for MyST-NB's ``ExecutionError`` ``err``: the failing cell and error."""
    cause = err.__cause__
    where = getattr(cause, "linreg_cell", None)
    number, line = where if where is not None else (None, None)
    error = (
        f"{cause.ename}: {cause.evalue}"
        if hasattr(cause, "ename")
        else f"{type(cause or err).__name__}: {cause or err}"
    )
    cell = f"cell {number}" if number is not None else "a cell"
    return line, f"{cell} raised {error}"


def _parser_class() -> type:
    from myst_nb.core.execute import ExecutionError
    from myst_nb.sphinx_ import Parser as MystNbParser

    class Parser(MystNbParser):
        """MyST-NB's parser; a page whose execution fails is reported, not a crash of Sphinx."""

        def parse(self, inputstring: str, document: nodes.document) -> None:
            try:
                super().parse(inputstring, document)
            except ExecutionError as err:  # MyST-NB has logged the traceback already
                document.attributes.pop("nb_renderer", None)
                env = document.settings.env
                line, what = failure_report(err)
                env.linreg_failed[env.docname] = (line, what)
                # In place of the page: a stub saying why, parsed as plain MyST Markdown.
                document.children.clear()
                stub = f"# {env.docname}\n\nExecuting this page failed: `{what}`\n"
                super(MystNbParser, self).parse(stub, document)

    return Parser


def _on_builder_inited(app: Sphinx) -> None:
    if not hasattr(app.env, "linreg_failed"):
        app.env.linreg_failed = {}


def _on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "linreg_failed", {}).pop(docname, None)


def _on_env_merge_info(app, env, docnames, other) -> None:
    env.linreg_failed.update(
        {d: v for d, v in getattr(other, "linreg_failed", {}).items() if d in docnames}
    )


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    global _AHEAD
    count = workers(app.config.linreg_execution_workers)
    if count == 0 or env.mystnb_config.execution_mode != "cache":
        return
    jobs = []
    for docname in docnames:
        try:
            job = page_job(env, docname)
        except (OSError, UnicodeDecodeError):
            continue
        if job is None:
            continue
        try:
            _cache(job.nb_config).match_cache_notebook(job.notebook)
            continue  # cached
        except KeyError:
            pass
        job.key = _notebook_key(job.notebook)
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
    _AHEAD = Ahead(jobs, count, fork=fork)
    parallel_read = parallel_available and app.parallel > 1 and app.is_parallel_allowed("read")
    if parallel_read:
        # Sphinx forks its readers next: store every page now, in this process, then no threads.
        _store_all(env, jobs)
        _AHEAD.close()
        return
    # Read the other pages while the kernels run, then the executed ones in the order they started.
    executing = {job.docname for job in jobs}
    docnames[:] = [d for d in docnames if d not in executing] + [job.docname for job in jobs]


def _store_all(env: BuildEnvironment, jobs: list[Job]) -> None:
    """Let MyST-NB's cache client store each page executed ahead (its call is answered here)."""
    from myst_nb.core.execute import create_client
    from myst_nb.core.loggers import SphinxDocLogger

    for job in jobs:
        assert job.future is not None
        try:
            if job.future.result().err is not None:
                continue  # a reader reports it, through MyST-NB's error path
        except Exception:
            continue  # ditto: MyST-NB runs the page itself
        env_of = SimpleNamespace(docname=job.docname)  # what MyST-NB's logger reads of a document
        document = SimpleNamespace(settings=SimpleNamespace(env=env_of))
        notebook = copy.deepcopy(linreg_deps.page(env, job.docname).notebook)
        client = create_client(
            notebook, str(job.path), job.nb_config, SphinxDocLogger(document), job.read_fmt
        )
        with client:
            pass


def _close() -> None:
    if _AHEAD is not None:
        _AHEAD.close()


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    global _AHEAD
    _close()
    _AHEAD = None


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    global _AHEAD
    _close()
    _AHEAD = None
    failed = getattr(app.env, "linreg_failed", {})
    if exception is not None or not failed:
        return
    for docname, (line, what) in sorted(failed.items()):
        logger.error("executing the page failed: %s", what, location=(docname, line))
    app.statuscode = 1


def _on_config_inited(app: Sphinx, config: Config) -> None:
    try:  # fail early, in one line, on a bad value
        workers(config.linreg_execution_workers)
        fork_kernels(config.linreg_fork_kernels)
    except build_env.SettingError as err:
        raise SystemExit(f"linreg_parallel: {err}") from None


def setup(app: Sphinx) -> dict[str, object]:
    import myst_nb.core.execute.cache
    from linreg_versions import require

    require("linreg_parallel")
    app.setup_extension("myst_nb")
    app.setup_extension("linreg_deps")
    app.add_config_value("linreg_execution_workers", "auto", "", types=frozenset({str, int}))
    app.add_config_value("linreg_execute_first", [], "", types=frozenset({list, tuple}))
    app.add_config_value("linreg_fork_kernels", True, "", types=frozenset({bool, int, str}))
    # MyST-NB's cache client looks the function up in its module (linreg_versions.INTERNALS).
    myst_nb.core.execute.cache.single_nb_execution = single_nb_execution
    app.add_source_parser(_parser_class(), override=True)
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-purge-doc", _on_env_purge_doc)
    app.connect("env-merge-info", _on_env_merge_info)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("env-updated", _on_env_updated)
    # Late, so the report of failed pages ends the log.
    app.connect("build-finished", _on_build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
