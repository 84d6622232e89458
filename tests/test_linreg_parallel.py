"""Executing pages ahead of reading, in parallel, in forked kernels (conf/_ext/linreg_parallel.py,
conf/_ext/linreg_forkserver.py).

A forked kernel must be indistinguishable, to the code a page runs, from one jupyter_client
starts from scratch: the tests below run the same probe notebook in both and compare what it
sees. The slow tests (test_reproducible.py) check the whole thing in real builds: every executed
page runs ahead, MyST-NB finds it in the cache, and two clean builds are byte-identical.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "conf" / "_ext"), str(ROOT / "conf")]  # as conf.py puts them

import build_env  # noqa: E402
import linreg_forkserver  # noqa: E402
import linreg_parallel  # noqa: E402

# What the page's code can observe of its kernel. Everything here must be the same in a forked
# kernel; only whether torch was imported before the page asked for it may differ.
PROBE = """\
import json, os, sys
import matplotlib
from ipykernel.kernelapp import IPKernelApp

app = IPKernelApp.instance()
print(json.dumps({
    "sys.path": sys.path,
    "cwd": os.getcwd(),
    "environment": {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"},
    "JPY_PARENT_PID is the parent": os.environ.get("JPY_PARENT_PID") == str(os.getppid()),
    "argv": [os.path.basename(sys.argv[0]), *sys.argv[1:2]],
    "__name__": __name__,
    "own process group": os.getpgid(0) == os.getpid(),
    "hash": hash("linreg"),
    "parent poller": type(app.poller).__name__,
    "matplotlib backend": matplotlib.get_backend(),
    "matplotlib rc": sorted((k, str(v)) for k, v in matplotlib.rcParams.items()),
    "execution_count": get_ipython().execution_count,
}))
"""


def _notebook(*sources: str):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def _job(tmp_path: Path, *sources: str) -> linreg_parallel.Job:
    config = SimpleNamespace(
        execution_in_temp=False, execution_allow_errors=False, execution_timeout=120
    )
    notebook = _notebook(*sources)
    return linreg_parallel.Job("probe", tmp_path / "probe.md", notebook, config, metadata={})


@pytest.fixture(scope="module")
def kernels():
    """Kernels as the build gets them: forked by a server started with the build's fixed string
    hashing, their stderr through the noise filter."""
    if not linreg_forkserver.can_fork():
        pytest.skip("forking kernels needs Linux pidfds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONHASHSEED", "0")
        made = linreg_parallel.Kernels(fork=True)
    yield made
    made.close()


@pytest.fixture(scope="module")
def fork_server(kernels):
    return kernels.server


def test_a_forked_kernel_looks_like_a_kernel_started_from_scratch(tmp_path, kernels, monkeypatch):
    monkeypatch.setenv("LINREG_PROBE", "seen by the kernel")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    seen = {}
    for name, source in (("scratch", None), ("forked", kernels)):
        result = linreg_parallel.execute(_job(tmp_path, PROBE), source)
        assert result.err is None, result.exc_string
        seen[name] = json.loads(result.nb.cells[0].outputs[0]["text"])
    assert seen["forked"]["cwd"] == str(tmp_path)
    assert seen["forked"]["environment"]["LINREG_PROBE"] == "seen by the kernel"
    assert seen["forked"]["argv"][0] == "ipykernel_launcher.py"
    assert seen["forked"]["JPY_PARENT_PID is the parent"] is True
    assert seen["forked"]["parent poller"] == "ParentPollerUnix"
    for key in seen["scratch"]:
        assert seen["forked"][key] == seen["scratch"][key], key


def test_a_forked_kernel_reports_a_failing_cell_like_any_kernel(tmp_path, kernels, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    result = linreg_parallel.execute(_job(tmp_path, "1 / 0"), kernels)
    assert type(result.err).__name__ == "CellExecutionError"
    assert "ZeroDivisionError" in result.exc_string


def test_forked_kernels_run_side_by_side_and_are_gone_afterwards(tmp_path, kernels, monkeypatch):
    import os
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("PYTHONHASHSEED", "0")
    code = "import os, time; time.sleep(0.5); print(os.getpid())"
    jobs = [_job(tmp_path, code) for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(linreg_parallel.execute, jobs, [kernels] * 3))
    pids = [int(r.nb.cells[0].outputs[0]["text"]) for r in results]
    assert len(set(pids)) == 3
    for pid in pids:  # shut down with the page, not at the end of the build
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    # nbclient killed each kernel once its page was done: the status is the kill's, as Popen's
    assert [job.exit_codes for job in jobs] == [[-signal.SIGKILL]] * 3


def test_a_kernel_with_other_string_hashing_is_started_from_scratch(
    tmp_path, kernels, fork_server, monkeypatch
):
    monkeypatch.setenv("PYTHONHASHSEED", "1")  # the server has 0: forking would not honour it
    result = linreg_parallel.execute(_job(tmp_path, "import os; print(os.getppid())"), kernels)
    assert result.err is None
    assert int(result.nb.cells[0].outputs[0]["text"]) != fork_server.process.pid


def test_the_server_exits_when_the_build_closes_it():
    if not linreg_forkserver.can_fork():
        pytest.skip("forking kernels needs Linux pidfds")
    server = linreg_forkserver.ForkServer()
    server.close()
    assert server.process.returncode == 0


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], ["-f", "k.json"]),
        ([sys.executable, "-m", "ipykernel_launcher"], []),
        ([sys.executable, "-m", "other_launcher", "-f", "k.json"], None),
        (["/no/such/python", "-m", "ipykernel_launcher", "-f", "k.json"], None),
        (["julia", "-i", "kernel.jl", "k.json"], None),
        ([sys.executable], None),
    ],
)
def test_only_this_interpreters_ipykernel_launcher_is_forked(cmd, expected):
    assert linreg_forkserver.launcher_arguments(cmd) == expected


def test_the_kernel_sys_path_puts_pythonpath_first_once():
    base = ["/usr/lib/python3.11", "/site", "/book"]
    env = {"PYTHONPATH": "/book:/extra"}
    assert linreg_forkserver._kernel_sys_path(env, base) == [
        "/book",
        "/extra",
        "/usr/lib/python3.11",
        "/site",
    ]
    assert linreg_forkserver._kernel_sys_path({}, base) == base


@pytest.mark.parametrize(
    ("value", "cpus", "expected"),
    [("auto", 2, 3), ("auto", 1, 2), (0, 2, 0), ("0", 2, 0), (4, 2, 4), ("5", 2, 5)],
)
def test_workers(value, cpus, expected):
    assert linreg_parallel.workers(value, cpus=cpus) == expected


@pytest.mark.parametrize("value", [-1, "-2", "many", "2.5", None, True, 65])
def test_workers_refuses_what_is_not_a_count(value):
    message = r"^linreg_execution_workers=.*: expected 'auto' or a whole number from 0 to 64$"
    with pytest.raises(build_env.SettingError, match=message):
        linreg_parallel.workers(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("0", False),
        ("False", False),
        ("off", False),
        ("1", True),
        ("yes", True),
    ],
)
def test_fork_kernels(value, expected):
    assert linreg_parallel.fork_kernels(value) is expected


@pytest.mark.parametrize("value", ["maybe", "", "2", 2])
def test_fork_kernels_refuses_what_is_not_a_switch(value):
    with pytest.raises(build_env.SettingError, match=r"^linreg_fork_kernels=.*: expected one of"):
        linreg_parallel.fork_kernels(value)


def _named(*docnames: str) -> list[linreg_parallel.Job]:
    return [linreg_parallel.Job(d, Path(f"{d}.md"), None, None) for d in docnames]


def test_longest_pages_start_first():
    jobs = _named("a", "b", "c", "d")
    order = linreg_parallel.start_order(jobs, {"a": 1.0, "b": 5.0, "c": 2.0}, first=[])
    assert [j.docname for j in order] == ["b", "c", "a", "d"]  # never timed: assumed short


def test_a_cold_build_starts_the_named_slow_pages_first():
    jobs = _named("chain_rule", "comparison", "cost", "notation")
    order = linreg_parallel.start_order(jobs, {}, first=["cost"])
    assert [j.docname for j in order] == ["cost", "chain_rule", "comparison", "notation"]


def test_a_measured_time_outranks_the_hint():
    jobs = _named("cost", "nn_linear")
    order = linreg_parallel.start_order(jobs, {"cost": 1.0, "nn_linear": 3.0}, first=["cost"])
    assert [j.docname for j in order] == ["nn_linear", "cost"]


# -- exit statuses, stderr ------------------------------------------------------------------------


def test_a_kernel_that_dies_reports_its_real_exit_status(tmp_path, kernels, monkeypatch):
    from nbclient.exceptions import DeadKernelError

    monkeypatch.setenv("PYTHONHASHSEED", "0")
    job = _job(tmp_path, "import os; os._exit(3)")
    with pytest.raises(DeadKernelError):
        linreg_parallel.execute(job, kernels)
    assert job.exit_codes == [3], "the status the server reaped, not a made-up 0"
    assert linreg_parallel.describe_exit(job.exit_codes) == "its kernel exited with 3"


def test_the_server_reports_each_childs_status_as_popen_would(tmp_path, fork_server, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    connection = tmp_path / "kernel.json"
    env = {**__import__("os").environ}
    kernel = linreg_forkserver.ForkedKernel(
        fork_server.fork(["-f", str(connection)], env, str(tmp_path)), fork_server
    )
    assert kernel.poll() is None
    kernel.terminate()
    assert kernel.wait(timeout=30) == -signal.SIGTERM
    kernel.kill()  # gone already: nothing to signal, no error
    assert kernel.poll() == -signal.SIGTERM


def test_kernel_start_up_noise_is_filtered_and_the_rest_passes(capsys):
    log = linreg_forkserver.KernelLog()
    noise = (
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All "
        "communication (including code and outputs) is sent in plain text.\n"
    )
    __import__("os").write(log.fd, (noise + "Traceback: a real problem\n").encode())
    log.close()
    assert capsys.readouterr().err == "Traceback: a real problem\n"


def test_a_page_executed_in_a_forked_kernel_prints_no_start_up_noise(
    tmp_path, kernels, monkeypatch, capsys
):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    result = linreg_parallel.execute(_job(tmp_path, "print('hello')"), kernels)
    assert result.nb.cells[0].outputs[0]["text"] == "hello\n"
    assert "without encryption" not in capsys.readouterr().err


# -- MyST-NB's call, answered with the page executed ahead ----------------------------------------


def _ahead_of(job: linreg_parallel.Job) -> linreg_parallel.Ahead:
    ahead = object.__new__(linreg_parallel.Ahead)  # the registry only: no pool, no kernels
    ahead.jobs = {job.key: [job]}
    return ahead


def _executed(notebook, text: str):
    import copy

    from jupyter_cache.executors.utils import ExecutionResult
    from nbformat.v4 import new_output

    done = copy.deepcopy(notebook)
    done.cells[0].outputs = [new_output("stream", name="stdout", text=text)]
    done.cells[0].execution_count = 1
    done.metadata["language_info"] = {"name": "python"}
    return ExecutionResult(done, None, 0.25, None, None)


def test_myst_nbs_cache_client_gets_the_page_executed_ahead(tmp_path, monkeypatch):
    """MyST-NB's own cache client stores and serves the execution done ahead; no kernel runs.

    This fails if MyST-NB stops looking ``single_nb_execution`` up in its module, where
    linreg_parallel answers it (conf/_ext/linreg_versions.py lists that internal).
    """
    import copy
    from concurrent.futures import Future

    import myst_nb.core.execute.cache as myst_cache
    from docutils.utils import new_document
    from jupyter_cache import get_cache
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.execute import create_client
    from myst_nb.core.loggers import DocutilsDocLogger

    assert "single_nb_execution" in myst_cache.NotebookClientCache.start_client.__code__.co_names
    monkeypatch.setattr(myst_cache, "single_nb_execution", linreg_parallel.single_nb_execution)
    page = tmp_path / "page.md"
    page.write_text("(the notebook below)", "utf-8")
    config = NbParserConfig(execution_mode="cache", execution_cache_path=str(tmp_path / "cache"))
    notebook = _notebook("print('ran in a kernel')")
    job = linreg_parallel.Job("page", page, copy.deepcopy(notebook), config, metadata={})
    job.metadata = copy.deepcopy(dict(notebook.metadata))
    job.key = linreg_parallel._notebook_key(notebook)
    job.future = Future()
    job.future.set_result(_executed(notebook, "executed ahead\n"))
    monkeypatch.setattr(linreg_parallel, "_AHEAD", _ahead_of(job))

    logger = DocutilsDocLogger(new_document(str(page)))
    with create_client(notebook, str(page), config, logger):
        pass

    assert notebook.cells[0].outputs[0]["text"] == "executed ahead\n"
    assert notebook.metadata["language_info"] == {"name": "python"}
    record = get_cache(tmp_path / "cache").match_cache_notebook(notebook)
    assert record.data["execution_seconds"] == 0.25, "MyST-NB cached it, with its timing"
    assert linreg_parallel._AHEAD.jobs[job.key] == [], "each execution answers one call"


def test_a_call_with_other_arguments_is_not_answered_from_ahead(tmp_path):
    notebook = _notebook("print(1)")
    config = SimpleNamespace(
        execution_in_temp=False, execution_allow_errors=False, execution_timeout=120
    )
    job = linreg_parallel.Job("page", tmp_path / "page.md", notebook, config, metadata={})
    job.key = linreg_parallel._notebook_key(notebook)
    ahead = _ahead_of(job)
    other = _notebook("print(2)")
    assert ahead.take(other, str(tmp_path), job.arguments()) is None, "another notebook"
    assert ahead.take(notebook, str(tmp_path), (60, False, True, False)) is None, "timeout"
    assert ahead.take(notebook, "/elsewhere", job.arguments()) is None, "working folder"
    assert ahead.take(notebook, str(tmp_path), job.arguments()) is job


def test_the_failing_cell_is_named_with_its_line():
    from nbformat.v4 import new_markdown_cell, new_output

    notebook = _notebook("x = 1", "1 / 0", "never run")
    notebook.cells.insert(0, new_markdown_cell("# Title"))
    notebook.metadata["source_map"] = [11, 14, 18, 23]  # MyST's reader: 0-based lines
    error = new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    notebook.cells[2].outputs = [error]
    assert linreg_parallel.failing_cell(notebook) == (2, 19)

    class CellError(Exception):
        ename, evalue = "ZeroDivisionError", "division by zero"

    class ExecutionError(Exception):
        pass

    cause = CellError()
    cause.linreg_cell = (2, 19)
    err = ExecutionError("/docs/page.md")
    err.__cause__ = cause
    assert linreg_parallel.failure_report(err) == (
        19,
        "cell 2 raised ZeroDivisionError: division by zero",
    )


# -- the versions it was written for --------------------------------------------------------------


def test_the_installed_myst_nb_and_jupyter_cache_are_the_supported_ones():
    import linreg_versions

    assert linreg_versions.unsupported() == []


def test_an_unsupported_version_stops_the_build_in_one_line():
    import linreg_versions

    with pytest.raises(SystemExit) as stop:
        linreg_versions.require("linreg_parallel", {"myst-nb": ">=99"})
    message = str(stop.value.code)
    assert message.startswith("linreg_parallel: myst-nb 1.4.0 is installed (supported: >=99).")
    assert "\n" not in message


def test_pyproject_pins_the_supported_versions():
    import linreg_versions
    import tomllib
    from packaging.requirements import Requirement

    groups = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["dependency-groups"]
    pinned = {
        (req := Requirement(line)).name: str(req.specifier)
        for line in groups["docs"]
        if isinstance(line, str)
    }
    for dist, spec in linreg_versions.SUPPORTED.items():
        assert pinned.get(dist) == str(Requirement(f"{dist}{spec}").specifier), dist
