"""Start the pages' Jupyter kernels by forking one process that has already imported torch.

Every executed page gets a kernel of its own, and a fresh kernel spends most of its start-up
importing torch (about 0.7 s of CPU here), NumPy and matplotlib -- on every page, the same
modules.
This module pays for those imports once per build: a small server process imports them, then
forks one child per kernel. The child is an ordinary ipykernel (``IPKernelApp``), started with
the very arguments, environment, working directory and ``sys.path`` that jupyter_client would
have given ``python -m ipykernel_launcher``, so a page runs and prints exactly as it would in
a kernel started from scratch; only ``import torch`` finds the module already loaded.

Python's own ``multiprocessing`` forkserver does not fit: its children re-run the parent's
``__main__`` (here, ``sphinx-build``) and take the parent's ``sys.path``, not the kernel's.

Two parts:

* run as a script (``python linreg_forkserver.py``) it is the server: it imports
  :data:`PRELOAD`, then reads one JSON request per line on stdin (``argv``, ``env``, ``cwd``)
  and answers each with the forked child's pid on stdout. It reaps its children and exits when
  its stdin closes, that is, with the build.
* imported, it gives :class:`ForkServer`, the client the build uses, and
  :class:`ForkedKernelProvisioner`, a jupyter_client kernel provisioner that launches through
  it. The provisioner falls back to jupyter_client's normal launch for any kernel command other
  than this interpreter's ``-m ipykernel_launcher``, for a kernel whose ``PYTHONHASHSEED``
  differs from the server's (a running interpreter cannot change it), and where Linux's
  ``pidfd_open`` (used to watch a child that is not ours) is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

#: Imported once by the server and shared by every kernel it forks: the heavy modules pages import
#: from site-packages. Never ``linreg_src`` (kernels must read its files fresh), and not ipykernel,
#: whose settings take their defaults from the kernel's environment when it is imported.
PRELOAD = ("torch", "numpy", "matplotlib.figure", "matplotlib.backends.backend_agg")
#: Set before the preload as ipykernel sets it in every kernel before any page code runs (unless
#: already set), so matplotlib, which reads it on import, starts as in a kernel of its own.
MPLBACKEND = "module://matplotlib_inline.backend_inline"

LAUNCHER = "ipykernel_launcher"


# -- the server ------------------------------------------------------------------------------------


def _kernel_sys_path(env: dict[str, str], base: list[str]) -> list[str]:
    """``sys.path`` of ``python -m ipykernel_launcher`` under ``env``, once the launcher ran.

    The interpreter puts the working directory first and the launcher removes it again
    (IPython adds ``''`` back as the shell starts); then come ``PYTHONPATH`` and the defaults.
    """
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [*extra, *[p for p in base if p not in extra]]


def _child(request: dict[str, Any], base: list[str]) -> None:
    """In the forked child: become the kernel jupyter_client asked for. Never returns."""
    code = 1
    try:
        os.setsid()  # a process group of its own, like jupyter_client's launch
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # the server's stdout is its protocol pipe; kernel output goes to stderr
        os.environ.clear()
        os.environ.update(request["env"])
        # jupyter_client's launcher names the kernel's parent, so the kernel exits if it dies:
        # here that is the server, which exits when the build does.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        os.chdir(request["cwd"])
        sys.path[:] = _kernel_sys_path(request["env"], base)
        spec = importlib.util.find_spec(LAUNCHER)  # what argv[0] names in a launched kernel
        sys.argv = [spec.origin if spec and spec.origin else LAUNCHER, *request["argv"]]
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["argv"])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # report, then leave without running the server's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The server's main loop (see the module docstring)."""
    script_dir = str(Path(__file__).resolve().parent)
    own = {p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    base = [p for p in sys.path if p not in own and p != script_dir]
    if not os.environ.get("MPLBACKEND"):  # ipykernel's own test
        os.environ["MPLBACKEND"] = MPLBACKEND
    for name in PRELOAD:
        __import__(name)
    # Reap children as they exit, so a client watching a pid sees it disappear.
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request, base)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# -- the client ------------------------------------------------------------------------------------


class ForkServer:
    """A running server, started with this process's environment; one per build."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: A forked kernel keeps the server's string hashing; it suits kernels set alike.
        self.hashseed = os.environ.get("PYTHONHASHSEED")
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """Start a kernel child with ``argv`` (after ``-m ipykernel_launcher``); its pid."""
        request = json.dumps({"argv": argv, "env": env, "cwd": cwd})
        with self._lock:  # several worker threads launch kernels
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("linreg_forkserver: the fork server exited")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class ForkedKernel:
    """A forked kernel, with the part of ``subprocess.Popen``'s interface a provisioner uses.

    The kernel is the server's child, not ours, so it is watched through a pidfd: readable once
    the process has exited.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone (and reaped)
            self._pidfd = None
            self.returncode = 0

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd is not None:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            if ready:
                self._exited()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and self._pidfd is not None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if ready:
                self._exited()
        return self.returncode

    def _exited(self) -> None:
        self.returncode = 0  # the exit status belongs to the server, which reaped it
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def can_fork() -> bool:
    """Whether kernels can be forked here (Linux with pidfds)."""
    return all(
        hasattr(m, f) for m, f in ((os, "fork"), (os, "pidfd_open"), (signal, "pidfd_send_signal"))
    )


def launcher_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` if ``cmd`` runs it with this interpreter.

    Examples
    --------
    >>> launcher_arguments([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
    ['-f', 'k.json']
    >>> launcher_arguments(["julia", "kernel.jl", "k.json"]) is None
    True
    """
    if len(cmd) < 3 or cmd[1:3] != ["-m", LAUNCHER]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    return list(cmd[3:]) if same else None


class ForkedKernelProvisioner(LocalProvisioner):
    """Launch through :attr:`server` when the command allows it, else as jupyter_client does."""

    server: ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        argv = launcher_arguments(cmd)
        env = dict(kwargs.get("env") or os.environ)
        if self.server is None or argv is None or env.get("PYTHONHASHSEED") != self.server.hashseed:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = ForkedKernel(self.server.fork(argv, env, cwd))
        self.pid = self.process.pid
        self.pgid = None  # signal the kernel itself; its group is its own anyway
        self.cwd = cwd
        return self.connection_info


if __name__ == "__main__":
    serve()
