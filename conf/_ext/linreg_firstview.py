"""What a reader's first view of a page loads: only what it shows, nothing that blocks it.

sphinx-book-theme (and pydata-sphinx-theme under it) makes every page load Font Awesome's icon
script (``fontawesome.js``, 1.56 MB) to draw about fifteen icons, preload two scripts, and run
about a dozen scripts -- among them the search index, which only the search page reads -- before
the page may render. This extension, with ``conf/_templates/layout.html``, changes that:

Icons
    The icons in :data:`linreg_icons` (``conf.py``) are drawn by one small stylesheet,
    ``_static/icons.css``: each is a CSS mask holding the very path the theme's ``fontawesome.js``
    has for it, read from the installed theme at build time. The theme's markup (``<i
    class="fa-solid fa-sun">``) stays as it is; neither the script nor Font Awesome's web font
    (115 KB, which the theme's stylesheet would otherwise fetch) is loaded. After the build,
    every icon class in the site must be in the list: a missing one is a warning (an error in
    the strict build) naming it.
Icon font
    The theme's stylesheets still draw a few glyphs with Font Awesome's web font (admonition
    titles: a light bulb, a pencil ...). After the build, each of the theme's Font Awesome fonts
    in ``_static`` is cut down (fontTools) to the glyphs those stylesheets name outside the icon
    classes -- a few kilobytes instead of 115 KB -- with the same glyph shapes.
Scripts
    ``layout.html`` drops the ``fontawesome.js`` tag and the script preloads, and the search
    scripts on every page but the search page (the theme's search-as-you-type is off, so only
    that page searches). Every remaining script file is ``defer``-ed: it downloads while the page
    renders and runs, in order, once the HTML is parsed. An inline script that uses
    ``DOCUMENTATION_OPTIONS`` (set by a deferred file) becomes a module script, which runs in
    that same order. A page without tabs, toggles or code blocks does not load the scripts for
    them (:data:`ONLY_IF`). The search page keeps its scripts as they are: its template runs
    Sphinx's search right after them.
Images
    An image with no size gets its file's ``width`` and ``height``, so the browser reserves its
    box before the file arrives and nothing below it jumps.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.images import get_image_size

logger = logging.getLogger(__name__)

ICONS_CSS = "icons.css"
#: Font Awesome's style classes -> the pack (``fontawesome.js`` prefix) they draw from.
STYLES = {"fa-solid": "fas", "fas": "fas", "fa-regular": "far", "far": "far"}
STYLES |= {"fa-brands": "fab", "fab": "fab"}
#: Classes that size or place an icon rather than name one.
MODIFIERS = {"fa-fw", "fa-lg", "fa-xs", "fa-sm", "fa-xl", "fa-2x", "fa-3x", "fa-spin", "fa"}
#: Room around the 512-unit glyph box: Font Awesome 7 draws a little outside it (sun's rays).
PAD = 64
_CLASS = re.compile(r'class="([^"]*)"')


# -- Icons ---------------------------------------------------------------------------------------
def fontawesome_js() -> Path:
    """The installed pydata-sphinx-theme's ``fontawesome.js``."""
    import pydata_sphinx_theme

    path = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/scripts"
    return path / "fontawesome.js"


def _pack_ranges(source: str) -> dict[str, tuple[int, int]]:
    """Where each icon pack's object literal sits in ``fontawesome.js``: prefix -> (start, end).

    The minified file defines each pack as ``var b={name:[width,height,[aliases],"code",path],
    ...}`` and hands it to a function with its prefix, ``p("fas",b)``.
    """
    ranges = {}
    for start in re.finditer(r'(?:var |,)([\w$]+)=\{"?[a-z0-9-]+"?:\[\d+,\d+,\[', source):
        depth, index, in_string = 0, source.index("{", start.start()), False
        begin = index
        while True:
            char = source[index]
            if in_string:
                if char == "\\":
                    index += 1
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        call = re.compile(r'\w\("(fa[a-z]+)",' + re.escape(start.group(1)) + r"\)")
        found = call.search(source, index, index + 2000)
        if found:
            ranges[found.group(1)] = (begin, index)
    return ranges


def icon_paths(source: str, wanted: dict[str, list[str]]) -> dict[tuple[str, str], tuple]:
    """``{(pack, name): (width, height, [path data, ...])}`` for the wanted icons."""
    ranges = _pack_ranges(source)
    found = {}
    for pack, names in wanted.items():
        if pack not in ranges:
            raise ExtensionError(f"fontawesome.js: no icon pack {pack!r} (found {sorted(ranges)})")
        begin, end = ranges[pack]
        for name in names:
            entry = re.compile(
                r'[{,]"?' + re.escape(name) + r'"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+",'
                r'("(?:[^"\\]|\\.)*"|\[(?:"(?:[^"\\]|\\.)*",?)*\])\]'
            ).search(source, begin, end)
            if entry is None:
                raise ExtensionError(
                    f"fontawesome.js has no icon {name!r} in pack {pack!r}: "
                    "is it spelled as the theme spells it?"
                )
            paths = re.findall(r'"((?:[^"\\]|\\.)*)"', entry.group(3))
            found[(pack, name)] = (int(entry.group(1)), int(entry.group(2)), paths)
    return found


def icon_css(icons: dict[tuple[str, str], tuple]) -> str:
    """The stylesheet: one mask per icon, each the theme's own glyph."""
    selectors = {pack: [k for k, v in STYLES.items() if v == pack] for pack in set(STYLES.values())}
    classes = ", ".join(f".{c}" for c in [*sorted(STYLES), "fa"])
    lines = [
        "/* Only the icons the book uses (conf.py: linreg_icons), as CSS masks of the paths in the",
        "   theme's fontawesome.js, instead of that 1.5 MB script or Font Awesome's web font.",
        "   Written by conf/_ext/linreg_firstview.py. */",
        "/* The icon's box is the one Font Awesome's script gave its <svg>: 1em high, as wide as",
        "   --fa-width (1.25em, or what the theme sets); the glyph is fitted in it and may reach a",
        "   little beyond it, as the <svg>'s did. */",
        f":where({classes}) {{",
        "  position: relative;",
        "  box-sizing: content-box;",
        "  display: var(--fa-display, inline-block);",
        "  height: 1em;",
        "  width: var(--fa-width, 1.25em);",
        "  vertical-align: -0.125em;",
        "}",
        f":where({classes}).fa-lg {{",
        "  vertical-align: -0.2em;",
        "}",
        f":is({classes})::before {{",
        '  content: "" !important;',
        "  position: absolute;",
        f"  inset: {-100 * PAD / 512:g}%;",
        "  background-color: currentColor;",
        "  -webkit-mask: var(--book-icon) center / contain no-repeat;",
        "  mask: var(--book-icon) center / contain no-repeat;",
        "}",
    ]
    for (pack, name), (width, height, paths) in sorted(icons.items()):
        box = f"{-PAD} {-PAD} {width + 2 * PAD} {height + 2 * PAD}"
        drawing = "".join(f"<path d='{d}'/>" for d in paths)
        svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='{box}'>{drawing}</svg>"
        url = "data:image/svg+xml," + urllib.parse.quote(svg, safe=" /:=',-.")
        style = ", ".join(f".{c}.fa-{name}" for c in selectors[pack])
        lines.append(f':is({style}) {{ --book-icon: url("{url}"); }}')
    return "\n".join(lines) + "\n"


def write_icons(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    wanted: dict[str, list[str]] = {}
    for style, names in app.config.linreg_icons.items():
        if style not in STYLES:
            raise ExtensionError(f"linreg_icons: unknown style {style!r}, expected one of {STYLES}")
        wanted.setdefault(STYLES[style], []).extend(names)
    source = fontawesome_js().read_text("utf-8")
    css = icon_css(icon_paths(source, wanted))
    target = Path(app.outdir, "_static", ICONS_CSS)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_text("utf-8") != css:
        target.write_text(css, "utf-8")
    app.add_css_file(ICONS_CSS)


def icons_in(html: str) -> set[tuple[str, str]]:
    """``{(style, icon)}`` of every Font Awesome ``<i>``/``<span>`` class in a page."""
    used = set()
    for match in _CLASS.finditer(html):
        classes = match.group(1).split()
        names = [
            c[3:] for c in classes if c.startswith("fa-") and c not in STYLES.keys() | MODIFIERS
        ]
        for style in (c for c in classes if c in STYLES):
            used.update((STYLES[style], name) for name in names)
    return used


def check_icons(app: Sphinx, exception: Exception | None) -> None:
    """Every icon a built page names must be drawn by icons.css."""
    if exception is not None or app.builder.format != "html":
        return
    drawn = {(STYLES[s], n) for s, names in app.config.linreg_icons.items() for n in names}
    for page in sorted(Path(app.outdir).glob("**/*.html")):
        for pack, name in sorted(icons_in(page.read_text("utf-8")) - drawn):
            logger.warning(
                "%s shows the icon %s (%s) that _static/%s does not draw: add it to "
                "linreg_icons in conf/conf.py",
                page.relative_to(app.outdir),
                name,
                pack,
                ICONS_CSS,
                type="linreg_firstview",
            )


# -- Icon font ------------------------------------------------------------------------------------
#: Characters of Unicode's private use area: where Font Awesome puts its glyphs.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]|\\\\(?:f[0-9a-f]{3}|e[0-9a-f]{3})", re.I)
_DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;{}]*)")


def css_glyphs(stylesheets: list[str]) -> set[int]:
    """Font Awesome code points that stylesheets draw, outside the icon classes' ``--fa``."""
    points = set()
    for css in stylesheets:
        for name, value in _DECLARATION.findall(css):
            if name == "--fa":  # .fa-sun{--fa:"\f185"}: icons.css draws those, not the font
                continue
            for glyph in _PRIVATE_USE.findall(value):
                points.add(ord(glyph) if len(glyph) == 1 else int(glyph[1:], 16))
    return points


def subset_icon_fonts(app: Sphinx, exception: Exception | None) -> None:
    """Cut the theme's Font Awesome web fonts in the site down to the glyphs the CSS uses."""
    if exception is not None or app.builder.format != "html":
        return
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = Path(app.outdir, "_static")
    fonts = sorted(static.glob("vendor/fontawesome/webfonts/*.woff2"))
    if not fonts:
        return
    stylesheets = [p.read_text("utf-8", errors="replace") for p in sorted(static.rglob("*.css"))]
    wanted = css_glyphs(stylesheets)
    for path in fonts:
        font = TTFont(path, recalcTimestamp=False)
        keep = sorted(wanted & set(font.getBestCmap()))
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = []
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        font.flavor = "woff2"
        font.save(path, reorderTables=False)


# -- Scripts -------------------------------------------------------------------------------------
def drop_lines(text: str, *needles: str) -> Markup:
    """Template filter: ``text`` without the lines that contain any of ``needles``."""
    kept = [line for line in str(text).split("\n") if not any(n in line for n in needles)]
    return Markup("\n".join(kept))


def register_filter(app: Sphinx) -> None:
    if app.builder.format == "html" and hasattr(app.builder, "templates"):
        app.builder.templates.environment.filters["drop_lines"] = drop_lines


#: Scripts a page loads only when its text has what they work on (a pattern of the page body's
#: HTML): sphinx-design's tabs, sphinx-togglebutton's toggles (``.toggle, .admonition.dropdown``),
#: sphinx-copybutton's buttons on code blocks.
ONLY_IF = {
    "_static/design-tabs.js": re.compile(r'class="[^"]*\bsd-tab-set\b'),
    "_static/togglebutton.js": re.compile(r'class="[^"]*\b(?:toggle|dropdown)\b'),
    "_static/clipboard.min.js": re.compile(r'class="[^"]*\bhighlight\b'),
    "_static/copybutton.js": re.compile(r'class="[^"]*\bhighlight\b'),
}


def defer_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Every script file ``defer``-ed, or dropped where the page has nothing for it to do."""
    scripts = context.get("script_files")
    if app.builder.format != "html" or not scripts or pagename == "search":
        return  # the search page's template runs searchtools.js right after these, in order
    body = context.get("body", "")
    deferred = []
    for script in scripts:
        attributes = dict(script.attributes)
        needs = ONLY_IF.get(str(script.filename))
        if needs is not None and not needs.search(body):
            continue
        if script.filename:
            if not {"async", "defer"} & attributes.keys() and attributes.get("type") != "module":
                attributes["defer"] = "defer"
        elif "DOCUMENTATION_OPTIONS" in attributes.get("body", ""):
            attributes["type"] = "module"  # modules run deferred, in order with the files
        deferred.append(type(script)(script.filename, priority=script.priority, **attributes))
    context["script_files"] = deferred


# -- Images --------------------------------------------------------------------------------------
def size_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give each local image without a size its file's width and height (in pixels)."""
    for image in doctree.findall(nodes.image):
        if "width" in image or "height" in image or "scale" in image:
            continue
        uri = image.get("candidates", {}).get("*", image["uri"])
        if "://" in uri or uri.startswith("data:"):
            continue
        size = get_image_size(Path(app.srcdir, uri))
        if size and size[0] > 0 and size[1] > 0:
            image["width"], image["height"] = str(size[0]), str(size[1])


def setup(app: Sphinx) -> dict[str, Any]:
    #: Font Awesome style class -> icon names (without "fa-") drawn by _static/icons.css.
    app.add_config_value("linreg_icons", {}, "html", types=[dict])
    app.connect("builder-inited", register_filter)
    app.connect("builder-inited", write_icons)
    app.connect("doctree-resolved", size_images)
    app.connect("html-page-context", defer_scripts, priority=900)  # after every other handler
    app.connect("build-finished", check_icons)
    app.connect("build-finished", subset_icon_fonts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
