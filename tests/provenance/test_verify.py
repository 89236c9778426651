"""`verify_archive` on an intact archive and after each kind of tampering an attacker could do."""

import base64
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import httpx
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from archive import custody
from archive.archive import Archive
from archive.canonical import canonical_json, sha256_hex
from archive.hashing import hash_stream
from archive.provenance import checkpoint_file, log
from archive.provenance.findings import OK, TAMPERED, UNVERIFIABLE, Finding
from archive.provenance.keys import ensure_key, key_paths
from archive.provenance.log import write_checkpoint
from archive.provenance.signing import sign
from archive.provenance.timestamps import TrustStore, obtain_tokens
from archive.provenance.verify import verify_archive
from tests.provenance.sealing import KINDS, SealedArchive, store_capture
from tests.provenance.tsa import LocalTsa, build_pki


def run(sealed: SealedArchive, tsa: LocalTsa, **kwargs: object) -> list[Finding]:
    return verify_archive(sealed.archive, TrustStore.from_pem_file(tsa.bundle), **kwargs)


def tampered(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == TAMPERED]


def row_binding(findings: list[Finding]) -> list[Finding]:
    """The findings of the row-binding check (`checks.row_binding_findings`)."""
    return [f for f in findings if f.check.startswith(("row ", "bound into"))]


def beyond_binding(findings: list[Finding]) -> list[Finding]:
    """Tampered findings of every check but row binding: what the seal itself shows."""
    return [f for f in tampered(findings) if f not in row_binding(findings)]


def attacker_sql(archive: Archive, *statements: str) -> None:
    """Run SQL directly on the database file, as someone with file access would."""
    connection = sqlite3.connect(archive.home / "evidence.db")
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def drop_triggers(table: str) -> tuple[str, str]:
    return f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"


def flip_byte(archive: Archive, sha256: str) -> None:
    path = archive.blobs.path(sha256)  # type: ignore[attr-defined]
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_intact_archive_verifies(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    findings = run(sealed, tsa_env)
    assert tampered(findings) == []
    assert [f for f in findings if f.status == UNVERIFIABLE] == []
    checks = {(f.check, f.status) for f in findings}
    assert ("TSA signature and chain", OK) in checks
    assert ("signature", OK) in checks and ("manifest matches database", OK) in checks
    assert any(f.subject.startswith("timestamp") and "checkpoint" in f.subject for f in findings)
    assert any(
        f.check.startswith("consistent with checkpoint") and f.status == OK for f in findings
    )


@pytest.mark.parametrize("name", [*KINDS, "manifest.json", "manifest.json.sig"])
def test_flipped_byte_in_any_artifact_is_detected(
    sealed: SealedArchive, tsa_env: LocalTsa, name: str
) -> None:
    capture_id = sealed.seals[0].capture_id
    artifact = next(a for a in sealed.artifacts[capture_id] if a["name"] == name)
    flip_byte(sealed.archive, artifact["blob_sha256"])
    bad = tampered(run(sealed, tsa_env))
    blob = next(f for f in bad if f.subject.startswith(f"blob {artifact['blob_sha256']}"))
    assert f"{capture_id}/{name}" in blob.subject
    assert blob.check == "sha256" and blob.expected == artifact["blob_sha256"]
    assert blob.found != blob.expected
    if name == "manifest.json":
        assert any(f.check == "manifest sha256" for f in bad)
    if name == "manifest.json.sig":
        assert any(f.check == "signature" and f.found == "does not verify" for f in bad)


def test_sha512_is_rechecked_on_request(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    sha = sealed.artifacts[sealed.seals[0].capture_id][0]["blob_sha256"]
    attacker_sql(
        sealed.archive,
        *drop_triggers("blob"),
        f"UPDATE blob SET sha512 = '{'0' * 128}' WHERE sha256 = '{sha}'",
    )
    assert not any(f.check == "sha512" for f in run(sealed, tsa_env))
    bad = tampered(run(sealed, tsa_env, sha512=True))
    assert any(f.check == "sha512" and f.expected == "0" * 128 for f in bad)


def test_missing_blob_is_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    sha = sealed.artifacts[sealed.seals[1].capture_id][0]["blob_sha256"]
    sealed.archive.blobs.path(sha).unlink()  # type: ignore[attr-defined]
    bad = tampered(run(sealed, tsa_env))
    assert [f.check for f in bad] == ["blob present"]


def test_edited_capture_row_is_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    capture_id = sealed.seals[0].capture_id
    attacker_sql(
        sealed.archive,
        *drop_triggers("capture"),
        f"UPDATE capture SET final_url = 'https://evil.example/' WHERE id = '{capture_id}'",
    )
    findings = run(sealed, tsa_env)
    assert [f.subject for f in tampered(row_binding(findings))] == [f"capture {capture_id}"]
    bad = beyond_binding(findings)
    assert len(bad) == 1
    assert bad[0].subject == f"capture {capture_id}"
    assert bad[0].check == "manifest matches database: capture.final_url"
    assert bad[0].expected == '"https://x.com/a/status/1?final"'
    assert bad[0].found == '"https://evil.example/"'


def test_artifact_pointed_at_other_bytes_is_detected(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    first, second = (sealed.artifacts[s.capture_id] for s in sealed.seals)
    dom = next(a for a in first if a["name"] == "dom.html")
    other = next(a for a in second if a["name"] == "dom.html")
    attacker_sql(
        sealed.archive,
        *drop_triggers("artifact"),
        f"UPDATE artifact SET blob_sha256 = '{other['blob_sha256']}' WHERE id = '{dom['id']}'",
    )
    checks = {f.check: f for f in tampered(run(sealed, tsa_env))}
    finding = checks["manifest matches database: artifacts[dom.html].sha256"]
    assert (finding.expected, finding.found) == (
        f'"{dom["blob_sha256"]}"',
        f'"{other["blob_sha256"]}"',
    )


def test_edited_custody_event_is_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    attacker_sql(
        sealed.archive,
        *drop_triggers("custody_event"),
        """UPDATE custody_event SET payload = '{"manifest_sha256": "forged"}' WHERE seq = 3""",
    )
    bad = tampered(run(sealed, tsa_env))
    assert any(
        f.subject == "custody event 3" and f.check == "custody chain: payload hash" for f in bad
    )


def test_deleted_custody_event_is_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    attacker_sql(
        sealed.archive, *drop_triggers("custody_event"), "DELETE FROM custody_event WHERE seq = 2"
    )
    bad = tampered(run(sealed, tsa_env))
    checks = {(f.subject, f.check) for f in bad}
    assert ("custody event 3", "custody chain: sequence") in checks
    assert ("custody event 3", "custody chain: previous hash") in checks
    assert any(c == "log covers checkpoint" or c.startswith("root re-derived") for _, c in checks)


def test_reordered_custody_events_are_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    attacker_sql(
        sealed.archive,
        *drop_triggers("custody_event"),
        "UPDATE custody_event SET seq = 1000 WHERE seq = 3",
        "UPDATE custody_event SET seq = 3 WHERE seq = 4",
        "UPDATE custody_event SET seq = 4 WHERE seq = 1000",
    )
    bad = tampered(run(sealed, tsa_env))
    subjects = {f.subject for f in bad if f.check.startswith("custody chain")}
    assert {"custody event 3", "custody event 4"} <= subjects
    assert any(f.check == "root re-derived from custody log" for f in bad)


def test_token_swapped_from_another_capture_is_detected(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    first, second = (s.capture_id for s in sealed.seals)
    attacker_sql(
        sealed.archive,
        "INSERT INTO timestamp_token (id, subject_type, subject_id, message_sha256, tsa_url, "
        "status, error, token_sha256, gen_time, created_at) "
        f"SELECT 'tst_swapped', subject_type, '{second}', message_sha256, tsa_url, status, error, "
        "token_sha256, gen_time, created_at FROM timestamp_token "
        f"WHERE subject_id = '{first}' AND status = 'ok'",
    )
    bad = [f for f in beyond_binding(run(sealed, tsa_env)) if "tst_swapped" in f.subject]
    assert {f.check for f in bad} == {
        "token row names this subject's bytes",
        "token covers the subject",
    }
    imprint = next(f for f in bad if f.check == "token covers the subject")
    assert "message imprint mismatch" in str(imprint.found)


def test_replaced_key_is_detected(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    private_path, public_path = key_paths(sealed.archive.home)
    intruder = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        intruder.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    public_path.write_bytes(
        intruder.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    bad = tampered(run(sealed, tsa_env))
    assert {f.check for f in bad} == {
        "public key file is the logged key",
        "private key file is the logged key",
    }
    assert all(f.subject == "key" for f in bad)


def test_key_rewritten_in_log_fails_against_published_fingerprint(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    published = sealed.seals[0].key_fingerprint
    assert tampered(run(sealed, tsa_env, expected_key=published)) == []
    bad = tampered(run(sealed, tsa_env, expected_key="00" * 32))
    assert [(f.check, f.found) for f in bad] == [("published fingerprint", published)]


def test_missing_trust_root_is_unverifiable_not_tampered(
    sealed: SealedArchive, tsa_env: LocalTsa, tmp_path: Path
) -> None:
    without = verify_archive(sealed.archive, None)
    assert tampered(without) == []
    unverifiable = [f for f in without if f.status == UNVERIFIABLE]
    assert unverifiable and all(f.found == "none given" for f in unverifiable)
    build_pki(tmp_path / "other")
    other = verify_archive(sealed.archive, TrustStore.from_pem_file(tmp_path / "other/bundle.pem"))
    assert tampered(other) == []
    assert {f.found for f in other if f.status == UNVERIFIABLE} == {"not in the CA bundle"}


def test_rehash_reads_the_stored_bytes_in_large_chunks(archive: Archive) -> None:
    """Speed is measured by benchmarks/verify.py; here: digests and size of a multi-chunk blob."""
    data = os.urandom(1 << 20) * 20  # 20 MiB: three 8 MiB reads
    with archive.session() as session:
        sha256 = archive.store_blob(session, data).sha256
    with archive.blobs.open(sha256) as handle:
        digests, size = hash_stream(handle, "sha256", "sha512")
    assert digests == [sha256, hashlib.sha512(data).hexdigest()]
    assert size == len(data)


def test_rewritten_log_fails_against_a_published_checkpoint(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    """An attacker rewrites the last event consistently and removes the checkpoints."""
    archive = sealed.archive
    with archive.session() as session:
        published = log.latest_checkpoint(session)
        assert published is not None
    attacker_sql(
        archive,
        *drop_triggers("custody_event"),
        *drop_triggers("checkpoint"),
        *drop_triggers("timestamp_token"),
        "DELETE FROM checkpoint",
        "DELETE FROM timestamp_token WHERE subject_type = 'checkpoint'",
        f"DELETE FROM custody_event WHERE seq > {published.tree_size}",  # their events
    )
    with archive.session() as session:
        last = custody.head(session)
        assert last is not None
        kept = {k: v for k, v in last.payload.items() if k != "bound_rows"}  # the token's row
        last.payload = {**kept, "status": "forged"}
        last.payload_sha256 = sha256_hex(canonical_json(last.payload))
        last.entry_hash = custody.entry_hash(last)
        session.add(last)
    alone = tampered(run(sealed, tsa_env))  # the home's checkpoint file still shows it
    assert alone and {f.subject for f in alone} == {f"checkpoint file {published.tree_size}"}
    checkpoint_file.path_in(archive.home).unlink()  # a thorough attacker removes that too
    assert tampered(run(sealed, tsa_env)) == []  # the archive alone no longer shows it
    bad = tampered(run(sealed, tsa_env, published=[published.note]))
    assert [(f.subject, f.check) for f in bad] == [
        (f"published checkpoint {published.tree_size}", "root re-derived from custody log")
    ]
    assert bad[0].expected == published.root_hash


def test_published_checkpoint_from_another_key_is_rejected(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    with sealed.archive.session() as session:
        note = log.latest_checkpoint(session).note  # type: ignore[union-attr]
    forged = note.replace(note.split("\n")[1], "1", 1)
    bad = tampered(run(sealed, tsa_env, published=[forged]))
    assert [f.check for f in bad] == ["note signature"]


def test_malformed_manifest_is_reported_not_crashed_on(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    archive = sealed.archive
    capture_id = sealed.seals[0].capture_id
    fake = b'{"type":"evidence-collector/capture-manifest","custody":"x"}'
    with archive.session() as session:
        sha = archive.store_blob(session, fake).sha256
    attacker_sql(
        archive,
        *drop_triggers("capture"),
        f"UPDATE capture SET manifest_sha256 = '{sha}' WHERE id = '{capture_id}'",
    )
    checks = {f.check for f in tampered(run(sealed, tsa_env)) if capture_id in f.subject}
    assert {"manifest format", "signature"} <= checks


def test_capture_resealed_with_the_real_key_is_caught_by_its_timestamp(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    """Someone holding the key edits a capture and signs a new manifest: the TSA token over
    the original manifest no longer matches."""
    archive = sealed.archive
    seal = sealed.seals[0]
    document = json.loads(seal.manifest)
    document["capture"]["final_url"] = "https://evil.example/"
    manifest = rfc8785.dumps(document)
    signature = sign(ensure_key(archive).private, manifest)
    with archive.session() as session:
        manifest_sha = archive.store_blob(session, manifest).sha256
        signature_sha = archive.store_blob(session, signature).sha256
    signature_b64 = base64.b64encode(signature).decode()
    attacker_sql(
        archive,
        *drop_triggers("capture"),
        *drop_triggers("artifact"),
        f"UPDATE capture SET final_url = 'https://evil.example/', manifest_sha256 = "
        f"'{manifest_sha}', signature = '{signature_b64}' WHERE id = '{seal.capture_id}'",
        f"UPDATE artifact SET blob_sha256 = '{manifest_sha}', size = {len(manifest)} "
        f"WHERE capture_id = '{seal.capture_id}' AND role = 'manifest'",
        f"UPDATE artifact SET blob_sha256 = '{signature_sha}' "
        f"WHERE capture_id = '{seal.capture_id}' AND role = 'signature'",
    )
    findings = run(sealed, tsa_env)
    assert {f.subject.split()[0] for f in tampered(row_binding(findings))} == {
        "capture",
        "artifact",
    }
    bad = beyond_binding(findings)
    assert bad and all(f.subject.startswith("timestamp") for f in bad)
    assert {f.check for f in bad} == {
        "token row names this subject's bytes",
        "token covers the subject",
    }


def test_garbage_key_file_is_a_finding_not_a_crash(
    sealed: SealedArchive, tsa_env: LocalTsa
) -> None:
    private_path, _ = key_paths(sealed.archive.home)
    private_path.write_text("not a key")
    bad = tampered(run(sealed, tsa_env))
    assert [(f.check, str(f.found).startswith("unreadable")) for f in bad] == [
        ("private key file is the logged key", True)
    ]


def test_checkpoint_token_timestamps_the_captures_it_covers(
    archive: Archive, tsa: LocalTsa
) -> None:
    seal, _ = store_capture(archive, "https://example.org/batch")
    checkpoint = write_checkpoint(archive)
    assert checkpoint is not None
    trust = TrustStore.from_pem_file(tsa.bundle)
    before = verify_archive(archive, trust)
    assert ("timestamped", UNVERIFIABLE) in {(f.check, f.status) for f in before}
    with httpx.Client() as client:
        rows = obtain_tokens(
            archive,
            "checkpoint",
            str(checkpoint.tree_size),
            checkpoint.note.encode(),
            [f"{tsa.url}/tsa"],
            client,
        )
    assert [r.status for r in rows] == ["ok"]
    after = verify_archive(archive, trust)
    assert tampered(after) == [] and not [f for f in after if f.status == UNVERIFIABLE]
    stamped = next(f for f in after if f.check == "timestamped")
    assert stamped.subject == f"capture {seal.capture_id}"
    assert stamped.found == f"via checkpoint {checkpoint.tree_size}"
