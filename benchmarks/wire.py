"""HTTPS capture benchmark: local HTTPS pages captured through the recorder, which passes the
browser's TLS through and decrypts it (or, on a checkout before that, intercepts it).

Reproduce from the repository root (run it on two checkouts to compare):

    .venv/bin/python benchmarks/wire.py            # --pages N, --concurrency 1 4, --rounds N

Each page is `https://www.example.test/bench/<i>` on the test world's HTTPS server (run in a
separate process, `python -m tests.world`), reached through its host rules and CA, with every
capture artifact built (nothing stored). Latency is each capture's own start-to-result time;
pages/min is pages over the wall time of the batch.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import world_process, world_settings  # noqa: E402
from collector.capture.engine import CaptureEngine, capture_many  # noqa: E402


async def run(info: dict, pages: int, concurrency: int, rounds: int) -> dict[str, float]:
    """Capture `pages` pages `rounds` times at `concurrency`; latency and throughput."""
    settings = world_settings(info, concurrency)
    urls = [f"https://www.example.test/bench/{i}" for i in range(pages)]
    latencies: list[float] = []
    walls: list[float] = []
    statuses: dict[str, int] = {}
    async with CaptureEngine(settings) as engine:
        await engine.capture(urls[0])  # warm-up
        for _ in range(rounds):
            began = time.monotonic()
            results = await capture_many(urls, settings, engine=engine)
            walls.append(time.monotonic() - began)
            for result in results:
                latencies.append((result.finished_at - result.started_at).total_seconds())
                statuses[result.status] = statuses.get(result.status, 0) + 1
    return {
        "concurrency": concurrency,
        "median_s": round(statistics.median(latencies), 3),
        "p95_s": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 3),
        "pages_per_min": round(60 * pages * rounds / sum(walls), 1),
        "statuses": statuses,
    }


def main() -> None:
    """Start the test world, run each concurrency, print one JSON line per run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with world_process() as info:
        print(json.dumps({"load_average": os.getloadavg()}))
        for concurrency in args.concurrency:
            report = asyncio.run(run(info, args.pages, concurrency, args.rounds))
            print(json.dumps(report), flush=True)
        print(json.dumps({"load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
