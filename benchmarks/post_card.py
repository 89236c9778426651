"""Post card benchmark: what drawing a post's card adds to its capture.

Reproduce from the repository root:

    .venv/bin/python benchmarks/post_card.py            # --rounds N, --concurrency N

Four recorded posts (X GraphQL with three photos and an avatar, X oEmbed with emoji, a Telegram
post page with a photo, a Bluesky thread with an avatar; the same fixtures and loopback fake web
as tests/collect/test_post_card.py) are fetched and their media downloaded once; then each
round draws every card with `make_post_card` (avatar download, HTML, PNG by the capture engine's
Chromium) on one open engine, `--concurrency` cards at a time. Printed: median and p95 seconds
per card, cards per minute, the HTML-only time, and the PNG sizes. The browser is the one the
engine picks (the headless shell when installed).

`--acquire N` instead acquires an X post of the offline test world N times through the product's
path (`capture_stack`, `Acquirer.acquire`: page capture, platform data, media, card) and prints
the median page capture time beside the median time the card added (`post_card.details
["render_s"]`), i.e. the card's share of one post's acquisition.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.capture.engine import CaptureEngine  # noqa: E402
from collector.capture.settings import CaptureSettings  # noqa: E402
from collector.collect.post_card import CardRenderer, card_html, make_post_card  # noqa: E402
from collector.collect.stack import capture_stack  # noqa: E402
from collector.platforms import media  # noqa: E402
from collector.platforms.result import PlatformResult  # noqa: E402
from tests.collect.test_post_card import (  # noqa: E402
    CONFIG,
    MOMENT,
    bluesky_thread,
    telegram_page,
    x_graphql,
    x_oembed,
)
from tests.platforms.fakeweb import FakeWeb  # noqa: E402
from tests.world.server import World  # noqa: E402

BUILDS = (x_graphql, x_oembed, telegram_page, bluesky_thread)
WORLD_POST = "https://x.com/UaSmart/status/934106870834454529"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def run(rounds: int, concurrency: int) -> None:
    web = FakeWeb().start()
    try:
        async with web.client() as client, CaptureEngine(CaptureSettings()) as engine:
            posts: list[PlatformResult] = []
            for build in BUILDS:
                result = await build(web, client)
                await media.download_all(result, client, CONFIG)
                posts.append(result)
            print(f"browser: {engine.identity.name} {engine.browser_version}")
            cards = CardRenderer(engine.browser)
            print(f"load average: {os.getloadavg()[0]:.2f}")
            await make_post_card(  # warm-up, not counted
                posts[0], cards, client, CONFIG, captured_at=MOMENT, captured_url="u"
            )
            html_times = []
            for post in posts:
                began = time.perf_counter()
                card_html(post, captured_at=MOMENT, captured_url="u", post_json_sha256="0" * 64)
                html_times.append(time.perf_counter() - began)
            slots = asyncio.Semaphore(concurrency)
            times: list[float] = []
            sizes: dict[str, int] = {}

            async def one(post: PlatformResult) -> None:
                async with slots:
                    began = time.perf_counter()
                    card = await make_post_card(
                        post, cards, client, CONFIG, captured_at=MOMENT, captured_url="u"
                    )
                    times.append(time.perf_counter() - began)
                    assert card.png is not None, card.error
                    sizes[post.platform + ":" + (post.post_id or "")] = len(card.png)

            began = time.perf_counter()
            await asyncio.gather(*(one(post) for _ in range(rounds) for post in posts))
            wall = time.perf_counter() - began
    finally:
        web.stop()
    print(f"cards: {len(times)} at concurrency {concurrency}")
    print(f"per card: median {statistics.median(times):.3f} s, p95 {_p95(times):.3f} s")
    print(f"throughput: {len(times) / wall * 60:.1f} cards/min")
    print(f"HTML only: median {statistics.median(html_times) * 1000:.1f} ms")
    print("PNG bytes: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


async def acquire(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(ca_dir=Path(folder)).start()
        try:
            settings = CaptureSettings(
                allow_private=True,
                host_resolver_rules=world.resolver_rules,
                extra_ca_file=str(world.ca_file),
            )
            pages, cards, totals = [], [], []
            async with capture_stack(settings, CONFIG) as stack:
                print(f"browser: {stack.engine.identity.name} {stack.engine.browser_version}")
                print(f"load average: {os.getloadavg()[0]:.2f}")
                for index in range(count + 1):
                    began = time.perf_counter()
                    got = await stack.acquirer.acquire(WORLD_POST)
                    total = time.perf_counter() - began
                    assert got.post_card is not None and got.post_card.png is not None
                    if index:  # the first one warms the browser up
                        pages.append(got.capture.duration_s)
                        cards.append(got.post_card.details["render_s"])
                        totals.append(total)
        finally:
            world.stop()
    print(f"acquisitions of {WORLD_POST}: {count}")
    print(f"page capture: median {statistics.median(pages):.3f} s")
    print(f"post card: median {statistics.median(cards):.3f} s, p95 {_p95(cards):.3f} s")
    print(f"whole acquire: median {statistics.median(totals):.3f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--acquire", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.acquire:
        asyncio.run(acquire(args.acquire))
    else:
        asyncio.run(run(args.rounds, args.concurrency))


if __name__ == "__main__":
    main()
