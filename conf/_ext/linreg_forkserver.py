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

Three parts:

* run as a script (``python linreg_forkserver.py``) it is the server: it imports
  :data:`PRELOAD`, then reads one JSON request per line on stdin (``argv``, ``env``, ``cwd``)
  and answers each with the forked child's pid on stdout; when a child exits, it reaps it and
  reports its exit status on stdout too (a kernel is the server's child, so only the server
  can learn it). It exits when its stdin closes, that is, with the build.
* imported, it gives :class:`ForkServer`, the client the build uses, and
  :class:`ForkedKernelProvisioner`, a jupyter_client kernel provisioner that launches through
  it, with :func:`kernel_manager_class` to hand both to nbclient. The provisioner falls back to
  jupyter_client's normal launch for any kernel command other than this interpreter's
  ``-m ipykernel_launcher``, for a kernel whose ``PYTHONHASHSEED`` differs from the server's (a
  running interpreter cannot change it), and where Linux's ``pidfd_open`` is missing.
* :class:`KernelLog`: the kernels' stderr, forked or not, goes through it to the build's own,
  minus the start-up warnings that tell an author nothing (:data:`NOISE`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import re
import select
import selectors
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
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
#: A kernel's exit status when the server died before reporting it.
STATUS_LOST = 255

#: Lines a kernel writes to stderr on every start that mean nothing to an author: ipykernel 7
#: warns that the kernel's local TCP sockets are not encrypted (jupyter_client's default).
NOISE = (re.compile(r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption"),)


# -- the server ------------------------------------------------------------------------------------


def _kernel_sys_path(env: dict[str, str], base: list[str]) -> list[str]:
    """``sys.path`` of ``python -m ipykernel_launcher`` under ``env``, once the launcher ran.

    The interpreter puts the working directory first and the launcher removes it again
    (IPython adds ``''`` back as the shell starts); then come ``PYTHONPATH`` and the defaults.
    """
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [*extra, *[p for p in base if p not in extra]]


def _child(request: dict[str, Any], base: list[str], inherited: list[int]) -> None:
    """In the forked child: become the kernel jupyter_client asked for. Never returns."""
    code = 1
    try:
        for fd in inherited:  # the server's pipes and pidfds are not the kernel's
            os.close(fd)
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
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(stdin, selectors.EVENT_READ)
    pending = b""

    def say(message: dict[str, int]) -> None:
        os.write(stdout, (json.dumps(message) + "\n").encode())

    while True:
        for key, _ in selector.select():
            if key.fd != stdin:  # a child's pidfd: it exited; reap it and report how
                selector.unregister(key.fd)
                os.close(key.fd)
                _, status = os.waitpid(key.data, 0)
                say({"exited": key.data, "returncode": os.waitstatus_to_exitcode(status)})
                continue
            chunk = os.read(stdin, 1 << 16)
            if not chunk:  # the build closed its end: done
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                inherited = [stdin, stdout, *(k.fd for k in selector.get_map().values())]
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    _child(json.loads(line), base, [fd for fd in inherited if fd > 2])
                # Readable once the child exits; it stays a zombie (so its status stays ours to
                # read) until then, so opening it cannot miss a child that exited at once.
                selector.register(os.pidfd_open(pid), selectors.EVENT_READ, pid)
                say({"pid": pid})


# -- the client ------------------------------------------------------------------------------------


class KernelLog:
    """A pipe for the kernels' stderr, copied to the build's stderr minus :data:`NOISE`."""

    def __init__(self) -> None:
        read, self.fd = os.pipe()
        self._reader = open(read, "rb")  # noqa: SIM115 (the thread closes it)
        self._thread = threading.Thread(target=self._copy, name="linreg-kernel-log", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        with self._reader:
            for raw in self._reader:
                line = raw.decode("utf-8", "replace")
                if not any(pattern.search(line) for pattern in NOISE):
                    sys.stderr.write(line)
                    sys.stderr.flush()

    def close(self, timeout: float = 10) -> None:
        """Close our end; the copy ends once every kernel and the server have closed theirs."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self._thread.join(timeout)


class ForkServer:
    """A running server, started with this process's environment; one per build.

    ``stderr``: where the server and the kernels it forks write their stderr (a file descriptor,
    e.g. a :class:`KernelLog`'s), by default this process's.
    """

    def __init__(self, stderr: int | None = None) -> None:
        self._lock = threading.Lock()
        #: A forked kernel keeps the server's string hashing; it suits kernels set alike.
        self.hashseed = os.environ.get("PYTHONHASHSEED")
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            bufsize=1,
        )
        self._answers: queue.Queue[int | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self.gone = False
        self._reader = threading.Thread(target=self._read, name="linreg-forkserver", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if "pid" in message:
                self._answers.put(message["pid"])
            else:
                with self._changed:
                    self._exits[message["exited"]] = message["returncode"]
                    self._changed.notify_all()
        self._answers.put(None)
        with self._changed:
            self.gone = True
            self._changed.notify_all()

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """Start a kernel child with ``argv`` (after ``-m ipykernel_launcher``); its pid."""
        request = json.dumps({"argv": argv, "env": env, "cwd": cwd})
        with self._lock:  # several worker threads launch kernels; answers come in order
            assert self.process.stdin is not None
            try:
                self.process.stdin.write(request + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                raise RuntimeError("linreg_forkserver: the fork server exited") from None
            pid = self._answers.get()
        if pid is None:
            raise RuntimeError("linreg_forkserver: the fork server exited")
        return pid

    def returncode(self, pid: int, timeout: float | None = 0) -> int | None:
        """The exit status of child ``pid`` once the server has reported it (as ``Popen``'s:
        negative for a signal); ``None`` while it runs, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or self.gone, timeout)
            return self._exits.get(pid)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=60)  # it may still be importing torch, on a busy machine
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


class ForkedKernel:
    """A forked kernel, with the part of ``subprocess.Popen``'s interface a provisioner uses.

    The kernel is the server's child, not ours: its exit status comes from the server's report,
    and signals go through a pidfd, which cannot hit another process that reused the pid.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: ForkServer) -> None:
        self.pid = pid
        self.server = server
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already reaped: the server has its status
            self._pidfd = None

    def poll(self) -> int | None:
        return self.wait(timeout=0)

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.returncode(self.pid, timeout)
            if self.returncode is None and self.server.gone and self._exited():
                self.returncode = STATUS_LOST
            if self.returncode is not None and self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode

    def _exited(self) -> bool:
        if self._pidfd is None:
            return True
        ready, _, _ = select.select([self._pidfd], [], [], 0)
        return bool(ready)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None and self._pidfd is not None:
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
    """Launch through :attr:`server` when the command allows it, else as jupyter_client does.

    Either way the kernel's stderr goes to :attr:`log` (when set), and :attr:`on_exit` (when set)
    receives the kernel's exit status once jupyter_client sees it: for a forked kernel the real
    one, as the server reported it, negative for a signal as ``Popen``'s.
    """

    server: ForkServer | None = None
    log: KernelLog | None = None
    on_exit: Callable[[int | None], None] | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if self.log is not None and kwargs.get("stderr") is None:
            kwargs["stderr"] = self.log.fd
        argv = launcher_arguments(cmd)
        env = dict(kwargs.get("env") or os.environ)
        if self.server is None or argv is None or env.get("PYTHONHASHSEED") != self.server.hashseed:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = ForkedKernel(self.server.fork(argv, env, cwd), self.server)
        self.pid = self.process.pid
        self.pgid = None  # signal the kernel itself; its group is its own anyway
        self.cwd = cwd
        return self.connection_info

    _reported = False

    def _report(self, status: int | None) -> int | None:
        if status is not None and not self._reported and self.on_exit is not None:
            self._reported = True
            self.on_exit(status)
        return status

    async def poll(self) -> int | None:
        alive = self.process is not None
        status = await super().poll()  # 0 when there is no process: not a status to report
        return self._report(status) if alive else status

    async def wait(self) -> int | None:
        process = self.process
        status = await super().wait()
        return self._report(status) if process is not None else status


def kernel_manager_class(
    server: ForkServer | None,
    log: KernelLog | None = None,
    on_exit: Callable[[int | None], None] | None = None,
) -> type:
    """A jupyter_client ``AsyncKernelManager`` class whose kernels launch as above.

    For nbclient's ``kernel_manager_class``: nbclient then starts, owns and shuts down each kernel
    as usual; only the launch (and where its stderr goes) differs.
    """
    from jupyter_client.manager import AsyncKernelManager

    class BookKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # jupyter_client keeps a provisioner that is already set (as on a restart).
            self.kernel_id = str(uuid.uuid4())
            provisioner = ForkedKernelProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
            provisioner.server, provisioner.log, provisioner.on_exit = server, log, on_exit
            self.provisioner = provisioner

    return BookKernelManager


if __name__ == "__main__":
    serve()
