"""Scale-out benchmark: pages/min with 1, 2 and 4 `evidence worker` processes, beside the
in-process `evidence collect`, all on one PostgreSQL and one S3 bucket; custody-log appends/s.

Reproduce from the repository root (as root or a user who may run PostgreSQL's binaries):

    .venv/bin/python benchmarks/scale.py            # --pages N, --workers 1 2 4, --concurrency C

Set-up: the test world in its own process (`python -m tests.world`, the 20 bench pages), a
throw-away PostgreSQL (Debian binaries, fsync off, as in the tests) and moto's S3 server, all on
this machine. Every run gets a fresh database and bucket, and collects with `--recapture`, so
nothing is reused. The per-host rate limit is off (EVIDENCE_HOST_RATE_PER_MINUTE=0): every bench
page is on 127.0.0.1, and the limit would measure itself.

- baseline: `evidence collect --recapture --concurrency C ARTICLE`, wall time of the command
  (browser start, reading the article, captures, storing, checkpoint);
- queue with W workers: W `evidence worker --concurrency C` processes are started and have
  registered; the clock runs from `evidence collect --queue` until every job has succeeded
  (enqueueing included, worker start-up not: workers are long-running);
- custody appends/s: `Archive.record` (one event per transaction, serialized by the advisory
  lock) from 1 and 4 threads for a few seconds each.
"""

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.archive import Archive  # noqa: E402
from benchmarks.harness import world_process  # noqa: E402
from collector.queue.app import conninfo  # noqa: E402
from tests.support.postgres import PostgresServer, find_bin_dir  # noqa: E402
from tests.support.s3 import MotoServer  # noqa: E402

EVIDENCE = str(Path(sys.executable).with_name("evidence"))
CAPTURES_PER_DAY = 1_000_000


def _psql(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(conninfo(url)) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


class Bench:
    """Shared servers and a fresh database + bucket per run."""

    def __init__(self, tmp: Path, world_env: dict[str, str], concurrency: int) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise SystemExit("PostgreSQL binaries not installed (apt-get install postgresql)")
        tmp.chmod(0o755)
        self.tmp = tmp
        self.pg = PostgresServer(tmp / "pg", bin_dir).start()
        self.s3 = MotoServer(tmp / "moto.log").start()
        self.world_env = world_env
        self.concurrency = concurrency
        self.runs = 0

    def close(self) -> None:
        self.s3.stop()
        self.pg.stop()

    def fresh_env(self) -> dict[str, str]:
        self.runs += 1
        bucket = self.s3.create_bucket(f"bench-{self.runs}")
        env = {
            **os.environ,
            **self.s3.env(),
            **self.world_env,
            "EVIDENCE_DATABASE_URL": self.pg.create_database(f"bench{self.runs}"),
            "EVIDENCE_BLOB_URL": f"s3://{bucket}/evidence",
            "EVIDENCE_HOST_RATE_PER_MINUTE": "0",
            "EVIDENCE_HOME": str(self.tmp / f"home{self.runs}"),
        }
        env.pop("EVIDENCE_TSA_URLS", None)
        return env

    def baseline(self, article: Path) -> float:
        env = self.fresh_env()
        started = time.monotonic()
        subprocess.run(
            [EVIDENCE, "collect", "--recapture", "--json", "--concurrency", str(self.concurrency)]
            + [str(article)],
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        return time.monotonic() - started

    def queue(self, article: Path, workers: int, pages: int) -> float:
        env = self.fresh_env()
        url = env["EVIDENCE_DATABASE_URL"]
        subprocess.run([EVIDENCE, "key", "show"], env=env, check=True, capture_output=True)
        procs = []
        try:
            for n in range(workers):
                log = (self.tmp / f"worker-{self.runs}-{n}.log").open("wb")
                procs.append(
                    subprocess.Popen(
                        [EVIDENCE, "worker", "--concurrency", str(self.concurrency)],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
                # one at a time: the first installs the queue schema
                _wait(lambda n=n: _workers(url) > n, 120)
            started = time.monotonic()
            subprocess.run(
                [EVIDENCE, "collect", "--queue", "--recapture", "--json", str(article)],
                env=env,
                check=True,
                capture_output=True,
                timeout=300,
            )
            _wait(lambda: _succeeded(url) >= pages, 900)
            return time.monotonic() - started
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=120)

    def appends_per_second(self, threads: int, seconds: float = 4.0) -> float:
        env = self.fresh_env()
        archive = Archive.open(
            Path(env["EVIDENCE_HOME"]),
            {"database_url": env["EVIDENCE_DATABASE_URL"], "blob_url": str(self.tmp / "blobs")},
        )
        counts = [0] * threads
        stop = time.monotonic() + seconds

        def run(index: int) -> None:
            while time.monotonic() < stop:
                with archive.session() as session:
                    archive.record(session, "bench.append", "bench", str(index), {"n": 1})
                counts[index] += 1

        pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        started = time.monotonic()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.monotonic() - started
        archive.close()
        return sum(counts) / elapsed


def _workers(url: str) -> int:
    try:
        return int(_psql(url, "SELECT count(*) FROM procrastinate_workers")[0][0])
    except Exception:  # schema not there yet
        return 0


def _succeeded(url: str) -> int:
    rows = _psql(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")
    return int(rows[0][0])


def _wait(check, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark step timed out")
        time.sleep(0.2)


def main() -> None:
    """Run every configuration once and print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=2, help="captures per worker")
    args = parser.parse_args()
    with world_process() as world, tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp_name:
        tmp = Path(tmp_name)
        article = tmp / "article.html"
        links = "".join(
            f'<p>Source {i}: <a href="{world["http"]}/bench/{i}">page {i}</a></p>'
            for i in range(args.pages)
        )
        article.write_text(f"<html><body><article><h1>Bench</h1>{links}</article></body>")
        bench = Bench(tmp, {"EVIDENCE_ALLOW_PRIVATE": "1"}, args.concurrency)
        try:
            rows = [("in-process collect", 1, bench.baseline(article))]
            for workers in args.workers:
                rows.append(("queue", workers, bench.queue(article, workers, args.pages)))
            appends = {t: bench.appends_per_second(t) for t in (1, 4)}
        finally:
            bench.close()
    _report(args, rows, appends)


def _report(args: argparse.Namespace, rows: list, appends: dict[int, float]) -> None:
    cores = os.cpu_count()
    print(f"{args.pages} pages, {args.concurrency} captures per process, {cores} CPU cores")
    print(f"{'mode':<20} {'processes':>9} {'seconds':>8} {'pages/min':>10} {'per process':>12}")
    results = []
    for mode, procs, seconds in rows:
        ppm = args.pages / seconds * 60
        results.append({"mode": mode, "processes": procs, "seconds": seconds, "ppm": ppm})
        print(f"{mode:<20} {procs:>9} {seconds:>8.1f} {ppm:>10.1f} {ppm / procs:>12.1f}")
    for threads, rate in appends.items():
        print(f"custody appends on PostgreSQL, {threads} writer thread(s): {rate:.0f}/s")
    per_worker = next(r["ppm"] for r in results if r["mode"] == "queue" and r["processes"] == 1)
    needed = CAPTURES_PER_DAY / (24 * 60)
    fleet = math.ceil(needed / per_worker)
    print(
        f"1 million captures/day = {needed:.0f} pages/min; at {per_worker:.0f} pages/min per "
        f"worker (one worker alone on this {cores}-core machine) that is {fleet} workers; "
        f"the log needs {CAPTURES_PER_DAY / 86400:.1f} capture appends/s (measured "
        f"{max(appends.values()):.0f}/s)"
    )
    print("reproduce: .venv/bin/python benchmarks/scale.py " + " ".join(sys.argv[1:]))
    print(json.dumps({"runs": results, "appends_per_s": appends, "fleet_for_1M_per_day": fleet}))


if __name__ == "__main__":
    main()
