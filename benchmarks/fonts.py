"""What the `fonts` step costs per capture: a small page, a page in nine scripts, real articles.

Reproduce from the repository root:

    .venv/bin/python benchmarks/fonts.py              # add --rounds N to vary (default 10)

Each page is captured `rounds` times through the product's path (`CaptureEngine.capture`, the
headless shell when installed), after one warm-up capture that also reads fontconfig's coverage
(reported apart as the first capture's step time). Reported per page: the median and p95 of the
`fonts` step's own time (it runs between the DOM and the end of the capture, so it adds to the
capture's duration one for one), the median capture duration, the step's share of it, and how
many text nodes the page has and how many Chromium was asked about. Articles are recorded real
pages from tests/fixtures, served with a Content-Security-Policy that keeps the browser on
127.0.0.1 (no scripts, no outside requests), as the benchmark has no internet.
"""

import argparse
import asyncio
import os
import statistics
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.capture.engine import CaptureEngine  # noqa: E402
from collector.capture.settings import CaptureSettings  # noqa: E402

ARTICLES = ROOT / "tests" / "fixtures" / "news-articles-embedding-tweets"
CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'none'"
SCRIPTS = (
    "Съешь же ещё этих мягких французских булок · 我能吞下玻璃而不伤身体 · أنا قادر على أكل الزجاج"
    " · אני יכול לאכול זכוכית · मैं काँच खा सकता हूँ · ฉันกินกระจกได้ · მინას ვჭამ"
    " · Կրնամ ապակի ուտել · 🇨🇳🤬"
)


def _pages() -> dict[str, bytes]:
    small = "<!doctype html><meta charset=utf-8><h1>Small</h1>" + "<p>Some text.</p>" * 5
    scripts = "<!doctype html><meta charset=utf-8>" + f"<p>{SCRIPTS}</p>" * 9
    pages = {"/small": small.encode(), "/scripts": scripts.encode()}
    for name in ("postlight__takagi-hiromitsu.jp.html", "readability__breitbart__source.html"):
        pages[f"/{name}"] = (ARTICLES / name).read_bytes()
    return pages


class _Handler(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        body = self.pages.get(self.path, b"")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


async def measure(base: str, paths: list[str], rounds: int) -> None:
    """Capture every page `rounds` times and print the step's cost."""
    settings = CaptureSettings(allow_private=True, concurrency=1)
    async with CaptureEngine(settings) as engine:
        first = await engine.capture(f"{base}/small")
        print(f"browser: {engine.identity.name} {engine.browser_version}")
        print(
            f"first capture of the process: fonts step {first.details['timings_s']['fonts']:.3f} s"
        )
        print(f"{'page':42} {'median s':>8} {'p95 s':>7} {'capture s':>9} {'share':>6} nodes")
        for path in paths:
            steps, totals = [], []
            for _ in range(rounds):
                result = await engine.capture(f"{base}{path}")
                steps.append(result.details["timings_s"]["fonts"])
                totals.append(result.duration_s)
            fonts = result.details["fonts"]
            median, total = statistics.median(steps), statistics.median(totals)
            p95 = sorted(steps)[max(0, round(0.95 * len(steps)) - 1)]
            nodes = f"{fonts['text_nodes_checked']}/{fonts['text_nodes']}"
            share = median / total
            print(f"{path[:42]:42} {median:8.3f} {p95:7.3f} {total:9.3f} {share:6.1%} {nodes}")


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    _Handler.pages = _pages()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        base = f"http://127.0.0.1:{server.server_port}"
        asyncio.run(measure(base, list(_Handler.pages), args.rounds))
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


if __name__ == "__main__":
    main()
