"""Two `evidence worker` processes on one PostgreSQL and one S3 bucket (moto); one is killed -9
mid-way; every target is still captured exactly once, every blob verifies, the log is whole."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from collector.queue.app import conninfo
from tests.support.s3 import MotoServer
from tests.world.server import World

pytestmark = pytest.mark.browser
EVIDENCE = str(Path(sys.executable).with_name("evidence"))
PAGES = 12
DEADLINE_S = 150


class Fleet:
    """The shared environment and the processes of one test."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def evidence(self, home: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [EVIDENCE, "--home", str(self.tmp / home), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start_worker(self, name: str) -> None:
        shutil.copytree(self.tmp / "main" / "keys", self.tmp / name / "keys")
        with (self.tmp / f"{name}.log").open("wb") as log:
            self.workers[name] = subprocess.Popen(
                [EVIDENCE, "--home", str(self.tmp / name), "worker", "--concurrency", "2"]
                + ["--stalled-after", "6", "--finish-every", "5", "--name", name],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: browser included
            )

    def kill(self, name: str) -> None:
        """Like pulling the plug: SIGKILL to the worker and its browser at once."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def fleet(
    tmp_path: Path, test_world: World, pg_url: str, moto: MotoServer, bucket: str
) -> Iterator[Fleet]:
    env = {
        **os.environ,
        **moto.env(),
        "EVIDENCE_DATABASE_URL": pg_url,
        "EVIDENCE_BLOB_URL": f"s3://{bucket}/evidence",
        "EVIDENCE_HOST_RESOLVER_RULES": test_world.resolver_rules,
        "EVIDENCE_EXTRA_CA_FILE": str(test_world.ca_file),
        "EVIDENCE_ALLOW_PRIVATE": "1",
        "EVIDENCE_TIMEOUT_S": "20",
        "EVIDENCE_HOST_RATE_PER_MINUTE": "600",
    }
    env.pop("EVIDENCE_TSA_URLS", None)
    env.pop("EVIDENCE_HOME", None)
    fleet = Fleet(tmp_path, env)
    try:
        yield fleet
    finally:
        fleet.stop_all()


def _query(pg_url: str, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(conninfo(pg_url)) as conn:
        return conn.execute(sql, args).fetchall()  # type: ignore[arg-type]


def _wait(what: str, check, fleet: Fleet, deadline: float) -> None:  # type: ignore[no-untyped-def]
    while not check():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {n}\n{fleet.log(n)}" for n in fleet.workers)
            pytest.fail(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.3)


def test_two_workers_one_killed(fleet: Fleet, test_world: World, pg_url: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    key = fleet.evidence("main", "key", "show")
    assert key.returncode == 0, key.stderr
    urls = test_world.bench_urls(PAGES)
    article = fleet.tmp / "article.html"
    links = "".join(f'<p>Source {i}: <a href="{u}">page {i}</a></p>' for i, u in enumerate(urls))
    article.write_text(f"<html><body><article><h1>Links</h1>{links}</article></body></html>")

    fleet.start_worker("w1")
    queued = fleet.evidence("main", "collect", "--queue", "--recapture", "--json", str(article))
    assert queued.returncode == 0, queued.stderr
    jobs = json.loads(queued.stdout)["jobs"]
    assert sorted(job["url"] for job in jobs) == sorted(urls)
    job_ids = {job["job_id"] for job in jobs}

    # w1 alone picks up work; kill it while it holds jobs in `doing`
    def w1_busy() -> bool:
        rows = _query(pg_url, "SELECT count(*) FROM capture")
        doing = _query(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
        return rows[0][0] >= 1 and doing[0][0] >= 1

    _wait("w1 to record a capture and hold a running job", w1_busy, fleet, deadline)
    fleet.start_worker("w2")
    held = {r[0] for r in _query(pg_url, "SELECT id FROM procrastinate_jobs WHERE status='doing'")}
    fleet.kill("w1")

    def all_done() -> bool:
        rows = _query(pg_url, "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
        return dict(rows).get("succeeded", 0) == len(job_ids)

    _wait("every job to succeed", all_done, fleet, deadline)
    # as if a worker died after committing a capture but before marking its job done: the
    # job runs again and (with --recapture!) must not record a second capture
    again = min(job_ids)
    _query(
        pg_url, "UPDATE procrastinate_jobs SET status = 'todo' WHERE id = %s RETURNING id", again
    )
    _wait("the re-run job to succeed", all_done, fleet, deadline)
    fleet.stop_all()
    assert fleet.workers["w2"].returncode == 0, fleet.log("w2")

    # the killed worker's jobs were put back and done by w2
    retried = _query(
        pg_url,
        "SELECT DISTINCT job_id FROM procrastinate_events WHERE type = 'deferred_for_retry'",
    )
    assert held and held <= {r[0] for r in retried}

    # exactly one capture per job and per target, each complete, naming its job
    captures = _query(
        pg_url,
        "SELECT target_id, status, (details::jsonb ->> 'queue_job_id')::bigint FROM capture "
        "WHERE target_id IS NOT NULL",
    )
    assert sorted(c[2] for c in captures) == sorted(job_ids)
    assert len({c[0] for c in captures}) == len(captures) == PAGES
    assert {c[1] for c in captures} == {"complete"}

    # every blob is in the bucket and verifies; the custody chain and checkpoints check out
    verify = fleet.evidence("main", "verify", "--json", "--sha512")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads(verify.stdout)
    assert report["summary"]["tampered"] == 0
    blobs_ok = {
        f["subject"].split()[1]
        for f in report["findings"]
        if f["status"] == "ok" and f["check"] == "sha256" and f["subject"].startswith("blob ")
    }
    artifacts = {r[0] for r in _query(pg_url, "SELECT DISTINCT blob_sha256 FROM artifact")}
    assert artifacts and artifacts <= blobs_ok
    assert any(f["check"] == "hash chain" and f["status"] == "ok" for f in report["findings"])
    recorded = _query(pg_url, "SELECT count(*) FROM custody_event WHERE action='capture.recorded'")
    assert recorded[0][0] == PAGES  # the source file is read, not captured
