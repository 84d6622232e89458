"""Executing pages ahead of reading, in parallel, in forked kernels (conf/_ext/linreg_parallel.py,
conf/_ext/linreg_forkserver.py).

A forked kernel must be indistinguishable, to the code a page runs, from one jupyter_client
starts from scratch: the tests below run the same probe notebook in both and compare what it
sees. The slow tests (test_reproducible.py) check the whole thing in real builds: every executed
page runs ahead, MyST-NB finds it in the cache, and two clean builds are byte-identical.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))

import linreg_forkserver  # noqa: E402
import linreg_parallel  # noqa: E402
from sphinx.errors import ConfigError  # noqa: E402

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


def _job(tmp_path: Path, source: str) -> linreg_parallel.Job:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    config = SimpleNamespace(
        execution_in_temp=False, execution_allow_errors=False, execution_timeout=120
    )
    return linreg_parallel.Job("probe", tmp_path / "probe.md", notebook, config, None)


@pytest.fixture(scope="module")
def fork_server():
    """A server started as the build starts it: with the build's fixed string hashing."""
    if not linreg_forkserver.can_fork():
        pytest.skip("forking kernels needs Linux pidfds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONHASHSEED", "0")
        server = linreg_forkserver.ForkServer()
    yield server
    server.close()


def test_a_forked_kernel_looks_like_a_kernel_started_from_scratch(
    tmp_path, fork_server, monkeypatch
):
    monkeypatch.setenv("LINREG_PROBE", "seen by the kernel")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    seen = {}
    for name, server in (("scratch", None), ("forked", fork_server)):
        result = linreg_parallel.execute(_job(tmp_path, PROBE), server)
        assert result.err is None, result.exc_string
        seen[name] = json.loads(result.nb.cells[0].outputs[0]["text"])
    assert seen["forked"]["cwd"] == str(tmp_path)
    assert seen["forked"]["environment"]["LINREG_PROBE"] == "seen by the kernel"
    assert seen["forked"]["argv"][0] == "ipykernel_launcher.py"
    assert seen["forked"]["JPY_PARENT_PID is the parent"] is True
    assert seen["forked"]["parent poller"] == "ParentPollerUnix"
    for key in seen["scratch"]:
        assert seen["forked"][key] == seen["scratch"][key], key


def test_a_forked_kernel_reports_a_failing_cell_like_any_kernel(tmp_path, fork_server, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    result = linreg_parallel.execute(_job(tmp_path, "1 / 0"), fork_server)
    assert type(result.err).__name__ == "CellExecutionError"
    assert "ZeroDivisionError" in result.exc_string


def test_forked_kernels_run_side_by_side_and_are_gone_afterwards(
    tmp_path, fork_server, monkeypatch
):
    import os
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("PYTHONHASHSEED", "0")
    code = "import os, time; time.sleep(0.5); print(os.getpid())"
    jobs = [_job(tmp_path, code) for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(linreg_parallel.execute, jobs, [fork_server] * 3))
    pids = [int(r.nb.cells[0].outputs[0]["text"]) for r in results]
    assert len(set(pids)) == 3
    for pid in pids:  # shut down with the page, not at the end of the build
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_kernel_with_other_string_hashing_is_started_from_scratch(
    tmp_path, fork_server, monkeypatch
):
    monkeypatch.setenv("PYTHONHASHSEED", "1")  # the server has 0: forking would not honour it
    result = linreg_parallel.execute(_job(tmp_path, "import os; print(os.getppid())"), fork_server)
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


@pytest.mark.parametrize("value", [-1, "-2", "many", "2.5", None])
def test_workers_refuses_what_is_not_a_count(value):
    with pytest.raises(ConfigError, match="linreg_execution_workers must be 'auto' or a whole"):
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


def _named(*docnames: str) -> list[linreg_parallel.Job]:
    return [linreg_parallel.Job(d, Path(f"{d}.md"), None, None, None) for d in docnames]


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
