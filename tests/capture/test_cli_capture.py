"""`evidence capture` as a user runs it: several URLs, JSON, exit codes, kill -9 and re-run."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from archive.archive import Archive
from archive.models import Artifact, Capture

pytestmark = pytest.mark.browser

EVIDENCE = str(Path(sys.executable).with_name("evidence"))


def _env(world, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EVIDENCE_HOME": str(home),
        "EVIDENCE_ALLOW_PRIVATE": "1",
        "EVIDENCE_HOST_RESOLVER_RULES": world.resolver_rules,
        "EVIDENCE_EXTRA_CA_FILE": str(world.ca_file),
        "EVIDENCE_TIMEOUT_S": "15",
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EVIDENCE, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_one_failure_does_not_stop_the_others(test_world, tmp_path):
    urls = [test_world.http("/static/page.html"), test_world.http("/loop/a"), "https://t.co/abc123"]
    done = _run(["capture", "--json", "--concurrency", "2", *urls], _env(test_world, tmp_path))
    assert done.returncode == 1, done.stderr
    rows = json.loads(done.stdout)
    assert [r["requested_url"] for r in rows] == urls
    assert [r["status"] for r in rows] == ["complete", "failed", "complete"]
    assert "ERR_TOO_MANY_REDIRECTS" in rows[1]["status_reason"]
    with Archive.open(tmp_path) as archive, archive.session() as session:
        captures = session.exec(select(Capture)).all()
        assert {c.id for c in captures} == {r["capture_id"] for r in rows}
        for row in rows:
            names = session.exec(
                select(Artifact.name).where(Artifact.capture_id == row["capture_id"])
            ).all()
            assert {a["name"] for a in row["artifacts"]} <= set(names)


def test_table_output_and_pdf(test_world, tmp_path):
    done = _run(
        ["capture", "--pdf", test_world.http("/static/page.html")], _env(test_world, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "complete" in done.stdout and "Captures" in done.stdout
    with Archive.open(tmp_path) as archive, archive.session() as session:
        pdf = session.exec(select(Artifact).where(Artifact.role == "pdf")).one()
        assert archive.blobs.get(pdf.blob_sha256).startswith(b"%PDF-")


def test_bad_url_is_a_one_line_error(tmp_path):
    done = _run(["capture", "ftp://example.org/x"], {**os.environ, "EVIDENCE_HOME": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.strip() == "error: not an http(s) URL: 'ftp://example.org/x'"


def test_kill_during_capture_leaves_nothing_complete_and_rerun_completes(test_world, tmp_path):
    marker = f"/slow?s=3&kill={time.time_ns()}"
    env = _env(test_world, tmp_path)
    process = subprocess.Popen(
        [EVIDENCE, "capture", test_world.http(marker)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(path == marker for _, path in test_world.hits):
            assert process.poll() is None, "capture ended before it could be killed"
            assert time.monotonic() < deadline, "the capture never reached the server"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with Archive.open(tmp_path) as archive, archive.session() as session:
        assert session.exec(select(Capture)).all() == []
    done = _run(["capture", "--json", test_world.http(marker)], env)
    assert done.returncode == 0, done.stderr
    with Archive.open(tmp_path) as archive, archive.session() as session:
        captures = session.exec(select(Capture)).all()
        assert [c.status for c in captures] == ["complete"]


def test_malformed_url_says_why(tmp_path):
    env = {**os.environ, "EVIDENCE_HOME": str(tmp_path)}
    done = _run(["capture", "http://[::1"], env)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: not a valid URL: 'http://[::1' (Invalid IPv6 URL)"
    done = _run(["capture", "http://a.example:99999/"], env)
    assert done.returncode == 1 and "Port out of range" in done.stderr
