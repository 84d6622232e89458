"""tools/serve.py (``nox -s serve``): one SIGINT to the caller stops every process it started.

``nox -s serve`` calls ``tools/serve.py``'s ``main`` inside nox, so the caller here is a Python
process running the same function. It is started with SIGINT ignored, as a shell starts a
background job, which is how "SIGINT to nox" failed to stop anything before.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"

#: A stand-in for sphinx-autobuild: a server with a child that ignores SIGINT (only SIGTERM
#: stops it), as a sphinx-build subprocess or a kernel might.
FAKE_SERVER = """\
import signal, socket, subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
     "time.sleep(600)"]
)
server = socket.socket()
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    time.sleep(0.1)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited early with {proc.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {timeout} s")


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def start_caller(code: str, **kwargs) -> subprocess.Popen:
    """A Python process running ``code``, started with SIGINT ignored (a background job)."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        **kwargs,
    )


def stop_and_check(caller: subprocess.Popen, sig: int, timeout: float) -> tuple[int, float]:
    started = descendants(caller.pid)
    assert started, "the caller started nothing"
    t0 = time.monotonic()
    caller.send_signal(sig)  # to the caller alone, not to its group
    code = caller.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in started if alive(p)]
    for pid in left:  # don't leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running after {timeout} s: {left}"
    return code, time.monotonic() - t0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_to_the_caller_stops_the_whole_group(tmp_path, sig):
    fake = tmp_path / "fake_server.py"
    fake.write_text(FAKE_SERVER, "utf-8")
    port = free_port()
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TOOLS)!r})
        import serve
        sys.exit(serve.run([sys.executable, {str(fake)!r}, "{port}"], grace=1.0))
        """
    )
    caller = start_caller(code)
    try:
        wait_for_port(port, caller, timeout=30)
        time.sleep(0.3)  # the fake server's child is started before it listens
        exit_code, took = stop_and_check(caller, sig, timeout=15)
    finally:
        if caller.poll() is None:
            caller.kill()
    assert exit_code == 130  # "stopped by an interruption", which nox -s serve reports as fine
    assert took < 10  # SIGINT, one grace period, SIGTERM for the child that ignores SIGINT


def test_the_command_builds_like_nox_docs():
    sys.path.insert(0, str(TOOLS))
    import serve

    cmd = serve.command("/venv/bin/python", ROOT, ["--port", "8001"])
    assert cmd[:3] == ["/venv/bin/python", "-m", "sphinx_autobuild"]
    assert cmd[3:8] == ["-n", "-W", "--keep-going", "-c", "conf"]  # conf/build_env.py's flags
    assert ["-b", "html", "-d", str(ROOT / "_build" / "doctrees")] == cmd[8:12]
    assert cmd[-4:] == ["docs", str(ROOT / "_build" / "html"), "--port", "8001"]
    env = serve.environment(sys.executable, ROOT)
    assert env["PYTHONHASHSEED"] == "0" and "SOURCE_DATE_EPOCH" in env


def serve_once(site_dir: Path, docs_python: Path, log: Path) -> tuple[list[str], str, int]:
    """Start serve as nox does, wait for its port, SIGINT it: (pages rewritten, log, exit code)."""
    pages = {p: p.stat().st_mtime_ns for p in site_dir.glob("*.html")}
    always = {"genindex.html", "search.html", "py-modindex.html"}  # Sphinx writes them each time
    port = free_port()
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TOOLS)!r})
        import serve
        sys.exit(serve.main(["--python", {str(docs_python)!r}, "--port", "{port}"]))
        """
    )
    with log.open("wb") as out:
        caller = start_caller(code, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, caller, timeout=600)
            rewritten = sorted(
                p.name
                for p, t in pages.items()
                if p.stat().st_mtime_ns != t and p.name not in always
            )
            exit_code, _ = stop_and_check(caller, signal.SIGINT, timeout=30)
        finally:
            if caller.poll() is None:
                caller.kill()
                caller.wait()
    return rewritten, log.read_text("utf-8", "replace"), exit_code


@pytest.mark.site
def test_serving_an_up_to_date_site_rewrites_no_page_and_one_sigint_stops_it(site_dir, tmp_path):
    """The real sphinx-autobuild, from the docs environment as ``nox -s serve`` runs it.

    The first start brings the site up to date if an edit came after ``nox -s docs``; the second
    must then rewrite no page. One SIGINT to the caller stops each.
    """
    docs_python = ROOT / ".nox" / "docs" / "bin" / "python"
    if site_dir.resolve() != (ROOT / "_build" / "html").resolve() or not docs_python.exists():
        pytest.skip("needs _build/html and .nox/docs, as `nox -s docs` leaves them")
    _, text, exit_code = serve_once(site_dir, docs_python, tmp_path / "first.log")
    assert exit_code == 130, text[-3000:]
    rewritten, text, exit_code = serve_once(site_dir, docs_python, tmp_path / "second.log")
    assert "no targets are out of date" in text, text[-3000:]
    assert rewritten == [], f"serve rewrote an up-to-date site: {rewritten}"
    assert exit_code == 130
