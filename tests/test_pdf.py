"""Tests on the PDF ($LINREG_PDF; ``nox -s pdf`` builds it, then runs these).

The PDF is read as a reader's tools read it -- ``pdffonts`` (which fonts are embedded),
``pdftotext`` (what text a search or a copy finds), ``pdftoppm`` (what a page looks like) -- and
its LaTeX source and log beside it are checked for what the PDF cannot show by itself: every
equation tagged with the site's number, folded solutions at the end of their chapter, no glyph
missing from its font.

On a machine without TeX or poppler every test here skips, naming the Debian packages to install.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import re
import runpy
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BUILD = runpy.run_path(str(ROOT / "conf" / "build_env.py"))
PDF_TOOLS: dict[str, str] = BUILD["PDF_TOOLS"]
PDF_PACKAGES: list[str] = BUILD["PDF_PACKAGES"]
#: A PDF to send by mail: Gmail, Outlook and QQ Mail take 20-25 MB attachments.
MAIL_LIMIT_MB = 20


def _load_key_numbers() -> dict[str, list[str]]:
    """tests/test_site.py's KEY_NUMBERS: each page's numbers, as the HTML page shows them."""
    path = Path(__file__).with_name("test_site.py")
    spec = importlib.util.spec_from_file_location("_site_keys", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.KEY_NUMBERS


@pytest.fixture(scope="session")
def pdf() -> Path:
    """The built PDF named by $LINREG_PDF; skips, naming what to install, where TeX is missing."""
    missing = sorted({PDF_TOOLS[tool] for tool in PDF_TOOLS if shutil.which(tool) is None})
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: no PDF to test. Install the Debian packages "
            f"{' '.join(PDF_PACKAGES)} (.ci/run does), then run `nox -s pdf`"
        )
    value = os.environ.get("LINREG_PDF")
    if not value:
        pytest.fail("LINREG_PDF is not set: run these tests with `nox -s pdf`")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `nox -s pdf`")
    return path


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@cache
def text_of(pdf: Path) -> str:
    return run("pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-")  # table rows stay rows


def compact(text: str) -> str:
    return "".join(text.split())


def page_titles() -> dict[str, str]:
    """Each page's title, from its first Markdown heading, markup removed."""
    titles = {}
    for path in sorted(DOCS.glob("*.md")):
        match = re.search(r"^# (.+)$", path.read_text("utf-8"), re.M)
        if match:
            titles[path.stem] = re.sub(r"`|\{[\w:-]+\}", "", match[1]).strip()
    return titles


def test_cjk_fonts_are_embedded(pdf):
    """Every font is embedded (a reader's machine need not have any); Chinese text is set in
    Noto Serif CJK, headings in Noto Sans CJK, and the log shows the CJK mono font loaded."""
    lines = run("pdffonts", str(pdf)).splitlines()[2:]
    fonts = {line.split()[0].split("+", 1)[-1]: line.split() for line in lines}
    assert fonts
    not_embedded = [name for name, cols in fonts.items() if cols[-5] != "yes"]
    assert not not_embedded, f"fonts not embedded: {not_embedded}"
    names = " ".join(fonts)
    assert "NotoSerifCJK" in names and "NotoSansCJK" in names, names
    # The three CJK faces of one .ttc share one CFF program (named ...CJKjp) in pdffonts; the
    # log tells which faces xelatex loaded.
    log = pdf.with_suffix(".log").read_text("utf-8", errors="replace")
    log = re.sub(r"\n\(fontspec\)\s+", " ", log)  # fontspec wraps its messages
    for family in ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"):
        assert re.search(rf"'{family}' with options \[Script=\{{CJK\}}", log), (
            f"{family}: not loaded"
        )


def test_no_glyph_is_missing(pdf):
    log = pdf.with_suffix(".log").read_text("utf-8", errors="replace")
    missing = [line for line in log.splitlines() if "Missing character" in line]
    assert not missing, "\n".join(missing[:20])


def test_small_enough_to_mail(pdf):
    size_mb = pdf.stat().st_size / 1e6
    assert size_mb < MAIL_LIMIT_MB, f"{pdf.name} is {size_mb:.1f} MB"


def test_every_chapter_is_in_the_table_of_contents(pdf):
    pages = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M)[1])
    titles = page_titles()
    assert pages > 3 * len(titles), f"{pages} pages for {len(titles)} chapters"
    toc = compact(run("pdftotext", "-f", "1", "-l", "4", str(pdf), "-"))
    missing = [t for page, t in titles.items() if page != "index" and compact(t) not in toc]
    assert not missing, f"chapters missing from the table of contents: {missing}"


def pdf_pieces(fragment: str) -> list[str]:
    r"""The parts of a KEY_NUMBERS fragment that the PDF prints as text, not as math.

    The HTML fragments hold MathJax source (``\(l=\tfrac12\delta^2=\)200``); in the PDF the
    math is typeset, so only the text around it can be found by ``pdftotext``.

    >>> pdf_pieces(r"Loss}\)为4。")
    ['为4。']
    >>> pdf_pieces(r"\(l=\tfrac12\delta^2=\)200，与\(x\)原文")
    ['200，与', '原文']
    """
    close, open_ = fragment.find("\\)"), fragment.find("\\(")
    if close != -1 and (open_ == -1 or close < open_):  # it starts inside math
        fragment = fragment[close + 2 :]
    parts = re.split(r"\\\(.*?\\\)", fragment)
    parts[-1] = parts[-1].split("\\(")[0]
    return [p for p in parts if p]


@pytest.mark.parametrize("page", sorted(_load_key_numbers()))
def test_key_numbers_are_in_the_pdf(pdf, page):
    """The numbers the HTML page shows (tests/test_site.py's KEY_NUMBERS) are in the PDF too."""
    text = compact(text_of(pdf))
    missing = [
        (fragment, piece)
        for fragment in _load_key_numbers()[page]
        for piece in pdf_pieces(fragment)
        if piece not in text
    ]
    assert not missing, f"{page}: not in the PDF: {missing}"


def latex_source(pdf: Path) -> str:
    return pdf.with_suffix(".tex").read_text("utf-8")


def test_equations_carry_the_sites_numbers(pdf):
    """Every labelled equation is tagged with the number the site gives it."""
    env_pickle = pdf.parent.parent / "doctrees-latex" / "environment.pickle"
    with env_pickle.open("rb") as f:
        env = pickle.load(f)
    tagged = re.findall(
        r"\\label\{equation:([^:}]+):([^}]+)\}(\\tag\{([^}]*)\})?", latex_source(pdf)
    )
    assert tagged
    for docname, label, _, number in tagged:
        site = env.toc_fignumbers[docname]["displaymath"][f"equation-{label}"]
        assert number == ".".join(map(str, site)), f"{docname}: {label} is ({number}), site {site}"


def test_folded_solutions_close_their_chapter(pdf):
    chapters = re.split(r"\\chapter\{", latex_source(pdf))[1:]
    with_solutions = 0
    for chapter in chapters:
        solutions = [m.start() for m in re.finditer(r"\\label\{[^}]*-solution-", chapter)]
        if not solutions:
            continue
        with_solutions += 1
        heading = chapter.find("\\section*{练习答案}")
        assert heading != -1 and heading < min(solutions), chapter[:80]
        assert chapter.count("答案见第") == len(solutions)
    folded = re.compile(r"^`{3,}\{solution\}[^\n]*\n(:[\w-]+:[^\n]*\n)*:class: dropdown", re.M)
    pages = [p for p in DOCS.glob("*.md") if folded.search(p.read_text("utf-8"))]
    assert with_solutions == len(pages)


def test_both_variants_of_every_tab_set_are_printed(pdf):
    text = compact(text_of(pdf))
    for path in sorted(DOCS.glob("*.md")):
        for label in re.findall(r"^:::+\{tab-item\} (.+)$", path.read_text("utf-8"), re.M):
            assert compact(label) in text, f"{path.name}: tab {label!r} not printed"


def test_a_page_renders(pdf, tmp_path):
    """The first page of chapter 1 renders to a PNG with ink on it (look at it yourself too:
    ``pdftoppm -r 60 -png -f N -l N``)."""
    run("pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    (png,) = tmp_path.glob("page*.png")
    assert png.stat().st_size > 2_000
