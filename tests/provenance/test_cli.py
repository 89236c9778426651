"""`evidence key show`, `verify`, `log checkpoint`, `log prove` and `timestamp --pending`."""

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from archive.archive import Archive
from archive.provenance import log, merkle
from archive.provenance.models import TimestampToken
from collector.cli.app import app
from tests.provenance.sealing import SealedArchive, store_capture
from tests.provenance.test_verify import attacker_sql, drop_triggers
from tests.provenance.tsa import LocalTsa

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.stdout, result.stderr


def test_key_show(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "key", "show", "--json")
    assert code == 0
    info = json.loads(out)
    raw = base64.b64decode(info["public_key_raw_base64"])
    assert info["fingerprint_sha256"] == hashlib.sha256(raw).hexdigest()
    assert info["public_key_pem"] == (tmp_path / "keys/ed25519.pub").read_text()
    code, out, _ = run(tmp_path, "key", "show")
    assert code == 0 and "BEGIN PUBLIC KEY" in out
    assert json.loads(run(tmp_path, "key", "show", "--json")[1]) == info


def test_verify_exit_codes_and_precise_list(sealed: SealedArchive, tsa_env: LocalTsa) -> None:
    home = sealed.archive.home
    code, out, _ = run(home, "verify", "--json")
    assert code == 0, out
    assert json.loads(out)["summary"]["tampered"] == 0
    capture_id = sealed.seals[1].capture_id
    attacker_sql(
        sealed.archive,
        *drop_triggers("capture"),
        f"UPDATE capture SET http_status = 404 WHERE id = '{capture_id}'",
    )
    code, out, _ = run(home, "verify", "--json")
    assert code == 1
    bad = [f for f in json.loads(out)["findings"] if f["status"] == "tampered"]
    binding = [f for f in bad if f["check"].startswith("row hashes as custody event")]
    assert [f["subject"] for f in binding] == [f"capture {capture_id}"]
    bad = [f for f in bad if f not in binding]
    assert bad == [
        {
            "subject": f"capture {capture_id}",
            "check": "manifest matches database: capture.http_status",
            "status": "tampered",
            "expected": "200",
            "found": "404",
        }
    ]
    code, out, _ = run(home, "verify")
    # the row-binding finding's hashes narrow the table: the check name wraps
    assert code == 1 and "ALTERED" in out and "capture.http_stat" in out


def test_verify_reports_unverifiable_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIDENCE_TSA_URLS", raising=False)
    monkeypatch.delenv("EVIDENCE_TSA_CA_BUNDLE", raising=False)
    with Archive.open(tmp_path) as archive:
        store_capture(archive, "https://example.org/x")
    code, out, _ = run(tmp_path, "verify")
    assert code == 0 and "UNVERIFIABLE" in out and "not timestamped" in out
    assert run(tmp_path, "verify", "--strict")[0] == 1


def test_log_checkpoint_and_prove(sealed: SealedArchive, tmp_path: Path) -> None:
    home = sealed.archive.home
    code, out, _ = run(home, "log", "checkpoint", "--json")
    assert code == 0
    latest = json.loads(out)
    lines = latest["note"].split("\n")
    assert lines[1] == str(latest["tree_size"])
    assert base64.b64decode(lines[2]).hex() == latest["root_hash"]
    assert lines[4].startswith("\u2014 evidence-collector.local/log/")
    assert json.loads(run(home, "log", "checkpoint", "--json")[1]) == latest  # no growth, same
    code, out, _ = run(home, "log", "prove", "3", "--json")
    assert code == 0
    proof = json.loads(out)
    assert proof["tree_size"] == latest["tree_size"] and proof["leaf_index"] == 2
    # An outsider's check: leaf = SHA-256(0x00 || entry hash), then the RFC 9162 audit path.
    assert proof["leaf_data"] == proof["event"]["entry_hash"]
    assert merkle.verify_inclusion(
        merkle.leaf_hash(bytes.fromhex(proof["leaf_data"])),
        2,
        proof["tree_size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(latest["root_hash"]),
    )
    assert run(home, "log", "prove", "999")[0] == 1


def test_timestamp_pending(archive: Archive, tsa_env: LocalTsa, tmp_path: Path) -> None:
    home = archive.home
    store_capture(archive, "https://example.org/y")
    assert run(home, "log", "checkpoint")[0] == 0
    code, out, _ = run(home, "timestamp", "--pending", "--json")
    assert code == 0
    rows = json.loads(out)
    assert sorted(r["subject"].split()[0] for r in rows) == ["capture", "checkpoint"]
    assert all(r["status"] == "ok" for r in rows)
    assert json.loads(run(home, "timestamp", "--pending", "--json")[1]) == []
    code, out, err = run(home, "timestamp")
    assert code == 1 and "--pending" in err
    token = tmp_path / "token.tsr"
    with archive.session() as session:
        row = session.exec(
            select(TimestampToken).where(TimestampToken.subject_type == "capture")
        ).one()
    token.write_bytes(archive.blobs.get(str(row.token_sha256)))
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(archive.blobs.get(row.message_sha256))
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(token), "-data", str(manifest),
         "-CAfile", str(tsa_env.pki / "root.crt"),
         "-untrusted", str(tsa_env.pki / "intermediate.crt")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_checkpoint_signature_verifies_with_openssl(tmp_path: Path) -> None:
    """The shell recipe in docs/provenance.md, run as written."""
    home = tmp_path / "home"
    code, out, _ = run(home, "log", "checkpoint")
    assert code == 0
    (tmp_path / "checkpoint.txt").write_text(out)
    script = (
        "head -n 3 checkpoint.txt > body.txt && "
        "tail -n 1 checkpoint.txt | awk '{print $3}' | base64 -d | tail -c 64 > note.sig && "
        f"openssl pkeyutl -verify -pubin -inkey {home}/keys/ed25519.pub -rawin "
        "-in body.txt -sigfile note.sig"
    )
    done = subprocess.run(script, shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout
    (tmp_path / "body.txt").write_text(out.splitlines()[0] + "\n999\n" + out.splitlines()[2] + "\n")
    tampered = subprocess.run(
        f"openssl pkeyutl -verify -pubin -inkey {home}/keys/ed25519.pub -rawin "
        "-in body.txt -sigfile note.sig",
        shell=True, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert tampered.returncode != 0


def test_log_consistency_between_checkpoints(sealed: SealedArchive) -> None:
    home = sealed.archive.home
    with sealed.archive.session() as session:
        sizes = [c.tree_size for c in log.checkpoints(session)]
    assert len(sizes) == 2
    code, out, _ = run(home, "log", "consistency", str(sizes[0]), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["second"]["tree_size"] == sizes[1]
    assert merkle.verify_consistency(
        sizes[0],
        sizes[1],
        bytes.fromhex(data["first"]["root_hash"]),
        bytes.fromhex(data["second"]["root_hash"]),
        [bytes.fromhex(p) for p in data["proof"]],
    )
    assert run(home, "log", "consistency", "12345")[0] == 1


def test_verify_with_published_checkpoint_file(sealed: SealedArchive, tmp_path: Path) -> None:
    home = sealed.archive.home
    note = tmp_path / "published.txt"
    note.write_text(run(home, "log", "checkpoint")[1])
    code, out, _ = run(home, "verify", "--checkpoint", str(note), "--json")
    assert code == 0
    published = [f for f in json.loads(out)["findings"] if "published" in f["subject"]]
    assert [f["status"] for f in published] == ["ok"]
    assert run(home, "verify", "--checkpoint", str(tmp_path / "missing.txt"))[0] == 1


def test_bad_input_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(tmp_path, "verify", "--tsa-ca-bundle", str(tmp_path / "nope.pem"))
    assert code == 1 and err.startswith("error: cannot read the TSA CA bundle")
    assert "Traceback" not in err
    assert run(tmp_path, "log", "prove", "0")[0] == 2
    code, _, err = run(tmp_path, "log", "prove", "1")
    assert code == 1 and "not in a checkpoint yet" in err
    monkeypatch.setenv("EVIDENCE_TSA_URLS", "http://127.0.0.1:9/tsa")
    with Archive.open(tmp_path) as archive:
        store_capture(archive, "https://example.org/z")
    code, out, _ = run(tmp_path, "timestamp", "--pending", "--json")
    assert code == 1
    assert [r["status"] for r in json.loads(out)] == ["failed"]
