"""The newest checkpoint kept outside the database: rollbacks and deleted checkpoints show on
every `verify`, and `evidence log checkpoint --publish FILE|URL` hands the note on."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.export import export
from archive.export.package_verify import verify_package
from archive.provenance import checkpoint_file, log
from archive.provenance.findings import TAMPERED, Finding
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from collector.cli.app import app
from tests.provenance.sealing import SealedArchive, store_capture
from tests.provenance.test_verify import attacker_sql, drop_triggers
from tests.provenance.tsa import LocalTsa


def tampered(sealed: SealedArchive, tsa: LocalTsa) -> list[Finding]:
    findings = verify_archive(sealed.archive, TrustStore.from_pem_file(tsa.bundle))
    return [f for f in findings if f.status == TAMPERED]


def newest_note(sealed: SealedArchive) -> str:
    with sealed.archive.session() as session:
        latest = log.latest_checkpoint(session)
    assert latest is not None
    return latest.note


def test_home_keeps_the_newest_checkpoint(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    path = checkpoint_file.path_in(sealed.archive.home)
    assert path.read_text() == newest_note(sealed)
    assert tampered(sealed, tsa_env) == []


def test_deleting_every_checkpoint_row_is_caught(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    size = checkpoint_file.tree_head(newest_note(sealed))[0]
    attacker_sql(sealed.archive, *drop_triggers("checkpoint"), "DELETE FROM checkpoint")
    bad = tampered(sealed, tsa_env)
    assert (f"checkpoint file {size}", "checkpoint is in the database") in [
        (f.subject, f.check) for f in bad
    ]


def test_rolling_back_the_newest_captures_is_caught(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    """The newest capture, its events and every checkpoint removed: the file still shows it."""
    archive = sealed.archive
    capture_id = sealed.seals[-1].capture_id
    with archive.session() as session:
        first_seq = min(e.seq for e in log.events(session) if e.subject_id == capture_id)
    tables = ("custody_event", "checkpoint", "timestamp_token", "artifact", "capture")
    attacker_sql(
        archive,
        *[statement for table in tables for statement in drop_triggers(table)],
        f"DELETE FROM custody_event WHERE seq >= {first_seq}",
        "DELETE FROM checkpoint",
        "DELETE FROM timestamp_token",
        f"DELETE FROM artifact WHERE capture_id = '{capture_id}'",
        f"DELETE FROM capture WHERE id = '{capture_id}'",
    )
    kept = checkpoint_file.path_in(archive.home).read_text()
    bad = tampered(sealed, tsa_env)
    size = checkpoint_file.tree_head(kept)[0]
    assert (f"checkpoint file {size}", "log covers checkpoint") in [
        (f.subject, f.check) for f in bad
    ]
    # the next command's checkpoint does not paper over it, even once the log grows again
    store_capture(archive, "https://x.com/c/status/3")
    store_capture(archive, "https://x.com/d/status/4")
    log.write_checkpoint(archive)
    assert checkpoint_file.path_in(archive.home).read_text() == kept
    assert any(f.subject == f"checkpoint file {size}" for f in tampered(sealed, tsa_env))


def test_the_file_follows_a_growing_log(sealed: SealedArchive) -> None:
    store_capture(sealed.archive, "https://x.com/c/status/3")
    latest = log.write_checkpoint(sealed.archive)
    assert latest is not None
    assert checkpoint_file.path_in(sealed.archive.home).read_text() == latest.note


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(201 if self.path == "/notes" else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_publish_to_a_file_and_a_url(sealed: SealedArchive, tmp_path: Path, receiver: str) -> None:
    home = str(sealed.archive.home)
    out = tmp_path / "published.txt"
    result = CliRunner().invoke(
        app, ["--home", home, "log", "checkpoint", "--json", "--publish", str(out),
              "--publish", f"{receiver}/notes"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    note = json.loads(result.stdout)["note"]
    assert out.read_text() == note
    assert _Receiver.received == [("/notes", note.encode())]
    refused = CliRunner().invoke(
        app, ["--home", home, "log", "checkpoint", "--publish", f"{receiver}/elsewhere"]
    )
    assert refused.exit_code == 1
    assert "HTTP 403" in refused.stderr and "Traceback" not in refused.output


def test_every_export_carries_the_kept_checkpoint(
    sealed: SealedArchive, tsa_env: LocalTsa, tmp_path: Path
) -> None:
    archive = sealed.archive
    trust = TrustStore.from_pem_file(tsa_env.bundle)
    capture_id = sealed.seals[0].capture_id
    export(archive, capture_id, "wacz", tmp_path / "before.wacz")
    findings = verify_package(tmp_path / "before.wacz", trust)
    kept = [f for f in findings if f.subject.startswith("checkpoint file")]
    assert [f.status for f in kept] == ["ok"]
    with archive.session() as session:
        size = max(c.tree_size for c in log.checkpoints(session))
    tables = ("custody_event", "checkpoint", "timestamp_token")
    attacker_sql(  # roll back the newest events, as a restored older database would
        archive,
        *[statement for table in tables for statement in drop_triggers(table)],
        f"DELETE FROM custody_event WHERE seq > {size - 2}",
        "DELETE FROM checkpoint",
        "DELETE FROM timestamp_token WHERE subject_type = 'checkpoint'",
    )
    export(archive, capture_id, "wacz", tmp_path / "after.wacz")
    bad = [f for f in verify_package(tmp_path / "after.wacz", trust) if f.status == TAMPERED]
    assert (f"checkpoint file {size}", "package holds the archive's newest checkpoint") in [
        (f.subject, f.check) for f in bad
    ]


def test_a_failed_timestamp_request_travels_with_its_capture(
    sealed: SealedArchive, tsa_env: LocalTsa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its row is bound by an event about the capture, so the package carries it too."""
    from archive.provenance.timestamps import timestamp_pending

    seal, _ = store_capture(sealed.archive, "https://x.com/c/status/3")
    monkeypatch.setenv("EVIDENCE_TSA_URLS", f"{tsa_env.url}/fail")
    timestamp_pending(sealed.archive)
    export(sealed.archive, seal.capture_id, "bagit", tmp_path / "p.zip")
    findings = verify_package(tmp_path / "p.zip", TrustStore.from_pem_file(tsa_env.bundle))
    assert [f for f in findings if f.status == TAMPERED] == []
