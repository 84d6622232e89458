"""Live preview of the book: sphinx-autobuild as ``nox -s docs`` builds, stopped by one Ctrl-C.

``nox -s serve`` calls :func:`main` inside nox, with the docs environment's Python
(``.nox/docs``): the same Sphinx, configuration, doctrees and output folder as ``nox -s docs``,
so an up-to-date site is not rewritten when the preview starts. ``python tools/serve.py`` does the
same from any environment that has the docs dependency group (``--python`` picks another one).
Extra arguments go to sphinx-autobuild, e.g. ``--port 8001`` or ``--open-browser``.

sphinx-autobuild runs in a process group of its own, so a terminal's Ctrl-C reaches only the
caller, which then stops the whole group: SIGINT (sphinx-autobuild shuts its server down, a
running sphinx-build stops), then SIGTERM, then SIGKILL, each after a grace period. The same
happens on SIGINT, SIGTERM or SIGHUP sent to the caller alone (``kill -INT <nox's pid>``), even
when the caller was started with SIGINT ignored, as a shell's background job is.
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
GRACE = 10.0  # seconds each signal has to stop the group before the next, stronger one

# Files the build itself or an editor writes must not trigger another rebuild.
IGNORE = [
    r"(__pycache__|\.pyc$|\.ipynb_checkpoints|jupyter_execute|\.jupyter_cache)",
    r"(~$|\.sw[a-p]$|/\.#|\.tmp$)",
]


def command(python: str | Path, root: Path = ROOT, extra: Sequence[str] = ()) -> list[str]:
    """Return the sphinx-autobuild command line that builds as ``nox -s docs`` and watches.

    Run it from ``root``: like ``nox -s docs``, it names ``docs`` and ``conf`` relatively.
    """
    build = runpy.run_path(str(root / "conf" / "build_env.py"))
    build_dir = root / "_build"
    return [
        str(python),
        "-m",
        "sphinx_autobuild",
        *build["SPHINX_STRICT"],
        "-b",
        "html",
        "-d",
        str(build_dir / "doctrees"),
        "--watch",
        "linreg_src",
        "--watch",
        "conf",
        *(arg for pattern in IGNORE for arg in ("--re-ignore", pattern)),
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "docs",  # relative, run from the project's root, exactly as `nox -s docs` passes it
        str(build_dir / "html"),
        *extra,  # later options win: --port 8001
    ]


def environment(python: str | Path, root: Path = ROOT) -> dict[str, str]:
    """Return the environment ``nox -s docs`` gives sphinx-build: BUILD_ENV, its venv on PATH."""
    build = runpy.run_path(str(root / "conf" / "build_env.py"))
    env = {**os.environ, **build["build_env"]()}  # raises SettingError, naming a bad variable
    bin_dir = Path(python).parent
    venv = bin_dir.parent
    if (venv / "pyvenv.cfg").is_file():  # as nox activates it
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
        env.pop("PYTHONHOME", None)
    return env


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal (gone setuid): still alive
        return True
    return True


def stop_group(proc: subprocess.Popen[bytes], grace: float = GRACE) -> None:
    """Stop ``proc``'s process group: SIGINT, then SIGTERM, then SIGKILL, ``grace`` s apart."""
    pgid = proc.pid
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None and not _group_alive(pgid):
                return
            time.sleep(0.05)
    proc.wait()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    grace: float = GRACE,
) -> int:
    """Run ``cmd`` in its own process group until it exits or the caller is interrupted.

    Returns the command's exit code, or 130 when an interruption stopped it.
    """
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _interrupt) for sig in handled}
    try:
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, start_new_session=True)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            print("serve: stopping the preview ...", file=sys.stderr, flush=True)
            stop_group(proc, grace)
            return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the book on http://127.0.0.1:8000 until Ctrl-C; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python tools/serve.py",
        description="Live preview of the book: builds like `nox -s docs`, rebuilds on edits to "
        "docs/, conf/ and linreg_src/, stops on one Ctrl-C.",
        epilog="Other arguments go to sphinx-autobuild, e.g. --port 8001.",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python of an environment with the docs group (default: this one)",
    )
    args, extra = parser.parse_known_args(argv)
    probe = subprocess.run([args.python, "-c", "import sphinx_autobuild"], capture_output=True)
    if probe.returncode:
        print(
            f"serve: sphinx-autobuild is not installed for {args.python}; it comes with the docs "
            "dependency group: run `nox -s docs` once (or pip install --group docs)",
            file=sys.stderr,
        )
        return 2
    try:
        env = environment(args.python, ROOT)
    except ValueError as error:  # conf/build_env.py's SettingError: LINREG_*, SOURCE_DATE_EPOCH
        print(f"serve: {error}", file=sys.stderr)
        return 2
    return run(command(args.python, ROOT, extra), env, ROOT)


if __name__ == "__main__":
    sys.exit(main())
