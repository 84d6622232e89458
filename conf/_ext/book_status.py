"""The book's provenance, on a page: what was executed, how long it took, with what, from where.

``{book-status}`` in a page (``docs/status.md``) becomes, at write time (a post-transform: every
page has been read and executed by then):

* one row per executed page: the result of its execution (MyST-NB's record), whether this
  build ran it or took it from the execution cache, and how long it ran;
* the versions of what computed the numbers -- Python, torch, NumPy, SymPy, matplotlib,
  Sphinx, MyST-NB -- read from the environment the build and its kernels run in;
* the commit the book was built from, its date (``SOURCE_DATE_EPOCH``, the date every page
  shows), and the seeds: the environment's ``PYTHONHASHSEED``, the seed constants of
  ``linreg_src``, and the seeds each page's code passes (``manual_seed(...)``, ``seed=...``).

Everything here is the same in two clean builds of one commit except the execution times, which
are measurements, and whether this build ran a page or found it cached (an incremental build and
a clean one differ there, by design): they carry the class ``book-measured`` (the
reproducibility test masks exactly those) and ``no-search`` (Sphinx leaves them out of the
search index). The page is
written again (``env-updated``) by every build that reads a page or whose commit, date, seeds or
versions changed, so it never shows an older build's record; a build with nothing to do writes
nothing.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import pkgutil
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

#: Distributions whose versions produced the numbers (label -> distribution name).
VERSIONS = {
    "torch": "torch",
    "NumPy": "numpy",
    "SymPy": "sympy",
    "matplotlib": "matplotlib",
    "Sphinx": "sphinx",
    "MyST-NB": "myst-nb",
    "jupyter-cache": "jupyter-cache",
}
#: Seeds in a page's code: ``manual_seed(<expr>)``, ``seed(<expr>)``, ``seed=<expr>``,
#: ``default_rng(<expr>)``.
SEED_CALL = re.compile(r"\b(?:manual_seed|default_rng|seed)\(\s*([^()]+?)\s*\)|\bseed=([\w.]+)")
MEASURED = ["book-measured", "no-search"]


# -- Facts about the build ---------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    sha: str | None  # None outside a git checkout (a copy or an unpacked archive)
    dirty: bool

    def describe(self) -> str:
        if self.sha is None:
            return "未知（不在 git 仓库中构建）"
        return self.sha + ("（工作区有未提交的改动）" if self.dirty else "")


def commit_of(root: Path) -> Commit:
    """The checked-out commit of ``root`` and whether the working tree differs from it."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    sha = git("rev-parse", "HEAD")
    if sha is None or git("rev-parse", "--show-toplevel") != str(root.resolve()):
        return Commit(None, False)
    return Commit(sha, bool(git("status", "--porcelain")))


def build_date() -> tuple[int | None, str]:
    """``SOURCE_DATE_EPOCH`` (the build's date, by default the last commit's) and as UTC text."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not value.isdigit():
        return None, "未设置 SOURCE_DATE_EPOCH"
    stamp = int(value)
    return stamp, datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def versions() -> list[tuple[str, str]]:
    found = [("Python", platform.python_version())]
    for label, dist in VERSIONS.items():
        try:
            found.append((label, importlib.metadata.version(dist)))
        except importlib.metadata.PackageNotFoundError:
            found.append((label, "未安装"))
    return found


def package_seeds(package: str = "linreg_src") -> list[tuple[str, int]]:
    """Module-level integer constants named ``*SEED`` in the package: name -> value."""
    found = []
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # a module that needs an optional dependency: no seeds from it
            continue
        for name, value in vars(module).items():
            public = not name.startswith("_")
            if (
                public
                and name.endswith("SEED")
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                found.append((f"{info.name}.{name}", value))
    return sorted(set(found))


def seeds_in_code(sources: list[str]) -> list[str]:
    """The seed expressions a page's code cells pass, in order, each once.

    Examples
    --------
    >>> seeds_in_code(["g = Generator().manual_seed(2024)", "f(seed=SEED); np.random.seed(0)"])
    ['2024', 'SEED', '0']
    """
    found: list[str] = []
    for source in sources:
        for match in SEED_CALL.finditer(source):
            expression = (match[1] or match[2]).strip()
            if expression not in found:
                found.append(expression)
    return found


# -- The page ---------------------------------------------------------------------------------


class status_placeholder(nodes.General, nodes.Element):
    """Replaced by the status tables once every page has been read."""


class BookStatus(SphinxDirective):
    """``{book-status}``: the build's execution record, versions, commit and seeds."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        pages = self.env.__dict__.setdefault("book_status_pages", set())
        pages.add(self.env.docname)
        return [status_placeholder()]


def table(header: list[str], rows: list[list[nodes.Node | str]], widths: list[int]) -> nodes.table:
    tab = nodes.table(classes=["book-status", "colwidths-given"])
    group = nodes.tgroup(cols=len(header))
    tab += group
    group.extend(nodes.colspec(colwidth=w) for w in widths)
    for part, content in ((nodes.thead(), [header]), (nodes.tbody(), rows)):
        for cells in content:
            row = nodes.row()
            for cell in cells:
                para = nodes.paragraph()
                para += nodes.Text(cell) if isinstance(cell, str) else cell
                row += nodes.entry("", para)
            part += row
        group += part
    return tab


def doc_link(docname: str, title: str) -> addnodes.pending_xref:
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=True
    )
    ref += nodes.inline(title, title)
    return ref


def in_reading_order(env: Any) -> list[str]:
    """All pages, in the order the table of contents lists them (then any others, sorted)."""
    order: list[str] = []

    def walk(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(env.config.root_doc)
    return order + sorted(set(env.found_docs) - set(order))


def execution_rows(app: Sphinx) -> tuple[list[list[nodes.Node | str]], float]:
    from myst_nb.sphinx_ import NbMetadataCollector

    env = app.env
    # jupyter-cache dates a record in naive UTC and MyST-NB reads it as local time:
    # datetime.fromtimestamp() undoes that, giving the record's naive UTC time back.
    started = getattr(app, "book_build_started", datetime.min)
    rows: list[list[nodes.Node | str]] = []
    total = 0.0
    for docname in in_reading_order(env):
        data = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("exec_data")
        if not data:
            continue
        error = data.get("error") or "未知错误"
        result = "成功" if data.get("succeeded") else f"失败（{error}）"
        executed = datetime.fromtimestamp(data.get("mtime") or 0)
        fresh = data.get("method") != "cache" or executed >= started
        where = "本次构建执行" if fresh else "取自执行缓存"
        runtime = data.get("runtime")
        total += runtime or 0.0
        seconds = nodes.inline("", "-" if runtime is None else f"{runtime:.1f}", classes=MEASURED)
        seeds = "、".join(seeds_in_code(_code_of(app, docname))) or "无"
        title = env.titles[docname].astext() if docname in env.titles else docname
        where = nodes.inline("", where, classes=MEASURED)  # this build's history, not the book's
        rows.append([doc_link(docname, title), result, where, seconds, seeds])
    return rows, total


def _code_of(app: Sphinx, docname: str) -> list[str]:
    """The page's code cells, from the notebook MyST-NB wrote for it."""
    import nbformat

    path = Path(app.env.mystnb_config.output_folder, f"{docname}.ipynb")
    if not path.is_file():
        return []
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def status_nodes(app: Sphinx) -> list[nodes.Node]:
    rows, total = execution_rows(app)
    out: list[nodes.Node] = []
    summary = nodes.paragraph()
    summary += nodes.Text(f"本次构建共 {len(rows)} 个执行代码的页面，内核运行时间合计 ")
    summary += nodes.inline("", f"{total:.1f}", classes=MEASURED)
    summary += nodes.Text(" 秒（各页并行执行，合计大于构建实际用时）。")
    out.append(summary)
    header = ["页面", "执行结果", "来源", "用时（秒）", "代码中的种子"]
    out.append(table(header, rows, [30, 10, 14, 10, 18]))

    out.append(nodes.rubric("", "算出这些数字的软件"))
    out.append(table(["软件", "版本"], [[label, v] for label, v in versions()], [20, 20]))

    commit = commit_of(Path(app.config.linreg_package_root))
    stamp, date = build_date()
    env_seed = os.environ.get("PYTHONHASHSEED", "未设置")
    facts = [
        ["提交", nodes.literal("", commit.describe())],
        ["日期（SOURCE_DATE_EPOCH）", f"{date}" + (f"（{stamp}）" if stamp is not None else "")],
        ["PYTHONHASHSEED", env_seed],
    ]
    facts += [[nodes.literal("", name), str(value)] for name, value in package_seeds()]
    out.append(nodes.rubric("", "提交、日期与种子"))
    out.append(table(["项目", "值"], facts, [24, 40]))
    return out


class StatusTransform(SphinxPostTransform):
    """Fill ``{book-status}`` in (before references resolve: the table links the pages)."""

    default_priority = 8

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(status_placeholder)):
            node.replace_self(status_nodes(self.app))


def note_build_start(app: Sphinx) -> None:
    app.book_build_started = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC


def note_pages_read(app: Sphinx, env: Any, docnames: list[str]) -> None:
    app.book_pages_read = bool(docnames)


def provenance(app: Sphinx) -> str:
    """What the status page says besides the execution record: commit, date, seeds, versions."""
    commit = commit_of(Path(app.config.linreg_package_root)).describe()
    facts = [commit, build_date(), os.environ.get("PYTHONHASHSEED"), versions(), package_seeds()]
    return repr(facts)


def rewrite_status_pages(app: Sphinx, env: Any) -> list[str]:
    """Write the status pages again when this build read a page (its record changed) or the
    provenance they show changed; a build with nothing to do writes nothing."""
    stamp = provenance(app)
    if (
        not getattr(app, "book_pages_read", False)
        and getattr(env, "book_status_stamp", None) == stamp
    ):
        return []
    env.book_status_stamp = stamp
    return sorted(getattr(env, "book_status_pages", set()) & env.found_docs)


def purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "book_status_pages", set()).discard(docname)


def merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    env.__dict__.setdefault("book_status_pages", set()).update(
        getattr(other, "book_status_pages", set()) & docnames
    )


def setup(app: Sphinx) -> dict[str, object]:
    app.add_node(status_placeholder)
    app.add_directive("book-status", BookStatus)
    app.add_post_transform(StatusTransform)
    app.connect("builder-inited", note_build_start)
    app.connect("env-before-read-docs", note_pages_read)
    app.connect("env-updated", rewrite_status_pages)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
