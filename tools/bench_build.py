"""Measure how fast the book builds, as ratios to the same builds with execution off.

``nox -s bench`` runs this script; it can also be run directly with the project's environment::

    python tools/bench_build.py             # as nox -s docs builds (serial Sphinx), one round
    python tools/bench_build.py -r 3        # best of three rounds

The script copies the book (``docs/``, ``conf/``, ``linreg_src/``) twice into a scratch folder and
builds both copies side by side, in the same run, scenario by scenario:

``cold``
    no execution cache, no doctrees, no HTML;
``noop``
    the same build again, nothing changed;
``edit-prose``
    one page's prose edited (nothing to execute);
``edit-code``
    one page's code edited (a hidden code cell appended): that page alone must re-execute;
``edit-src``
    one ``linreg_src`` module edited (a comment appended): exactly the pages whose code imports it,
    directly or through the package, must re-execute -- and at least one.

One copy builds as the book is built (strict, ``nb_execution_mode="cache"``), the other with
execution off (``-D nb_execution_mode=off``, not strict: without outputs the glue roles warn).
Each scenario prints the wall-clock seconds of both, their ratio, the ratio to the cold build with
execution off, and which pages executed (from MyST-NB's log). Kernels import the copy's
``linreg_src`` (``PYTHONPATH``), so the working tree is never touched.

The script measures; it does not test. It exits non-zero only when a strict build fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("docs", "conf", "linreg_src", "pyproject.toml", "README.md")  # the wheel needs its readme
IGNORED = shutil.ignore_patterns(
    "__pycache__", "_build", ".jupyter_cache", "jupyter_execute", ".ipynb_checkpoints"
)
SCENARIOS = ("cold", "noop", "edit-prose", "edit-code", "edit-src")
EXECUTED = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Executing notebook", re.M)
EXEC_TIME = re.compile(
    r"^(?P<path>\S+?\.(?:md|ipynb)): Executed notebook in (?P<s>[\d.]+) seconds", re.M
)
CACHED = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Using cached notebook", re.M)
UPDATING = re.compile(r"updating environment: .*?(\d+) added, (\d+) changed, (\d+) removed")
#: Targets of GitHub issue 7, as ratios to the execution-off build.
TARGETS = {"cold": 2.5, "noop": 1.2}


@dataclass
class Build:
    """One ``sphinx-build`` run: its wall-clock time and what it did."""

    seconds: float
    returncode: int
    executed: list[str] = field(default_factory=list)
    exec_seconds: dict[str, float] = field(default_factory=dict)
    cached: int = 0
    reread: int = 0
    warnings: int = 0


@dataclass
class Scenario:
    """The best (shortest) builds of one scenario over all rounds, with and without execution."""

    name: str
    on: Build
    off: Build
    expected: list[str] | None = None

    @property
    def ratio(self) -> float:
        """Seconds with execution over seconds without."""
        return self.on.seconds / self.off.seconds


def parse_log(log: str, docs: Path) -> tuple[list[str], int, int, int]:
    r"""Extract executed pages, cache hits, re-read pages and warnings from a build log.

    Parameters
    ----------
    log : str
        Standard output and error of ``sphinx-build``.
    docs : pathlib.Path
        The source folder, to turn paths into page names.

    Returns
    -------
    tuple
        ``(executed, cached, reread, warnings)``: the sorted names of the pages that executed,
        the number of pages served from the cache, the number of pages read (added or changed)
        and the number of warnings.

    Examples
    --------
    >>> log = ["updating environment: 0 added, 1 changed, 0 removed"]
    >>> log += ["/b/docs/cost.md: Executing notebook using local CWD [mystnb]"]
    >>> parse_log("\n".join(log), Path("/b/docs"))
    (['cost'], 0, 1, 0)
    """

    def page(path: str) -> str:
        return Path(path).resolve().relative_to(docs.resolve()).with_suffix("").as_posix()

    executed = sorted({page(m["path"]) for m in EXECUTED.finditer(log)})
    cached = len({m["path"] for m in CACHED.finditer(log)})
    match = UPDATING.search(log)
    reread = int(match[1]) + int(match[2]) if match else 0
    warnings = len(re.findall(r"WARNING:", log))
    return executed, cached, reread, warnings


def sphinx_build(
    project: Path, *, execute: bool, jobs: str, env: dict[str, str], strict: list[str]
) -> Build:
    """Build ``project``'s book once and time it.

    Parameters
    ----------
    project : pathlib.Path
        A copy of the book made by :func:`copy_project`; the build goes to ``project/_build``.
    execute : bool
        Build as the book is built (strict, cached execution), or with execution off.
    jobs : str
        The value of ``sphinx-build -j`` (``"1"`` reads serially).
    env : dict of str to str
        Environment of the build and of the kernels it starts.
    strict : list of str
        The strict build's flags; without execution ``-W`` is dropped (glue roles then warn).

    Returns
    -------
    Build
        Wall-clock seconds and what the log says was executed, cached and read.
    """
    build = project / "_build"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html"]
    if execute:
        cmd += strict
    else:  # without outputs the glue roles warn: not strict, and those pages are not re-read
        cmd += [f for f in strict if f != "-W"] + ["-D", "nb_execution_mode=off"]
        cmd += ["-D", "linreg_reread_warned=0"]
    if jobs != "1":
        cmd += ["-j", jobs]
    cmd += ["-d", str(build / "doctrees"), "docs", str(build / "html")]
    env = {**env, "PYTHONPATH": str(project), "LINREG_BOOK_CACHE": str(build / "cache")}
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, encoding="utf-8", check=False
    )
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode and execute:
        sys.stderr.write(log)
    executed, cached, reread, warnings = parse_log(log, project / "docs")
    docs = (project / "docs").resolve()
    exec_seconds = {
        Path(m["path"]).resolve().relative_to(docs).with_suffix("").as_posix(): float(m["s"])
        for m in EXEC_TIME.finditer(log)
    }
    return Build(seconds, proc.returncode, executed, exec_seconds, cached, reread, warnings)


def copy_project(source: Path, dest: Path) -> Path:
    """Copy the parts of the project the book build reads into ``dest``.

    Parameters
    ----------
    source : pathlib.Path
        The repository root.
    dest : pathlib.Path
        A folder that does not exist yet.

    Returns
    -------
    pathlib.Path
        ``dest``.
    """
    dest.mkdir(parents=True)
    for name in COPIED:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, dest / name, ignore=IGNORED)
        elif path.is_file():
            shutil.copy2(path, dest / name)
    return dest


def _linreg_deps(project: Path):
    spec = importlib.util.spec_from_file_location(
        "linreg_deps_bench", project / "conf" / "_ext" / "linreg_deps.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def dependents(project: Path) -> dict[str, list[str]]:
    """Map each ``linreg_src`` file to the pages whose code cells depend on it.

    Uses the book's own rule (``conf/_ext/linreg_deps.py``), so the expected set of re-executed
    pages is exactly what that extension promises.

    Parameters
    ----------
    project : pathlib.Path
        A copy of the book.

    Returns
    -------
    dict of str to list of str
        Keys are paths relative to ``project`` (``linreg_src/grad.py``), values sorted page names.
    """
    deps = _linreg_deps(project)
    result: dict[str, list[str]] = {}
    for md in sorted((project / "docs").rglob("*.md")):
        files = deps.page_dependency_files(md, project)
        page = md.relative_to(project / "docs").with_suffix("").as_posix()
        for path in files:
            result.setdefault(path.relative_to(project).as_posix(), []).append(page)
    return {k: sorted(v) for k, v in sorted(result.items())}


def executing_pages(project: Path) -> list[str]:
    """Return the pages that have code cells (MyST notebooks), sorted."""
    return sorted(
        md.relative_to(project / "docs").with_suffix("").as_posix()
        for md in (project / "docs").rglob("*.md")
        if "{code-cell}" in md.read_text("utf-8")
    )


def pick_module(deps: dict[str, list[str]], pages: list[str]) -> str:
    """Pick the module an author edits most often: most dependent pages, but not every page."""
    leaves = {k: v for k, v in deps.items() if not k.endswith("__init__.py")}
    if not leaves:
        raise SystemExit("no page imports a linreg_src module: nothing to measure for edit-src")
    return max(leaves, key=lambda k: (len(leaves[k]) < len(pages), len(leaves[k]), k))


def edit(project: Path, scenario: str, page: str, module: str) -> None:
    """Apply one scenario's edit to a copy of the book."""
    if scenario == "edit-prose":
        path = project / "docs" / f"{page}.md"
        path.write_text(path.read_text("utf-8") + "\n\n(基准测试追加的一句话。)\n", "utf-8")
    elif scenario == "edit-code":
        path = project / "docs" / f"{page}.md"
        cell = "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n# bench: edited\n```\n"
        path.write_text(path.read_text("utf-8") + cell, "utf-8")
    elif scenario == "edit-src":
        path = project / module
        path.write_text(path.read_text("utf-8") + "\n# bench: edited\n", "utf-8")
    elif scenario == "cold":
        shutil.rmtree(project / "_build", ignore_errors=True)


def book_settings(root: Path) -> tuple[dict[str, str], list[str]]:
    """Return the book's build environment (over ours) and strict flags (``conf/build_env.py``).

    Parameters
    ----------
    root : pathlib.Path
        The project.

    Returns
    -------
    tuple
        ``(env, strict)``: the environment of sphinx-build and its kernels, and the flags of the
        strict build (``-n -W --keep-going -c conf``).
    """
    path = root / "conf" / "build_env.py"
    book = runpy.run_path(str(path)) if path.is_file() else {}
    strict = list(book.get("SPHINX_STRICT", ["-n", "-W", "--keep-going", "-c", "conf"]))
    env = book["build_env"]() if "build_env" in book else book.get("BUILD_ENV", {})
    return {**os.environ, **env}, strict


def run(args: argparse.Namespace) -> dict:
    """Run every round and return the report as a dictionary."""
    env, strict = book_settings(args.root)
    env.update(dict(kv.split("=", 1) for kv in args.env))
    if args.allow_warnings:  # a work-in-progress tree: measure anyway, and say so
        strict = [f for f in strict if f != "-W"]
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="linreg-bench-"))
    rounds: list[dict[str, Scenario]] = []
    try:
        for r in range(args.repeat):
            base = scratch / f"round{r}"
            shutil.rmtree(base, ignore_errors=True)
            on_dir = copy_project(args.root, base / "on")
            off_dir = copy_project(args.root, base / "off")
            pages = executing_pages(on_dir)
            page = args.page or (pages[0] if pages else None)
            deps = dependents(on_dir)
            module = args.module or pick_module(deps, pages)
            expected = {
                "cold": pages,
                "noop": [],
                "edit-prose": [],
                "edit-code": [page],
                "edit-src": deps.get(module, []),
            }
            results: dict[str, Scenario] = {}
            for i, name in enumerate(SCENARIOS):
                edit(on_dir, name, page, module)
                edit(off_dir, name, page, module)
                # alternate the order so that neither side always runs on a warmer machine
                order = (True, False) if (i + r) % 2 == 0 else (False, True)
                built = {
                    execute: sphinx_build(
                        on_dir if execute else off_dir,
                        execute=execute,
                        jobs=args.jobs,
                        env=env,
                        strict=strict,
                    )
                    for execute in order
                }
                if built[True].returncode:
                    raise SystemExit(f"the strict build failed in scenario {name!r} (log above)")
                results[name] = Scenario(name, built[True], built[False], expected[name])
                print(
                    f"  round {r + 1}/{args.repeat} {name:<10} on {built[True].seconds:6.1f} s"
                    f"  off {built[False].seconds:6.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
            rounds.append(results)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(scratch, ignore_errors=True)
    best = {
        name: Scenario(
            name,
            min((rd[name].on for rd in rounds), key=lambda b: b.seconds),
            min((rd[name].off for rd in rounds), key=lambda b: b.seconds),
            rounds[0][name].expected,
        )
        for name in SCENARIOS
    }
    return {
        "machine": machine(),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "jobs": args.jobs,
        "strict": not args.allow_warnings,
        "env": dict(kv.split("=", 1) for kv in args.env),
        "rounds": args.repeat,
        "page": page,
        "module": module,
        "scenarios": {
            name: {
                "on": asdict(s.on),
                "off": asdict(s.off),
                "ratio": s.ratio,
                "ratio_to_off_cold": s.on.seconds / best["cold"].off.seconds,
                "expected": s.expected,
                "spread_on": _spread([rd[name].on.seconds for rd in rounds]),
            }
            for name, s in best.items()
        },
    }


def _spread(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def machine() -> str:
    """One line describing the machine, Python and the build tools."""
    from importlib.metadata import version

    tools = ", ".join(f"{n} {version(n)}" for n in ("sphinx", "myst-nb", "torch"))
    return (
        f"{platform.machine()} {platform.processor() or platform.system()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {tools}"
    )


def report(result: dict) -> str:
    """Format the measurements as a plain-text table with the targets' verdicts."""
    lines = [
        f"machine : {result['machine']}",
        f"command : {result['command']}",
        f"-j {result['jobs']}, {'strict' if result['strict'] else 'NOT strict (-W dropped)'}, "
        f"best of {result['rounds']} round(s); extra env: "
        f"{result['env'] or 'none'}; edited page: {result['page']}; "
        f"edited module: {result['module']}",
        "",
        f"{'scenario':<11}{'exec on':>9}{'exec off':>10}{'on/off':>8}{'on/off-cold':>13}"
        f"{'read':>6}{'exec':>6}  executed pages",
    ]
    for name, s in result["scenarios"].items():
        executed = ", ".join(s["on"]["executed"]) or "-"
        lines.append(
            f"{name:<11}{s['on']['seconds']:>8.1f}s{s['off']['seconds']:>9.1f}s"
            f"{s['ratio']:>8.2f}{s['ratio_to_off_cold']:>13.2f}{s['on']['reread']:>6}"
            f"{len(s['on']['executed']):>6}  {executed}"
        )
    lines.append("")
    sc = result["scenarios"]
    per_page = sorted(sc["cold"]["on"]["exec_seconds"].items(), key=lambda kv: -kv[1])
    if per_page:
        total = sum(v for _, v in per_page)
        lines.append(
            f"cold build, kernel time per page ({total:.1f} s in all): "
            + ", ".join(f"{k} {v:.1f}" for k, v in per_page)
        )
        lines.append("")
    for name, limit in TARGETS.items():
        value = sc[name]["ratio"]
        verdict = "met" if value <= limit else "NOT met"
        lines.append(f"target {name:<10} on/off <= {limit}: {value:.2f}  {verdict}")
    for name in ("noop", "edit-prose", "edit-code", "edit-src"):
        got, want = sc[name]["on"]["executed"], sc[name]["expected"]
        ok = got == want and (name != "edit-src" or bool(got))
        verdict = "met" if ok else f"NOT met (executed {got or 'nothing'})"
        lines.append(f"target {name:<10} executes exactly {want or 'nothing'}: {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-j", "--jobs", default="1", help="sphinx-build -j (default: 1, as nox -s docs builds)"
    )
    parser.add_argument("-r", "--repeat", type=int, default=1, help="rounds; the best is kept")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--page", help="page whose prose and code are edited")
    parser.add_argument("--module", help="linreg_src file to edit, e.g. linreg_src/grad.py")
    parser.add_argument("--root", type=Path, default=ROOT, help="project to measure")
    parser.add_argument("--workdir", help="scratch folder (kept); default: a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary scratch folder")
    parser.add_argument("--json", type=Path, help="also write the measurements as JSON here")
    parser.add_argument(
        "--allow-warnings",
        action="store_true",
        help="drop -W (to measure a tree with work-in-progress warnings; reported)",
    )
    args = parser.parse_args(argv)
    result = run(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
