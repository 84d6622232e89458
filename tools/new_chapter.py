r"""Start a new chapter of the book: a page, a module, its tests, and every registration.

``nox -s new -- NAME "标题"`` (or ``python tools/new_chapter.py NAME "标题"``) writes

- ``docs/NAME.md``: a page in the house style (jupytext header, learning goals, a labelled
  equation, a ``literalinclude`` of the module's function, a hidden glue cell, a summary, an
  exercise with a folded solution, a hidden ``{doctest}`` block);
- ``linreg_src/NAME.py``: one teaching function and the chapter's example input;
- ``tests/test_NAME.py``: tests of that function (values, autograd, gradcheck, bad input);

and registers them: the page in the "正文" toctree of ``docs/index.md`` (last, or after
``--after PAGE``), the module on ``docs/api.md``, the page's key number in ``KEY_NUMBERS`` of
``tests/test_site.py``, and the chapter's terms (``--term``) in ``conf/jieba_dict.txt``. The fresh
chapter builds strictly and passes every session before its author writes a line; the author then
replaces the example, keeping the shape.

A NAME that is not a lowercase Python identifier, is a keyword, is too long, or already names a
page, a module or a test file is refused (exit 2), and nothing is written.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN_CAPTION = "正文"
MAX_NAME = 40

TEMPLATES = Path(__file__).resolve().parent / "chapter_template"


class Refused(Exception):
    """The chapter cannot be created as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Chapter:
    """What the generator writes, derived from NAME and the title."""

    name: str
    title: str
    terms: tuple[str, ...] = ()
    after: str | None = None
    function: str = "summed_loss"

    @property
    def slug(self) -> str:
        """The labels' form of the name: chap-weight-decay, eq-weight-decay-loss."""
        return self.name.replace("_", "-")

    @property
    def key(self) -> str:
        """Prefix of the page's glue keys: the initials of the name's words (wd), or the name."""
        words = [w for w in self.name.split("_") if w]
        return "".join(w[0] for w in words) if len(words) > 1 else self.name

    def fill(self, template: str) -> str:
        """Return ``tools/chapter_template/<template>`` with its ``<<placeholders>>`` filled."""
        text = (TEMPLATES / template).read_text("utf-8")
        for field in ("name", "slug", "key", "function"):
            text = text.replace(f"<<{field}>>", getattr(self, field))
        assert "<<" not in text.replace("<<title>>", ""), f"{template}: unknown placeholder"
        return text.replace("<<title>>", self.title)


def check_name(root: Path, name: str) -> None:
    """Refuse a NAME that cannot be a chapter's page and module, or that is taken."""
    if not name.isidentifier() or not name.isascii() or name != name.lower():
        raise Refused(
            f"NAME must be a lowercase Python identifier (letters, digits, underscores, not "
            f"starting with a digit), like weight_decay; got {name!r}"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name.startswith("_"):
        raise Refused(f"NAME {name!r} is a Python keyword or private (leading underscore)")
    if len(name) > MAX_NAME:
        raise Refused(f"NAME {name!r} is longer than {MAX_NAME} characters; choose a shorter one")
    taken = [
        p.relative_to(root).as_posix()
        for p in (
            root / "docs" / f"{name}.md",
            root / "docs" / f"{name}.ipynb",
            root / "linreg_src" / f"{name}.py",
            root / "linreg_src" / name,
            root / "tests" / f"test_{name}.py",
        )
        if p.exists()
    ]
    if taken:
        raise Refused(f"NAME {name!r} is taken: {', '.join(taken)} already exist(s)")
    if name in toctree_entries(root / "docs" / "index.md"):
        raise Refused(f"NAME {name!r} is already listed in a toctree of docs/index.md")
    if re.search(
        rf"^\s*\.\. automodule:: linreg_src\.{name}\s*$", _read(root / "docs/api.md"), re.M
    ):
        raise Refused(f"docs/api.md already documents linreg_src.{name}")
    if re.search(rf'^\s*"{name}":', _read(root / "tests/test_site.py"), re.M):
        raise Refused(f"KEY_NUMBERS in tests/test_site.py already has an entry {name!r}")


def _read(path: Path) -> str:
    return path.read_text("utf-8")


_TOCTREE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{toctree\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S
)


def toctree_entries(index: Path | str) -> list[str]:
    """Return the documents the toctrees of ``index`` list, in order (``Title <doc>``: ``doc``).

    ``index`` is docs/index.md or its text.
    """
    entries = []
    source = _read(index) if isinstance(index, Path) else index
    for match in _TOCTREE.finditer(source):
        for line in match["body"].splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                target = re.search(r"<([^>]+)>$", line)
                entries.append(target.group(1) if target else line)
    return entries


def add_to_main_toctree(source: str, name: str, after: str | None) -> str:
    """``source`` (docs/index.md) with ``name`` in the toctree captioned 正文."""
    for match in _TOCTREE.finditer(source):
        body = match["body"]
        if not re.search(rf"^:caption:\s*{MAIN_CAPTION}\s*$", body, re.M):
            continue
        lines = body.split("\n")
        entries = [k for k, line in enumerate(lines) if line.strip() and not line.startswith(":")]
        if after is None:
            at = (entries[-1] + 1) if entries else len(lines) - 1
        else:
            found = [k for k in entries if lines[k].strip() == after]
            if not found:
                listed = ", ".join(lines[k].strip() for k in entries)
                raise Refused(f"--after {after}: not in the {MAIN_CAPTION} toctree ({listed})")
            at = found[0] + 1
        lines.insert(at, name)
        start, end = match.span("body")
        return source[:start] + "\n".join(lines) + source[end:]
    raise Refused(
        f"docs/index.md has no toctree with ':caption: {MAIN_CAPTION}' (the main path); add the "
        f"page to a toctree by hand"
    )


def changed_neighbours(old_index: str, new_index: str) -> list[str]:
    """Return the pages whose previous or next page differs between two versions of the index.

    Sphinx rewrites only the pages it re-reads, so their prev/next links would stay stale in an
    incremental build; the generator touches them, and the next build re-reads them (their
    cells' outputs come from the execution cache, unchanged).
    """

    def neighbours(index: str) -> dict[str, tuple[str | None, str | None]]:
        order = ["index", *toctree_entries(index)]
        return {
            doc: (order[k - 1] if k else None, order[k + 1] if k + 1 < len(order) else None)
            for k, doc in enumerate(order)
        }

    old, new = neighbours(old_index), neighbours(new_index)
    return [doc for doc in old if doc in new and old[doc] != new[doc]]


def add_key_numbers(source: str, chapter: Chapter) -> str:
    """``source`` (tests/test_site.py) with the chapter's KEY_NUMBERS entry, in name order."""
    lines = source.split("\n")
    try:
        start = next(k for k, line in enumerate(lines) if line.startswith("KEY_NUMBERS"))
        end = next(k for k in range(start, len(lines)) if lines[k] == "}")
    except StopIteration:
        raise Refused("tests/test_site.py has no KEY_NUMBERS = {...} block") from None
    keys = [
        (k, m[1]) for k in range(start + 1, end) if (m := re.match(r'^    "([\w-]+)":', lines[k]))
    ]
    at = next((k for k, key in keys if key > chapter.name), end)
    lines.insert(at, f'    "{chapter.name}": _{chapter.name}_key_numbers(),')
    comment = start
    while comment > 0 and lines[comment - 1].startswith("#"):
        comment -= 1
    lines[comment:comment] = chapter.fill("key_numbers.py.tmpl").split("\n")[:-1]
    while comment > 0 and not lines[comment - 1].strip():  # exactly two blank lines before
        del lines[comment - 1]
        comment -= 1
    lines[comment:comment] = ["", ""]
    return "\n".join(lines)


def add_terms(source: str, terms: tuple[str, ...]) -> str:
    """``source`` (conf/jieba_dict.txt) with the new terms appended, one per line."""
    known = {line.split()[0] for line in source.splitlines() if line.strip()}
    new = [t for t in dict.fromkeys(terms) if t not in known]
    return source.rstrip("\n") + "".join(f"\n{t}" for t in new) + "\n"


def plan(root: Path, chapter: Chapter) -> dict[Path, str]:
    """Every file to write or rewrite, with its new text; raises Refused before writing any."""
    check_name(root, chapter.name)
    title = chapter.title.strip()
    if not title or "\n" in title or re.search(r'\\|"""|<<|>>', title):
        raise Refused(
            'the title must be one non-empty line without backslashes, """ or <<, >>; '
            'e.g. "L2 正则化的梯度"'
        )
    for term in chapter.terms:
        if not term or re.search(r"\s", term):
            raise Refused(f"a --term is one word without spaces, got {term!r}")
    docs, conf, tests = root / "docs", root / "conf", root / "tests"
    files = {
        docs / f"{chapter.name}.md": chapter.fill("page.md.tmpl"),
        root / "linreg_src" / f"{chapter.name}.py": chapter.fill("module.py.tmpl"),
        tests / f"test_{chapter.name}.py": chapter.fill("test.py.tmpl"),
        docs / "index.md": add_to_main_toctree(
            _read(docs / "index.md"), chapter.name, chapter.after
        ),
        docs / "api.md": _read(docs / "api.md").rstrip("\n") + "\n" + chapter.fill("api.md.tmpl"),
        tests / "test_site.py": add_key_numbers(_read(tests / "test_site.py"), chapter),
    }
    if chapter.terms:
        files[conf / "jieba_dict.txt"] = add_terms(_read(conf / "jieba_dict.txt"), chapter.terms)
    return files


NEXT_STEPS = """\
Next (README, "如何新增一章"):
  1. write the chapter: linreg_src/{name}.py (and tests/test_{name}.py), then docs/{name}.md;
     numbers reach the prose only through glue, and KEY_NUMBERS in tests/test_site.py names the
     page's key numbers as they appear on the built page;
  2. fast loop:  nox -R -s docs   (or nox -s serve for a live preview)
  3. before committing:  nox -s lint  (ruff format . fixes the code's layout), nox -s tests,
     nox -s doctest, nox -s site, nox -s slow -- or bare `nox`.
  git add {paths}"""


def main(argv: list[str] | None = None) -> int:
    """Create the chapter, or print why not (exit 2)."""
    parser = argparse.ArgumentParser(
        prog="nox -s new --",
        description="Start a chapter: page, module, tests, and their registrations.",
        epilog='Example: nox -s new -- weight_decay "L2 正则化的梯度" --term 权重衰减',
    )
    parser.add_argument("name", help="page and module name, a Python identifier: weight_decay")
    parser.add_argument("title", help="the chapter's title, in Chinese")
    parser.add_argument(
        "--term",
        action="append",
        default=[],
        help="a term the chapter introduces, for the search dictionary (repeatable)",
    )
    parser.add_argument("--after", help="put the chapter after this page of the main path")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chapter = Chapter(args.name, args.title.strip(), tuple(args.term), args.after)
    try:
        files = plan(args.root, chapter)
    except Refused as why:
        print(f"new chapter refused: {why}", file=sys.stderr)
        return 2
    index = args.root / "docs" / "index.md"
    stale = changed_neighbours(_read(index), files[index])
    for path, text in files.items():
        existed = path.exists()
        path.write_text(text, "utf-8")
        print(f"{'updated' if existed else 'created'} {path.relative_to(args.root)}")
    for doc in stale:
        for page in (args.root / "docs" / f"{doc}{suffix}" for suffix in (".md", ".ipynb")):
            if page.exists() and page != index:
                page.touch()  # its prev/next link changes: the next build must rewrite it
                print(f"touched {page.relative_to(args.root)} (its previous/next page changed)")
    if not chapter.terms:
        print("no --term given: add the chapter's new terms to conf/jieba_dict.txt yourself")
    paths = " ".join(sorted(p.relative_to(args.root).as_posix() for p in files))
    print(NEXT_STEPS.format(name=chapter.name, paths=paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
