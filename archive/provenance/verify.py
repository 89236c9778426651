"""Verify an archive: every blob re-hashed, the custody chain, each capture's manifest
(re-derived from the database and compared), its signature, its timestamp tokens, and every
checkpoint (signature, root re-derived from the log, consistency with the previous one).

The result is a list of `Finding`s: `ok`, `tampered` (something recorded no longer holds) or
`unverifiable` (a check could not be made: no trust root, no token, not sealed).
"""

import base64
import binascii
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from sqlmodel import Session, select

from archive import custody
from archive.archive import Archive
from archive.errors import BlobError
from archive.models import Artifact, Blob, Capture, CustodyEvent
from archive.provenance import log, merkle
from archive.provenance.checkpoint import NoteError, log_origin, parse_checkpoint, verify_note
from archive.provenance.keys import (
    KEY_CREATED,
    ArchiveKeyError,
    PublicKey,
    load_public_key,
    load_signing_key,
    recorded_keys,
)
from archive.provenance.manifest import SEAL_ROLES, manifest_document, parse_manifest
from archive.provenance.models import Checkpoint, TimestampToken
from archive.provenance.seal import case_of
from archive.provenance.signing import verify_signature
from archive.provenance.timestamps import (
    TimestampError,
    TrustStore,
    check_response,
    signer_certificate,
    verify_token,
)
from archive.provenance.wacz_key import WACZ_KEY_CREATED
from archive.provenance.wacz_key import public_file_fingerprint as wacz_public_fingerprint
from archive.timeutil import iso

OK, TAMPERED, UNVERIFIABLE = "ok", "tampered", "unverifiable"
READ_SIZE = 8 << 20


@dataclass(frozen=True)
class Finding:
    """One check on one subject."""

    subject: str
    check: str
    status: str
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


def hash_stream(
    handle: BinaryIO, *names: str, buffer: bytearray | None = None
) -> tuple[list[str], int]:
    """Hex digests (SHA-256 by default) and size of everything in `handle`, read in large
    chunks (8 MiB unless `buffer` is given; pass one to reuse it across many files)."""
    digests = [hashlib.new(name) for name in names or ("sha256",)]
    view = memoryview(buffer if buffer is not None else bytearray(READ_SIZE))
    size = 0
    while count := handle.readinto(view):  # type: ignore[attr-defined]
        chunk = view[:count]
        for digest in digests:
            digest.update(chunk)
        size += count
    return [digest.hexdigest() for digest in digests], size


def verify_archive(
    archive: Archive,
    trust: TrustStore | None = None,
    expected_key: str | None = None,
    published: Sequence[str] = (),
    sha512: bool = False,
) -> list[Finding]:
    """Run every check.

    `expected_key` is a key fingerprint and `published` are checkpoint notes kept outside the
    archive: the log must still hold exactly what each published checkpoint signed. `sha512`
    re-computes each blob's SHA-512 too (slower; SHA-256 alone names and checks the bytes).
    """
    findings: list[Finding] = []
    with archive.session() as session:
        key = _check_key(archive, session, expected_key, findings)
        _check_wacz_key(archive, session, findings)
        findings += _check_blobs(archive, session, sha512)
        findings += _check_chain(session)
        messages = _check_captures(archive, session, key, findings)
        _check_checkpoints(session, key, findings)
        _check_tokens(archive, session, trust, messages, findings)
        tree = merkle.MerkleTree(log.leaves(session) if published else [])
    findings += [check_published_checkpoint(tree, note, key) for note in published]
    return findings


def check_published_checkpoint(
    tree: merkle.MerkleTree, note: str, key: PublicKey | None
) -> Finding:
    """Does the log (its Merkle tree) still have the root a checkpoint published earlier signed?"""
    subject = "published checkpoint"
    if key is None:
        return Finding(subject, "note signature", UNVERIFIABLE, "an archive key", "none")
    origin = log_origin(key.fingerprint)
    try:
        parsed = parse_checkpoint(verify_note(note, origin, key.raw))
    except NoteError as exc:
        return Finding(subject, "note signature", TAMPERED, f"signed by {origin}", str(exc))
    subject = f"published checkpoint {parsed.tree_size}"
    if parsed.tree_size > len(tree.leaves):
        return Finding(
            subject,
            "log covers checkpoint",
            TAMPERED,
            f">= {parsed.tree_size} events",
            f"{len(tree.leaves)} events",
        )
    root = tree.root(parsed.tree_size)
    status = OK if root == parsed.root_hash else TAMPERED
    return Finding(
        subject, "root re-derived from custody log", status, parsed.root_hash.hex(), root.hex()
    )


def _check_key(
    archive: Archive, session: Session, expected: str | None, findings: list[Finding]
) -> PublicKey | None:
    """The key signatures are checked with: the one the custody log recorded at creation."""
    logged = _logged_key(session, findings)
    found_before = len(findings)
    files = _key_file_fingerprints(archive)
    for label, fingerprint in files.items():
        if logged is not None and fingerprint not in (None, logged.fingerprint):
            findings.append(
                Finding(
                    "key", f"{label} is the logged key", TAMPERED, logged.fingerprint, fingerprint
                )
            )
    trusted = logged
    if trusted is None:
        try:
            trusted = load_public_key(archive.home)
        except ArchiveKeyError:
            trusted = None
    if expected is not None:
        found = trusted.fingerprint if trusted else None
        status = OK if found == expected.lower() else TAMPERED
        findings.append(Finding("key", "published fingerprint", status, expected.lower(), found))
    clean = all(f.status != TAMPERED for f in findings[found_before:])
    if trusted is not None and clean:
        findings.append(Finding("key", "archive key", OK, found=trusted.fingerprint))
    return trusted


def _check_wacz_key(archive: Archive, session: Session, findings: list[Finding]) -> None:
    """The WACZ signing key's public file is the key its one `wacz-key.created` event names."""
    logged = recorded_keys(session, WACZ_KEY_CREATED)
    try:
        on_disk = wacz_public_fingerprint(archive)
    except ArchiveKeyError as exc:
        findings.append(Finding("WACZ key", "public key file", TAMPERED, "a public key", str(exc)))
        return
    if not logged:
        if on_disk is not None:
            findings.append(
                Finding("WACZ key", "key recorded in custody log", TAMPERED,
                        "a wacz-key.created event", "none")
            )  # fmt: skip
        return
    for later in logged[1:]:
        findings.append(Finding("WACZ key", "only one WACZ key", TAMPERED, logged[0], later))
    if on_disk is None:
        findings.append(Finding("WACZ key", "public key file", UNVERIFIABLE, logged[0], "missing"))
    elif on_disk != logged[0]:
        findings.append(Finding("WACZ key", "file is the logged key", TAMPERED, logged[0], on_disk))
    elif len(logged) == 1:
        findings.append(Finding("WACZ key", "WACZ signing key", OK, found=on_disk))


def _logged_key(session: Session, findings: list[Finding]) -> PublicKey | None:
    """The public key of the first `key.created` custody event."""
    statement = select(CustodyEvent).where(CustodyEvent.action == KEY_CREATED)
    created = list(session.exec(statement.order_by(CustodyEvent.seq)))  # type: ignore[arg-type]
    if not created:
        findings.append(Finding("key", "key recorded in custody log", UNVERIFIABLE, found="none"))
        return None
    try:
        logged = PublicKey(
            base64.b64decode(str(created[0].payload.get("public_key")), validate=True)
        )
    except binascii.Error:
        logged = PublicKey(b"")
    if logged.fingerprint != created[0].subject_id:
        findings.append(
            Finding(
                "key", "key.created event fingerprint", TAMPERED, created[0].subject_id,
                logged.fingerprint,
            )
        )  # fmt: skip
    for later in created[1:]:
        findings.append(
            Finding("key", "only one archive key", TAMPERED, logged.fingerprint, later.subject_id)
        )
    return logged


def _key_file_fingerprints(archive: Archive) -> dict[str, str | None]:
    """Fingerprints of the key files (None when missing, a message when unreadable)."""
    result: dict[str, str | None] = {}
    try:
        public = load_public_key(archive.home)
        result["public key file"] = public.fingerprint if public else None
    except ArchiveKeyError as exc:
        result["public key file"] = f"unreadable: {exc}"
    try:
        signing = load_signing_key(archive.home)
        result["private key file"] = signing.public.fingerprint if signing else None
    except ArchiveKeyError as exc:
        result["private key file"] = f"unreadable: {exc}"
    return result


def _check_blobs(archive: Archive, session: Session, sha512: bool) -> list[Finding]:
    used_by: dict[str, list[str]] = defaultdict(list)
    for artifact in session.exec(select(Artifact)):
        used_by[artifact.blob_sha256].append(f"{artifact.capture_id}/{artifact.name}")
    findings = []
    buffer = bytearray(READ_SIZE)
    algorithms = ("sha256", "sha512") if sha512 else ("sha256",)
    for blob in session.exec(select(Blob).order_by(Blob.sha256)):  # type: ignore[arg-type]
        names = ", ".join(used_by.get(blob.sha256, [])) or "unreferenced"
        subject = f"blob {blob.sha256} ({names})"
        try:
            with archive.blobs.open(blob.sha256) as handle:
                digests, size = hash_stream(handle, *algorithms, buffer=buffer)
        except BlobError as exc:
            findings.append(Finding(subject, "blob present", TAMPERED, "stored bytes", str(exc)))
            continue
        digest = digests[0]
        if sha512 and digests[1] != blob.sha512:
            findings.append(Finding(subject, "sha512", TAMPERED, blob.sha512, digests[1]))
        if digest != blob.sha256:
            findings.append(Finding(subject, "sha256", TAMPERED, blob.sha256, digest))
        elif size != blob.size:
            findings.append(Finding(subject, "size", TAMPERED, str(blob.size), str(size)))
        else:
            findings.append(Finding(subject, "sha256", OK, blob.sha256, digest))
    return findings


def _check_chain(session: Session) -> list[Finding]:
    problems = custody.check_chain(session)
    findings = [
        Finding(
            f"custody event {p.seq}", f"custody chain: {p.check}", TAMPERED, p.expected, p.found
        )
        for p in problems
    ]
    if not problems:
        count = len(log.events(session))
        findings.append(Finding("custody log", "hash chain", OK, found=f"{count} events intact"))
    return findings


def _diff(expected: Any, found: Any, path: str = "") -> list[tuple[str, str, str]]:
    """Paths where two JSON values differ, with both sides as JSON text."""
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(expected) | set(found)):
            out += _diff(expected.get(key), found.get(key), f"{path}.{key}" if path else key)
        return out
    if expected != found:
        return [
            (path, json.dumps(expected, ensure_ascii=False), json.dumps(found, ensure_ascii=False))
        ]
    return []


def _check_captures(
    archive: Archive, session: Session, key: PublicKey | None, findings: list[Finding]
) -> dict[str, bytes]:
    """Check every capture's seal; return the manifest bytes by capture id."""
    seq_of = {e.entry_hash: e.seq for e in log.events(session)}
    recorded = {
        e.subject_id: e.seq
        for e in session.exec(select(CustodyEvent).where(CustodyEvent.action == "capture.recorded"))
    }
    messages: dict[str, bytes] = {}
    for capture in session.exec(select(Capture).order_by(Capture.id)):  # type: ignore[arg-type]
        subject = f"capture {capture.id}"
        if capture.manifest_sha256 is None:
            findings.append(
                Finding(
                    subject, "manifest", UNVERIFIABLE, "a signed manifest", "capture not sealed"
                )
            )
            continue
        try:
            manifest = archive.blobs.get(capture.manifest_sha256)
        except BlobError as exc:
            findings.append(
                Finding(subject, "manifest present", TAMPERED, capture.manifest_sha256, str(exc))
            )
            continue
        if hashlib.sha256(manifest).hexdigest() != capture.manifest_sha256:
            findings.append(
                Finding(
                    subject,
                    "manifest sha256",
                    TAMPERED,
                    capture.manifest_sha256,
                    hashlib.sha256(manifest).hexdigest(),
                )
            )
            continue
        messages[capture.id] = manifest
        artifacts = list(session.exec(select(Artifact).where(Artifact.capture_id == capture.id)))
        _check_signature(archive, subject, capture, artifacts, manifest, key, findings)
        try:
            document = parse_manifest(manifest)
        except ValueError as exc:
            findings.append(
                Finding(subject, "manifest format", TAMPERED, "a capture manifest", str(exc))
            )
            continue
        _check_manifest_content(session, subject, capture, artifacts, document, key, findings)
        head = document.get("custody", {}).get("previous_log_head")
        head_seq = 0 if head == custody.GENESIS_HASH else seq_of.get(head)
        own_seq = recorded.get(capture.id)
        if head_seq is None:
            findings.append(
                Finding(
                    subject, "manifest log head is in the custody log", TAMPERED, head, "absent"
                )
            )
        elif own_seq is None:
            findings.append(
                Finding(
                    subject,
                    "custody event records the capture",
                    TAMPERED,
                    "capture.recorded",
                    "none",
                )
            )
        elif head_seq >= own_seq:
            findings.append(
                Finding(
                    subject,
                    "manifest log head precedes the capture",
                    TAMPERED,
                    f"< {own_seq}",
                    str(head_seq),
                )
            )
    return messages


def _check_signature(
    archive: Archive,
    subject: str,
    capture: Capture,
    artifacts: list[Artifact],
    manifest: bytes,
    key: PublicKey | None,
    findings: list[Finding],
) -> None:
    stored = next((a for a in artifacts if a.role == "signature"), None)
    column = base64.b64decode(capture.signature or "")
    try:
        signature = archive.blobs.get(stored.blob_sha256) if stored else column
    except BlobError:
        signature = column
    if stored is not None and signature != column:
        findings.append(
            Finding(
                subject,
                "signature artifact equals capture.signature",
                TAMPERED,
                column.hex(),
                signature.hex(),
            )
        )
    if key is None:
        findings.append(Finding(subject, "signature", UNVERIFIABLE, "an archive key", "none"))
    elif verify_signature(key.raw, manifest, signature):
        findings.append(Finding(subject, "signature", OK, found=f"Ed25519 by {key.fingerprint}"))
    else:
        findings.append(
            Finding(
                subject,
                "signature",
                TAMPERED,
                f"valid Ed25519 by {key.fingerprint}",
                "does not verify",
            )
        )


def _check_manifest_content(
    session: Session,
    subject: str,
    capture: Capture,
    artifacts: list[Artifact],
    document: dict[str, Any],
    key: PublicKey | None,
    findings: list[Finding],
) -> None:
    rows = []
    for artifact in artifacts:
        if artifact.role in SEAL_ROLES:
            continue
        blob = session.get(Blob, artifact.blob_sha256)
        rows.append({**artifact.model_dump(), "sha512": blob.sha512 if blob else None})
    derived = manifest_document(
        capture.model_dump(),
        rows,
        previous_log_head=document.get("custody", {}).get("previous_log_head", ""),
        investigator=capture.investigator,
        case=case_of(session, capture.case_id),
        berkeley=document.get("collection", {}),
        signer_fingerprint=key.fingerprint if key else "",
    )
    stored_artifacts = {
        a.get("name"): a for a in document.get("artifacts", []) if isinstance(a, dict)
    }
    derived_artifacts = {a["name"]: a for a in derived.pop("artifacts")}
    stored_doc = {k: v for k, v in document.items() if k != "artifacts"}
    differences = _diff(stored_doc, json.loads(json.dumps(derived)))
    for name in sorted(set(stored_artifacts) | set(derived_artifacts)):
        label = f"artifacts[{name}]"
        differences += _diff(stored_artifacts.get(name), derived_artifacts.get(name), label)
    for path, in_manifest, in_database in differences:
        findings.append(
            Finding(
                subject, f"manifest matches database: {path}", TAMPERED, in_manifest, in_database
            )
        )
    if not differences:
        findings.append(
            Finding(subject, "manifest matches database", OK, found=f"{len(rows)} artifacts")
        )


def _check_checkpoints(session: Session, key: PublicKey | None, findings: list[Finding]) -> None:
    hashes = log.leaves(session)
    tree = merkle.MerkleTree(hashes)
    previous: Checkpoint | None = None
    for checkpoint in log.checkpoints(session):
        subject = f"checkpoint {checkpoint.tree_size}"
        size = checkpoint.tree_size
        if key is None:
            findings.append(Finding(subject, "signature", UNVERIFIABLE, "an archive key", "none"))
        else:
            origin = log_origin(key.fingerprint)
            try:
                parsed = parse_checkpoint(verify_note(checkpoint.note, origin, key.raw))
            except NoteError as exc:
                findings.append(
                    Finding(subject, "note signature", TAMPERED, f"signed by {origin}", str(exc))
                )
            else:
                if parsed.tree_size != size or parsed.root_hash.hex() != checkpoint.root_hash:
                    findings.append(
                        Finding(
                            subject,
                            "row matches signed note",
                            TAMPERED,
                            f"{parsed.tree_size} {parsed.root_hash.hex()}",
                            f"{size} {checkpoint.root_hash}",
                        )
                    )
        if size > len(hashes):
            findings.append(
                Finding(
                    subject,
                    "log covers checkpoint",
                    TAMPERED,
                    f">= {size} events",
                    f"{len(hashes)} events",
                )
            )
            continue
        root = tree.root(size).hex()
        if root != checkpoint.root_hash:
            findings.append(
                Finding(
                    subject,
                    "root re-derived from custody log",
                    TAMPERED,
                    checkpoint.root_hash,
                    root,
                )
            )
        else:
            findings.append(
                Finding(subject, "root re-derived from custody log", OK, checkpoint.root_hash, root)
            )
        if previous is not None:
            proof = tree.consistency_proof(previous.tree_size, size)
            holds = merkle.verify_consistency(
                previous.tree_size,
                size,
                bytes.fromhex(previous.root_hash),
                bytes.fromhex(checkpoint.root_hash),
                proof,
            )
            findings.append(
                Finding(
                    subject,
                    f"consistent with checkpoint {previous.tree_size}",
                    OK if holds else TAMPERED,
                    "a valid RFC 9162 consistency proof",
                    "verified" if holds else "proof fails: the log was rewritten",
                )
            )
        previous = checkpoint


def _check_tokens(
    archive: Archive,
    session: Session,
    trust: TrustStore | None,
    manifests: dict[str, bytes],
    findings: list[Finding],
) -> None:
    notes = {str(c.tree_size): c.note.encode("utf-8") for c in log.checkpoints(session)}
    stamped: set[tuple[str, str]] = set()
    for token in session.exec(select(TimestampToken).where(TimestampToken.status == "ok")):
        subject = f"timestamp {token.id} ({token.subject_type} {token.subject_id}, {token.tsa_url})"
        message = (manifests if token.subject_type == "capture" else notes).get(token.subject_id)
        if message is None:
            findings.append(
                Finding(
                    subject,
                    "timestamped subject exists",
                    TAMPERED,
                    token.subject_id,
                    "absent or unreadable",
                )
            )
            continue
        actual = hashlib.sha256(message).hexdigest()
        if actual != token.message_sha256:
            findings.append(
                Finding(
                    subject,
                    "token row names this subject's bytes",
                    TAMPERED,
                    token.message_sha256,
                    actual,
                )
            )
        try:
            raw = archive.blobs.get(str(token.token_sha256))
            check_response(raw, message)
        except (BlobError, TimestampError) as exc:
            findings.append(
                Finding(
                    subject, "token covers the subject", TAMPERED, f"imprint of {actual}", str(exc)
                )
            )
            continue
        stamped.add((token.subject_type, token.subject_id))
        findings.append(_trust_finding(subject, raw, message, trust))
    _report_unstamped(session, stamped, findings)


def _trust_finding(subject: str, raw: bytes, message: bytes, trust: TrustStore | None) -> Finding:
    if trust is None:
        return Finding(
            subject, "TSA signature and chain", UNVERIFIABLE, "a TSA CA bundle", "none given"
        )
    certificate = signer_certificate(raw)
    if certificate is not None and not trust.knows_issuer_of(certificate):
        issuer = certificate.issuer.rfc4514_string()
        return Finding(
            subject,
            "TSA signature and chain",
            UNVERIFIABLE,
            f"a trust root for {issuer}",
            "not in the CA bundle",
        )
    try:
        gen_time = verify_token(raw, message, trust)
    except Exception as exc:  # rfc3161-client raises VerificationError and ValueError
        return Finding(
            subject, "TSA signature and chain", TAMPERED, "a valid RFC 3161 token", str(exc)
        )
    return Finding(subject, "TSA signature and chain", OK, found=f"genTime {iso(gen_time)}")


def _report_unstamped(
    session: Session, stamped: set[tuple[str, str]], findings: list[Finding]
) -> None:
    """Captures with no token of their own and no timestamped checkpoint covering them."""
    covered_up_to = max((int(i) for t, i in stamped if t == "checkpoint"), default=0)
    recorded = {
        e.subject_id: e.seq
        for e in session.exec(select(CustodyEvent).where(CustodyEvent.action == "capture.recorded"))
    }
    for capture in session.exec(select(Capture).where(Capture.manifest_sha256.is_not(None))):  # type: ignore[union-attr]
        if ("capture", capture.id) in stamped:
            continue
        if recorded.get(capture.id, covered_up_to + 1) <= covered_up_to:
            findings.append(
                Finding(
                    f"capture {capture.id}",
                    "timestamped",
                    OK,
                    found=f"via checkpoint {covered_up_to}",
                )
            )
        else:
            findings.append(
                Finding(
                    f"capture {capture.id}",
                    "timestamped",
                    UNVERIFIABLE,
                    "an RFC 3161 token",
                    "not timestamped",
                )
            )


def summary(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each status."""
    counts = {OK: 0, TAMPERED: 0, UNVERIFIABLE: 0}
    for finding in findings:
        counts[finding.status] += 1
    return counts
