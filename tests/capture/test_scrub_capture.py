"""A capture made logged in stores no secret of the session: the WARC keeps the credential
headers' names with a redaction marker, every echoed value is overwritten, the redactions are
listed, the original is sealed to the archive's key, and pywb still replays the members page."""

import gzip
import io
import subprocess
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.provenance.sealing import load_seal_private_key, seal_public_key, unseal
from archive.vocabulary import CaptureStatus
from collector.capture.result import CaptureResult
from collector.capture.session import session_from_state
from tests.capture.conftest import EngineRunner
from tests.capture.test_replay import COLLECTION, _tool, pywb  # noqa: F401
from tests.capture.warcs import warc_records
from tests.world import loginsite
from tests.world.server import World

MEMBERS = f"https://{loginsite.HOST}/members"


def _logged_in(engine: EngineRunner, world: World, home: Path):
    login = world.login.log_in()
    before = len(world.login.rotated)
    session = session_from_state(
        "sock", world.login.storage_state(login), loginsite.HANDLE, seal_public_key(home)
    )
    result = engine.call(engine.engine.capture(MEMBERS, session=session))
    rotated = set(world.login.rotated[before:])
    assert rotated, "the site rotated the session on the way"
    return result, login.secrets | rotated


def _every_stored_byte(result: CaptureResult) -> bytes:
    """Every artifact's bytes (the WARC's gunzipped too) and the capture's fields."""
    parts = [result.artifact("warc").data and gzip.decompress(result.artifact("warc").data)]
    parts += [a.data for a in result.artifacts if a.role != "sealed-warc"]
    parts.append(repr(result.summary()).encode() + repr(result.details).encode())
    return b"\n".join(parts)


def test_no_secret_in_anything_stored(engine: EngineRunner, test_world: World, tmp_path: Path):
    result, secrets = _logged_in(engine, test_world, tmp_path)
    assert result.status is CaptureStatus.COMPLETE, result.status_reason
    stored = _every_stored_byte(result)
    for secret in secrets:
        assert secret.encode() not in stored
    dom = result.artifact("dom").data
    assert b"API answered: 3 items" in dom and b"[redacted" in dom  # the echo, overwritten
    console = result.artifact("console-log").data
    assert b"csrf token [redacted" in console


def test_warc_keeps_header_names_and_valid_digests(
    engine: EngineRunner, test_world: World, tmp_path: Path
):
    result, _ = _logged_in(engine, test_world, tmp_path)
    records = warc_records(result)
    requests = b"".join(block for kind, _, block in records if kind == "request")
    responses = b"".join(block for kind, _, block in records if kind == "response")
    assert b"Cookie: [redacted:cookie]" in requests or b"cookie: [redacted:cookie]" in requests
    assert b"[redacted:csrf-token]" in requests
    assert b"[redacted:set-cookie]" in responses
    warc = tmp_path / "scrubbed.warc.gz"
    warc.write_bytes(result.artifact("warc").data)
    check = subprocess.run(
        [_tool("warcio"), "check", "-v", str(warc)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout


def test_redactions_listed_by_record_and_field(
    engine: EngineRunner, test_world: World, tmp_path: Path
):
    result, _ = _logged_in(engine, test_world, tmp_path)
    redactions = result.details["redactions"]
    ids = {
        headers.get_header("WARC-Record-ID")
        for kind, headers, _ in warc_records(result)
        if kind in ("request", "response")
    }
    fields = {(r.get("type"), r["field"], r["reason"]) for r in redactions if "record" in r}
    assert ("request", "header cookie", "cookie") in fields
    assert ("request", "header x-csrftoken", "csrf-token") in fields
    assert ("response", "header set-cookie", "set-cookie") in fields
    assert ("response", "payload", "session-value") in fields  # the API's echo
    assert {r["record"] for r in redactions if "record" in r} <= ids
    assert any(r.get("artifact") == "dom" for r in redactions)
    assert result.details["session"] == {"name": "sock", "handle": loginsite.HANDLE}


def test_sealed_original_decrypts_and_matches_its_hash(
    engine: EngineRunner, test_world: World, tmp_path: Path
):
    result, secrets = _logged_in(engine, test_world, tmp_path)
    sealed = result.artifact("sealed-warc")
    recorded = result.details["sealed_original"]
    assert sealed is not None and recorded["kept"] is True
    out = io.BytesIO()
    with sealed.open() as source:
        digest = unseal(source, load_seal_private_key(tmp_path), out)
    assert digest == recorded["sha256"]
    original = gzip.decompress(out.getvalue())
    assert all(secret.encode() in original for secret in secrets)  # it is the original
    for secret in secrets:
        assert secret.encode() not in sealed.data
    ids = [
        r.rec_headers.get_header("WARC-Record-ID")
        for r in ArchiveIterator(io.BytesIO(out.getvalue()))
    ]
    scrubbed = [h.get_header("WARC-Record-ID") for _, h, _ in warc_records(result)]
    assert ids == scrubbed  # a redaction's record is found in the original


def test_logged_out_capture_is_not_scrubbed(engine: EngineRunner, test_world: World) -> None:
    result = engine.capture(test_world.https("/static/page.html"))
    assert "redactions" not in result.details and result.artifact("sealed-warc") is None


def test_scrubbed_capture_replays_logged_in(
    engine: EngineRunner,
    test_world: World,
    tmp_path: Path,
    pywb,  # noqa: F811
):
    folder, port = pywb
    result, secrets = _logged_in(engine, test_world, tmp_path)
    warc = folder / "members.warc.gz"
    warc.write_bytes(result.artifact("warc").data)
    subprocess.run(
        [_tool("wb-manager"), "add", COLLECTION, str(warc)], cwd=folder, check=True, timeout=60
    )
    replay = engine.capture(f"http://127.0.0.1:{port}/{COLLECTION}/{MEMBERS}")
    dom = replay.artifact("dom").data
    assert replay.http_status == 200, replay.status_reason
    assert f"Signed in as {loginsite.HANDLE}".encode() in dom
    assert b"API answered: 3 items" in dom
    assert not any(secret.encode() in dom for secret in secrets)
