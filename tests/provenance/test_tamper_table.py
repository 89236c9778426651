"""One table of tamper cases, each applied to an archive and to a package exported from it:
the archive verifier (database) and the package verifier (package.json) must both report it,
as the same kind of finding."""

import json
import re
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive import custody
from archive.archive import Archive
from archive.export import export
from archive.export.package_verify import verify_package
from archive.provenance.findings import TAMPERED, UNVERIFIABLE, Finding
from archive.provenance.keys import PublicKey
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from archive.provenance.wacz_key import PUBLIC_FILE, WACZ_KEY_PATH
from archive.timeutil import iso, utcnow
from archive.vocabulary import CustodyAction
from tests.provenance.sealing import SealedArchive
from tests.provenance.test_wacz_key_verify import _other_public_pem
from tests.provenance.tsa import LocalTsa


@dataclass
class World:
    """A sealed archive and a WACZ of its first capture, unpacked to a folder."""

    archive: Archive
    capture_id: str
    package: Path
    trust: TrustStore

    @property
    def index(self) -> dict[str, Any]:
        return json.loads((self.package / "provenance/package.json").read_text())

    def write_index(self, index: dict[str, Any]) -> None:
        (self.package / "provenance/package.json").write_text(json.dumps(index))

    @property
    def capture(self) -> dict[str, Any]:
        return next(c for c in self.index["captures"] if c["id"] == self.capture_id)

    def artifact_blob(self, name: str) -> str:
        with sqlite3.connect(self.archive.home / "evidence.db") as db:
            (sha,) = db.execute(
                "SELECT blob_sha256 FROM artifact WHERE capture_id = ? AND name = ?",
                (self.capture_id, name),
            ).fetchone()
        return str(sha)

    def recorded_seq(self) -> int:
        return int(self.capture["recorded_seq"])


def attacker(world: World, table: str, statement: str, *params: object) -> None:
    """Run SQL on the database file with the append-only triggers of `table` dropped."""
    with sqlite3.connect(world.archive.home / "evidence.db") as db:
        db.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        db.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        db.execute(statement, params)


def flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if offset is None else offset] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def blob_path(world: World, sha256: str) -> Path:
    return world.archive.blobs.path(sha256)  # type: ignore[attr-defined,no-any-return]


def edit_events(world: World, edit: Callable[[list[dict[str, Any]]], None]) -> None:
    """Rewrite the package's custody extract through `edit` (on the parsed events)."""
    path = world.package / world.index["custody"]
    events = [json.loads(line) for line in path.read_text().splitlines()]
    edit(events)
    path.write_text("".join(json.dumps(e) + "\n" for e in events))


def intruder_key() -> PublicKey:
    raw = Ed25519PrivateKey.generate().public_key()
    return PublicKey(raw.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


# ---- the tamper cases, each on both copies of the evidence ----------------------------------


def archive_flip_artifact(world: World) -> None:
    flip(blob_path(world, world.artifact_blob("dom.html")))


def package_flip_artifact(world: World) -> None:
    flip(world.package / world.capture["artifacts"]["dom.html"])


def altered_manifest(manifest: bytes) -> bytes:
    document = json.loads(manifest)
    document["capture"]["final_url"] = "https://evil.example/"
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def archive_alter_manifest(world: World) -> None:
    manifest = altered_manifest(world.archive.blobs.get(world.artifact_blob("manifest.json")))
    with world.archive.session() as session:
        sha = world.archive.store_blob(session, manifest).sha256
    attacker(world, "capture", "UPDATE capture SET manifest_sha256 = ? WHERE id = ?", sha,
             world.capture_id)  # fmt: skip
    attacker(world, "artifact", "UPDATE artifact SET blob_sha256 = ? WHERE capture_id = ? "
             "AND role = 'manifest'", sha, world.capture_id)  # fmt: skip


def package_alter_manifest(world: World) -> None:
    path = world.package / world.capture["manifest"]
    path.write_bytes(altered_manifest(path.read_bytes()))


def archive_flip_signature(world: World) -> None:
    flip(blob_path(world, world.artifact_blob("manifest.json.sig")), offset=0)


def package_flip_signature(world: World) -> None:
    flip(world.package / world.capture["signature"], offset=0)


def archive_second_key(world: World) -> None:
    key = intruder_key()
    with world.archive.session() as session:
        world.archive.record(
            session, CustodyAction.KEY_CREATED, "key", key.fingerprint,
            {"algorithm": "Ed25519", "public_key": key.raw_base64, "fingerprint": key.fingerprint},
        )  # fmt: skip


def package_second_key(world: World) -> None:
    key = intruder_key()

    def append(events: list[dict[str, Any]]) -> None:
        last = max(events, key=lambda e: e["seq"])
        payload = {"algorithm": "Ed25519", "public_key": key.raw_base64,
                   "fingerprint": key.fingerprint}  # fmt: skip
        event = {
            "seq": last["seq"] + 1, "occurred_at": iso(utcnow()), "actor": "intruder",
            "action": CustodyAction.KEY_CREATED.value, "subject_type": "key",
            "subject_id": key.fingerprint, "payload": payload,
            "payload_sha256": custody.payload_hash(payload), "prev_hash": last["entry_hash"],
        }  # fmt: skip
        events.append({**event, "entry_hash": custody.record_entry_hash(event)})

    edit_events(world, append)


def archive_edit_event_payload(world: World) -> None:
    attacker(world, "custody_event", "UPDATE custody_event SET payload = ? WHERE seq = ?",
             '{"manifest_sha256": "forged"}', world.recorded_seq())  # fmt: skip


def package_edit_event_payload(world: World) -> None:
    seq = world.recorded_seq()

    def forge(events: list[dict[str, Any]]) -> None:
        event = next(e for e in events if e["seq"] == seq)
        event["payload"] = {"manifest_sha256": "forged"}

    edit_events(world, forge)


def archive_edit_event_actor(world: World) -> None:
    attacker(world, "custody_event", "UPDATE custody_event SET actor = 'someone else' "
             "WHERE seq = ?", world.recorded_seq())  # fmt: skip


def package_edit_event_actor(world: World) -> None:
    seq = world.recorded_seq()

    def forge(events: list[dict[str, Any]]) -> None:
        next(e for e in events if e["seq"] == seq)["actor"] = "someone else"

    edit_events(world, forge)


ORIGIN_OFFSET = len("evidence-collector.local/log/") + 3


def archive_alter_note(world: World) -> None:
    with sqlite3.connect(world.archive.home / "evidence.db") as db:
        size, note = db.execute(
            "SELECT tree_size, note FROM checkpoint ORDER BY tree_size DESC"
        ).fetchone()
    altered = note[:ORIGIN_OFFSET] + chr(ord(note[ORIGIN_OFFSET]) ^ 1) + note[ORIGIN_OFFSET + 1 :]
    attacker(world, "checkpoint", "UPDATE checkpoint SET note = ? WHERE tree_size = ?", altered,
             size)  # fmt: skip


def package_alter_note(world: World) -> None:
    flip(world.package / world.index["checkpoints"][0]["path"], offset=ORIGIN_OFFSET)


def archive_break_consistency(world: World) -> None:
    with sqlite3.connect(world.archive.home / "evidence.db") as db:
        (size,) = db.execute("SELECT min(tree_size) FROM checkpoint").fetchone()
    attacker(world, "checkpoint", "UPDATE checkpoint SET root_hash = ? WHERE tree_size = ?",
             "00" * 32, size)  # fmt: skip


def package_break_consistency(world: World) -> None:
    index = world.index
    older = min(index["checkpoints"], key=lambda c: c["tree_size"])
    older["consistency_with_newest"][0] = "00" * 32
    world.write_index(index)


def archive_token_over_other_bytes(world: World) -> None:
    attacker(world, "timestamp_token", "UPDATE timestamp_token SET token_sha256 = (SELECT "
             "token_sha256 FROM timestamp_token WHERE subject_type = 'checkpoint' AND status = "
             "'ok' LIMIT 1) WHERE subject_id = ?", world.capture_id)  # fmt: skip


def package_token_over_other_bytes(world: World) -> None:
    index = world.index
    stamped = next(c for c in index["checkpoints"] if c["tokens"])
    target = world.package / world.capture["tokens"][0]["path"]
    target.write_bytes((world.package / stamped["tokens"][0]["path"]).read_bytes())


def archive_flip_token(world: World) -> None:
    with sqlite3.connect(world.archive.home / "evidence.db") as db:
        (sha,) = db.execute(
            "SELECT token_sha256 FROM timestamp_token WHERE subject_id = ? AND status = 'ok'",
            (world.capture_id,),
        ).fetchone()
    path = blob_path(world, sha)
    flip(path, offset=path.stat().st_size - 5)


def package_flip_token(world: World) -> None:
    path = world.package / world.capture["tokens"][0]["path"]
    flip(path, offset=path.stat().st_size - 5)


def archive_drop_tokens(world: World) -> None:
    attacker(world, "timestamp_token", "DELETE FROM timestamp_token")


def package_drop_tokens(world: World) -> None:
    index = world.index
    for item in [*index["captures"], *index["checkpoints"]]:
        item["tokens"] = []
    world.write_index(index)


def archive_swap_wacz_key(world: World) -> None:
    (world.archive.home / "keys" / PUBLIC_FILE).write_bytes(_other_public_pem())


def package_swap_wacz_key(world: World) -> None:
    (world.package / WACZ_KEY_PATH).write_bytes(_other_public_pem())


@dataclass(frozen=True)
class Tamper:
    """One way of altering evidence, on the archive and on the package, and what both
    verifiers must report (a finding kind and status)."""

    name: str
    on_archive: Callable[[World], None] | None
    on_package: Callable[[World], None] | None
    kind: str
    status: str = TAMPERED
    options: dict[str, Any] = field(default_factory=dict)


TAMPERS = [
    Tamper("artifact byte flipped", archive_flip_artifact, package_flip_artifact, "sha256"),
    Tamper("manifest field altered", archive_alter_manifest, package_alter_manifest, "signature"),
    Tamper("signature byte flipped", archive_flip_signature, package_flip_signature, "signature"),
    Tamper("wrong published key fingerprint", None, None, "published fingerprint",
           options={"expected_key": "00" * 32}),
    Tamper("second key.created", archive_second_key, package_second_key, "only one archive key"),
    Tamper("custody payload edited", archive_edit_event_payload, package_edit_event_payload,
           "payload hash"),
    Tamper("custody hash link broken", archive_edit_event_actor, package_edit_event_actor,
           "entry hash"),
    Tamper("checkpoint note altered", archive_alter_note, package_alter_note, "note signature"),
    Tamper("consistency proof fails", archive_break_consistency, package_break_consistency,
           "consistent with checkpoint"),
    Tamper("token over other bytes", archive_token_over_other_bytes,
           package_token_over_other_bytes, "token covers the subject"),
    Tamper("token byte flipped", archive_flip_token, package_flip_token,
           "TSA signature and chain"),
    Tamper("timestamps missing", archive_drop_tokens, package_drop_tokens, "timestamped",
           UNVERIFIABLE),
    Tamper("WACZ key file swapped", archive_swap_wacz_key, package_swap_wacz_key,
           "file is the logged key"),
]  # fmt: skip


def kind(finding: Finding) -> str:
    """The kind of a finding: its check, without the archive's `custody chain: ` prefix or the
    other checkpoint's size."""
    return re.sub(r"^custody chain: | \d+$", "", finding.check)


@pytest.fixture
def world(sealed: SealedArchive, tsa_env: LocalTsa, tmp_path: Path) -> World:
    capture_id = sealed.seals[0].capture_id
    export(sealed.archive, capture_id, "wacz", tmp_path / "capture.wacz")
    with zipfile.ZipFile(tmp_path / "capture.wacz") as zipped:
        zipped.extractall(tmp_path / "package")
    return World(sealed.archive, capture_id, tmp_path / "package",
                 TrustStore.from_pem_file(tsa_env.bundle))  # fmt: skip


def both(world: World, **options: Any) -> dict[str, list[Finding]]:
    return {
        "archive": verify_archive(world.archive, world.trust, **options),
        "package": verify_package(world.package, world.trust, **options),
    }


def test_both_copies_verify_before_tampering(world: World) -> None:
    for path, findings in both(world).items():
        assert [f for f in findings if f.status == TAMPERED] == [], path
        assert not any(
            (kind(f), f.status) in {(t.kind, t.status) for t in TAMPERS} for f in findings
        ), path


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.name for t in TAMPERS])
def test_both_verifiers_report_the_tampering(world: World, tamper: Tamper) -> None:
    for edit in (tamper.on_archive, tamper.on_package):
        if edit is not None:
            edit(world)
    for path, findings in both(world, **tamper.options).items():
        reported = {(kind(f), f.status) for f in findings}
        assert (tamper.kind, tamper.status) in reported, (path, sorted(reported))
