"""RFC 3161 tokens from a real `openssl ts` TSA: requested, stored, verified by two checkers."""

import hashlib
import subprocess
from pathlib import Path

import httpx
import pytest
from rfc3161_client import decode_timestamp_response
from sqlmodel import select

from archive.archive import Archive
from archive.models import CustodyEvent
from archive.provenance.log import write_checkpoint
from archive.provenance.models import TimestampToken
from archive.provenance.timestamps import (
    TimestampError,
    TrustStore,
    check_response,
    obtain_tokens,
    request_token,
    timestamp_pending,
    verify_token,
)
from archive.provenance.tsp import der_ordered, read_answer
from tests.provenance.sealing import store_capture
from tests.provenance.tsa import LocalTsa, build_pki

MESSAGE = b'{"manifest": "bytes to timestamp"}'


def openssl_verify(tsa: LocalTsa, response: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(response), *args,
         "-CAfile", str(tsa.pki / "root.crt"), "-untrusted", str(tsa.pki / "intermediate.crt")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_token_verifies_with_rfc3161_client_and_openssl(tsa: LocalTsa, tmp_path: Path) -> None:
    with httpx.Client() as client:
        raw = request_token(f"{tsa.url}/tsa", MESSAGE, client)
    gen_time = verify_token(raw, MESSAGE, TrustStore.from_pem_file(tsa.bundle))
    assert gen_time.year >= 2026
    path = tmp_path / "r.tsr"
    path.write_bytes(raw)
    digest = hashlib.sha256(MESSAGE).hexdigest()
    ok = openssl_verify(tsa, path, "-digest", digest)
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stderr
    data = tmp_path / "message"
    data.write_bytes(MESSAGE)
    assert openssl_verify(tsa, path, "-data", str(data)).returncode == 0
    wrong = openssl_verify(tsa, path, "-digest", hashlib.sha256(b"other").hexdigest())
    assert wrong.returncode != 0 and "message imprint mismatch" in wrong.stdout + wrong.stderr


def test_token_over_other_bytes_is_rejected(tsa: LocalTsa) -> None:
    with httpx.Client() as client:
        raw = request_token(f"{tsa.url}/tsa", MESSAGE, client)
    with pytest.raises(TimestampError, match="message imprint mismatch"):
        check_response(raw, MESSAGE + b" ")
    with pytest.raises(TimestampError, match="message imprint mismatch"):
        verify_token(raw, b"other", TrustStore.from_pem_file(tsa.bundle))


def test_untrusted_root_fails(tsa: LocalTsa, tmp_path: Path) -> None:
    other = tmp_path / "other"
    build_pki(other)
    with httpx.Client() as client:
        raw = request_token(f"{tsa.url}/tsa", MESSAGE, client)
    with pytest.raises(Exception, match="(?i)verif|chain|certificate"):
        verify_token(raw, MESSAGE, TrustStore.from_pem_file(other / "bundle.pem"))


def test_non_der_certificate_set_is_parsed_and_original_kept(tsa: LocalTsa, tmp_path: Path) -> None:
    with httpx.Client() as client:
        raw = request_token(f"{tsa.url}/multi", MESSAGE, client)
    with pytest.raises(ValueError):
        decode_timestamp_response(raw)  # strict DER parser refuses OpenSSL's certificate order
    fixed = der_ordered(raw)
    assert fixed != raw and len(fixed) == len(raw)
    assert len(read_answer(raw).certificates) == 3
    assert verify_token(raw, MESSAGE, TrustStore.from_pem_file(tsa.bundle))
    path = tmp_path / "orig.tsr"
    path.write_bytes(raw)  # the original bytes still verify independently
    assert openssl_verify(tsa, path, "-digest", hashlib.sha256(MESSAGE).hexdigest()).returncode == 0


def test_failures_are_recorded_never_faked(archive: Archive, tsa: LocalTsa) -> None:
    with httpx.Client(timeout=5) as client:
        rows = obtain_tokens(
            archive,
            "capture",
            "cap_x",
            MESSAGE,
            [f"{tsa.url}/fail", "http://127.0.0.1:9/tsa", f"{tsa.url}/tsa"],
            client,
        )
    assert [r.status for r in rows] == ["failed", "failed", "ok"]
    assert "HTTP 500" in rows[0].error
    assert rows[1].error and rows[1].token_sha256 is None
    assert rows[2].token_sha256 and rows[2].gen_time is not None
    with archive.session() as session:
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "timestamp.recorded")
        ).all()
    assert [e.payload["status"] for e in events] == ["failed", "failed", "ok"]


def test_pending_covers_manifests_and_checkpoints_once(
    archive: Archive, tsa_env: LocalTsa, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVIDENCE_TSA_URLS", f"{tsa_env.url}/fail")
    seal, _ = store_capture(archive, "https://example.org/a")
    checkpoint = write_checkpoint(archive)
    assert checkpoint is not None
    failed = timestamp_pending(archive)
    assert {(r.subject_type, r.status) for r in failed} == {
        ("capture", "failed"),
        ("checkpoint", "failed"),
    }
    monkeypatch.setenv("EVIDENCE_TSA_URLS", f"{tsa_env.url}/tsa")
    granted = timestamp_pending(archive)
    assert {(r.subject_type, r.subject_id, r.status) for r in granted} == {
        ("capture", seal.capture_id, "ok"),
        ("checkpoint", str(checkpoint.tree_size), "ok"),
    }
    by_subject = {r.subject_type: r for r in granted}
    assert by_subject["capture"].message_sha256 == seal.manifest_sha256
    note = checkpoint.note.encode()
    assert by_subject["checkpoint"].message_sha256 == hashlib.sha256(note).hexdigest()
    raw = archive.blobs.get(str(by_subject["checkpoint"].token_sha256))
    verify_token(raw, note, TrustStore.from_pem_file(tsa_env.bundle))
    (tmp_path / "note.txt").write_bytes(note)
    (tmp_path / "checkpoint.tsr").write_bytes(raw)
    checked = openssl_verify(
        tsa_env, tmp_path / "checkpoint.tsr", "-data", str(tmp_path / "note.txt")
    )
    assert checked.returncode == 0, checked.stderr
    assert timestamp_pending(archive) == []
    with archive.session() as session:
        assert len(session.exec(select(TimestampToken)).all()) == 4


def test_answer_fields_read_by_name_match_rfc3161_client(tsa: LocalTsa) -> None:
    with httpx.Client() as client:
        raw = request_token(f"{tsa.url}/tsa", MESSAGE, client)
    answer = read_answer(raw)
    strict = decode_timestamp_response(raw)
    assert answer.granted and answer.status == "granted"
    assert (
        answer.imprint
        == hashlib.sha256(MESSAGE).digest()
        == strict.tst_info.message_imprint.message
    )
    assert answer.imprint_algorithm == "2.16.840.1.101.3.4.2.1"
    assert answer.serial_number == strict.tst_info.serial_number
    assert answer.nonce == strict.tst_info.nonce
    assert answer.gen_time == strict.tst_info.gen_time
    assert answer.gen_time == verify_token(raw, MESSAGE, TrustStore.from_pem_file(tsa.bundle))
    assert answer.certificates == tuple(strict.signed_data.certificates)


def test_refusals_and_garbage_are_errors_not_tracebacks() -> None:
    refusal = bytes.fromhex("3011300f020102300a0c084e6f7420746f6461")  # rejection, "Not toda"
    assert read_answer(refusal).status == "rejection" and not read_answer(refusal).granted
    assert der_ordered(refusal) == refusal
    with pytest.raises(TimestampError, match="the TSA refused: Not toda"):
        check_response(refusal, MESSAGE)
    for garbage in (b"", b"garbage", refusal[:-1], refusal + b"\0"):
        with pytest.raises(TimestampError, match="not an RFC 3161 response"):
            check_response(garbage, MESSAGE)
