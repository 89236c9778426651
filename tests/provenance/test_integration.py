"""The seal fits the capture store's own rows: store_blobs -> build_rows -> seal_rows (manifest,
signature, content credentials) -> insert_rows -> finish_writes, then verify finds nothing wrong
(and notices an edit)."""

import io
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image

from archive.archive import Archive
from archive.provenance.seal import finish_writes
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import TAMPERED, UNVERIFIABLE, verify_archive
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.store import build_rows, insert_rows, seal_rows, store_blobs
from tests.provenance.test_verify import attacker_sql, drop_triggers
from tests.provenance.tsa import LocalTsa


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def capture_result() -> CaptureResult:
    started = datetime(2026, 5, 2, 9, 0, 1, 5, tzinfo=timezone(timedelta(hours=2)))
    return CaptureResult(
        requested_url="https://t.co/abc",
        status="complete",
        started_at=started,
        finished_at=started + timedelta(seconds=3.25),
        final_url="https://x.com/a/status/1",
        http_status=200,
        title="Post — “quoted”",
        redirect_chain=[{"url": "https://t.co/abc", "status": 301, "time": 0.125}],
        server_ip="192.0.2.1",
        browser_name="chromium",
        browser_version="131.0.6778.85",
        user_agent="Mozilla/5.0",
        viewport="1280x800",
        locale="en-US",
        timezone="UTC",
        tool_version="0.1.0",
        artifacts=[
            ArtifactData("dom", "dom.html", "text/html", "<p>Ünïcode</p>".encode()),
            ArtifactData("screenshot-full", "screenshot-full.png", "image/png", _png()),
            ArtifactData("warc", "capture.warc.gz", "application/warc", b"WARC/1.1" * 50),
        ],
        details={"timings": {"load": 1.5, "scroll": 0.25}, "tiles": 1, "big": 2**60},
    )


def test_store_rows_seal_and_verify(archive: Archive, tsa_env: LocalTsa) -> None:
    result = capture_result()
    rows = build_rows(archive, result, store_blobs(archive, result))
    seal_rows(archive, rows, berkeley={"egress": "direct"})
    assert "content-credentials" in {a["role"] for a in rows.artifacts}
    capture_id = insert_rows(archive, rows)
    finish = finish_writes(archive)
    assert not finish.failed and finish.checkpoint is not None

    trust = TrustStore.from_pem_file(tsa_env.bundle)
    findings = verify_archive(archive, trust)
    assert [f for f in findings if f.status in (TAMPERED, UNVERIFIABLE)] == []

    attacker_sql(
        archive,
        *drop_triggers("capture"),
        f"UPDATE capture SET started_at = '2026-05-02 07:00:02.000005' WHERE id = '{capture_id}'",
    )
    bad = [f for f in verify_archive(archive, trust) if f.status == TAMPERED]
    assert [f.subject for f in bad if f.check.startswith("row ")] == [f"capture {capture_id}"]
    bad = [f for f in bad if not f.check.startswith("row ")]
    assert [(f.check, f.expected, f.found) for f in bad] == [
        (
            "manifest matches database: capture.started_at",
            '"2026-05-02T07:00:01.000005Z"',
            '"2026-05-02T07:00:02.000005Z"',
        ),
        (  # the credentialed screenshot states the time it was sealed with
            "content credentials: captured_at",
            "2026-05-02T07:00:02.000005Z",
            "2026-05-02T07:00:01.000005Z",
        ),
    ]
    assert datetime(2026, 5, 2, 7, 0, 1, 5, tzinfo=UTC) == result.started_at
