"""Measure how fast a built page becomes final on an emulated mid-range phone.

``nox -s bench-read`` runs this script on ``_build/html`` (build it first with ``nox -s docs``);
it can also be run directly with Playwright installed::

    python tools/bench_read.py                          # _build/html, error_term and index
    python tools/bench_read.py --site /tmp/old/html -r 5 --pages error_term notation

The site is served from 127.0.0.1 by a thread (HTTP/1.1, keep-alive). Debian's chromium
(``/usr/bin/chromium``) opens each page in a fresh browser context -- an empty cache, a first
view -- with the profile of a mid-range phone, set through the DevTools protocol:

- a 390 x 844 viewport at device scale 3, touch, a mobile user agent;
- the CPU slowed down 4 times (``Emulation.setCPUThrottlingRate``);
- 6.4 Mbit/s down, 3.2 Mbit/s up, 150 ms latency (``Network.emulateNetworkConditions``).

Each page is opened twice per round, in the same run: **as built**, and as its **floor**, the same
HTML with every ``<script>`` and script preload removed (the server strips them when the URL ends
in ``?floor``), so only HTML, CSS, fonts and images load. The page counts as final once the
``load`` event has ended, the last web font has loaded, MathJax (if the page runs it) has typeset
its math, and nothing has moved for a second; "final" is the latest of those moments (and of
the last layout shift), in milliseconds since navigation started. First-view bytes are what
crossed the emulated network until then (``encodedDataLength`` of every response).

``--compress`` chooses what the server sends: ``none`` (like ``python -m http.server``), ``gzip``
(HTML, CSS, JS, SVG and JSON gzipped, like a static host), or ``both`` (the default: two tables).
Medians over ``-r`` rounds are printed; nothing is asserted -- the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import platform
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-domain-reliability",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: The emulated phone (see the module docstring).
CPU_SLOWDOWN = 4
DOWN_MBIT, UP_MBIT, LATENCY_MS = 6.4, 3.2, 150
VIEWPORT = {"width": 390, "height": 844}
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7a) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)
QUIET_MS = 1000  # nothing new for this long after load: the page is final
TIMEOUT_S = 90
COMPRESSIBLE = {".html", ".css", ".js", ".svg", ".json", ".txt", ".map", ".woff", ".ttf", ".otf"}
_SCRIPT = re.compile(r"<script\b.*?</script>\s*", re.S | re.I)
_PRELOAD = re.compile(r'<link\b[^>]*rel="(?:preload|modulepreload)"[^>]*as="script"[^>]*/?>\s*')

#: Runs in every page before its own scripts: records when fonts finish loading, when MathJax
#: (if any) has typeset the page, and layout shifts.
PROBE_JS = r"""
(() => {
  const probe = { fontsDone: 0, mathDone: null, lastShift: 0, shifts: 0 };
  window.__readProbe = probe;
  document.fonts.addEventListener('loadingdone', () => { probe.fontsDone = performance.now(); });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) { probe.shifts += e.value; probe.lastShift = e.startTime; }
    }
  }).observe({ type: 'layout-shift', buffered: true });
  const timer = setInterval(() => {
    const mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      clearInterval(timer);
      probe.mathDone = -1;
      mj.startup.promise.then(() => { probe.mathDone = performance.now(); });
    }
  }, 20);
  addEventListener('load', () => setTimeout(() => clearInterval(timer), 0));
})();
"""

READ_JS = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const p = window.__readProbe;
  const resources = performance.getEntriesByType('resource');
  const lastResource = Math.max(0, ...resources.map((r) => r.responseEnd));
  return {
    load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd, fonts: p.fontsDone,
    math: p.mathDone, lastShift: p.lastShift, shifts: p.shifts, lastResource,
    requests: resources.length + 1, now: performance.now(),
  };
}"""


def floor_html(html: str) -> str:
    """Strip every ``<script>`` element and script preload from a page: its floor."""
    return _PRELOAD.sub("", _SCRIPT.sub("", html))


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    compress = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = Path(self.translate_path(url.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        if url.query == "floor" and path.suffix == ".html":
            body = floor_html(body.decode("utf-8")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Cache-Control", "no-cache")
        if self.compress and path.suffix in COMPRESSIBLE:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(site: Path, compress: bool) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = type("Handler", (_Handler,), {"compress": compress})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Visit:
    """One first view of one page."""

    final_ms: float
    load_ms: float
    fonts_ms: float
    math_ms: float | None
    kbytes: float
    requests: int
    shift: float


def visit(browser, url: str) -> Visit:
    """Open ``url`` as a first view on the emulated phone; wait until it is final."""
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=USER_AGENT,
        service_workers="block",
    )
    try:
        page = context.new_page()
        page.add_init_script(PROBE_JS)
        cdp = context.new_cdp_session(page)
        received: dict[str, float] = {}
        cdp.on(
            "Network.loadingFinished",
            lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": DOWN_MBIT * 1e6 / 8,
                "uploadThroughput": UP_MBIT * 1e6 / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.goto(url, wait_until="load", timeout=TIMEOUT_S * 1000)
        deadline = time.monotonic() + TIMEOUT_S
        last_change, last_state = time.monotonic(), None
        while time.monotonic() < deadline:
            state = page.evaluate(READ_JS)
            key = (state["fonts"], state["math"], state["lastShift"], state["requests"])
            if key != last_state:
                last_state, last_change = key, time.monotonic()
            math_pending = state["math"] is not None and state["math"] < 0
            if not math_pending and time.monotonic() - last_change > QUIET_MS / 1000:
                break
            page.wait_for_timeout(100)
        else:
            raise TimeoutError(f"{url} did not settle within {TIMEOUT_S} s")
        marks = [state["load"], state["fonts"], state["lastShift"], state["math"] or 0]
        return Visit(
            final_ms=max(marks),
            load_ms=state["load"],
            fonts_ms=state["fonts"],
            math_ms=state["math"],
            kbytes=sum(received.values()) / 1000,
            requests=state["requests"],
            shift=state["shifts"],
        )
    finally:
        context.close()


def median_visit(visits: list[Visit]) -> Visit:
    """Pick the visit whose final time is the median (an actual run, not a mix of runs)."""
    ordered = sorted(visits, key=lambda v: v.final_ms)
    return ordered[(len(ordered) - 1) // 2]


def main(argv: list[str] | None = None) -> int:
    """Serve the site, visit each page as built and as its floor, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--pages", nargs="+", default=["error_term", "index"])
    parser.add_argument("-r", "--rounds", type=int, default=3)
    parser.add_argument("--compress", choices=("none", "gzip", "both"), default="both")
    parser.add_argument("--json", type=Path, help="also write every visit to this file")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    for page in args.pages:
        if not (args.site / f"{page}.html").is_file():
            parser.error(f"{args.site / f'{page}.html'} does not exist (run `nox -s docs` first?)")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is absent: `apt-get install chromium`")

    from playwright.sync_api import sync_playwright

    modes = ["none", "gzip"] if args.compress == "both" else [args.compress]
    print(
        f"site {args.site}\nphone: {VIEWPORT['width']} px, CPU /{CPU_SLOWDOWN}, "
        f"{DOWN_MBIT} Mbit/s down, {UP_MBIT} up, {LATENCY_MS} ms latency; "
        f"{args.rounds} round(s), medians; first view, empty cache\n"
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    record: dict[str, dict[str, list[dict]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for mode in modes:
                results: dict[tuple[str, str], list[Visit]] = {}
                with serve(args.site, compress=mode == "gzip") as base:
                    for _ in range(args.rounds):
                        for page in args.pages:  # built and floor interleaved, same conditions
                            for variant, suffix in (("built", ""), ("floor", "?floor")):
                                v = visit(browser, f"{base}{page}.html{suffix}")
                                results.setdefault((page, variant), []).append(v)
                print(f"\ncompression: {mode}")
                print(
                    "| page | as built: final | floor (HTML + CSS) | ratio "
                    "| first-view bytes | requests | load | fonts | math |"
                )
                print("|---|---|---|---|---|---|---|---|---|")
                for page in args.pages:
                    built = median_visit(results[(page, "built")])
                    floor = median_visit(results[(page, "floor")])
                    math = "-" if built.math_ms is None else f"{built.math_ms / 1000:.1f} s"
                    print(
                        f"| {page} | {built.final_ms / 1000:.2f} s | {floor.final_ms / 1000:.2f} s "
                        f"| {built.final_ms / floor.final_ms:.2f}x "
                        f"| {built.kbytes / 1000:.2f} MB (floor {floor.kbytes / 1000:.2f}) "
                        f"| {built.requests} | {built.load_ms / 1000:.2f} s "
                        f"| {built.fonts_ms / 1000:.2f} s | {math} |"
                    )
                record[mode] = {
                    f"{page}:{variant}": [vars(v) for v in visits]
                    for (page, variant), visits in results.items()
                }
        finally:
            browser.close()
    if args.json:
        args.json.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
