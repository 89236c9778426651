"""Verify an archive: every blob re-hashed, the custody chain, each capture's manifest
(re-derived from the database and compared), its signature, its timestamp tokens, and every
checkpoint (signature, root re-derived from the log, consistency with the previous one).

This module reads the database and the key files; the checks themselves, shared with the
package verifier, are in `archive.provenance.checks`. The result is a list of `Finding`s.
"""

import base64
import binascii
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, select

from archive import custody, rowbinding
from archive.archive import Archive
from archive.errors import BlobError, EvidenceError
from archive.hashing import READ_SIZE, hash_stream
from archive.models import Artifact, Blob, Capture, CustodyEvent
from archive.provenance import checkpoint_file, checks, log, merkle
from archive.provenance.c2pa_cert import logged_chains
from archive.provenance.checkpoint import ParsedCheckpoint
from archive.provenance.credential_check import capture_findings
from archive.provenance.findings import OK, TAMPERED, UNVERIFIABLE, Finding
from archive.provenance.keys import (
    ArchiveKeyError,
    PublicKey,
    load_public_key,
    load_signing_key,
    recorded_keys,
)
from archive.provenance.manifest import SEAL_ROLES, manifest_document
from archive.provenance.models import Checkpoint, TimestampToken
from archive.provenance.seal import case_of
from archive.provenance.timestamps import TrustStore, tsa_settings
from archive.provenance.wacz_key import public_file_fingerprint as wacz_public_fingerprint
from archive.vocabulary import CustodyAction

NO_KEY = "an archive key"  # what a check lacks when the archive has no key


def verify_archive(
    archive: Archive,
    trust: TrustStore | None = None,
    expected_key: str | None = None,
    published: Sequence[str] = (),
    sha512: bool = False,
    block_headers: Mapping[int, bytes] | None = None,
) -> list[Finding]:
    """Run every check.

    `expected_key` is a key fingerprint and `published` are checkpoint notes kept outside the
    archive: the log must still hold exactly what each published checkpoint signed. `sha512`
    re-computes each blob's SHA-512 too (slower; SHA-256 alone names and checks the bytes).
    `block_headers` (height -> 80-byte header) confirm OpenTimestamps proofs offline.
    """
    findings: list[Finding] = []
    trust = _with_configured_intermediates(archive, trust)
    with archive.session() as session:
        key = _check_key(archive, session, expected_key, findings)
        _check_wacz_key(archive, session, findings)
        findings += _check_blobs(archive, session, sha512)
        findings += _check_chain(session)
        findings += _check_rows(session)
        messages = _check_captures(archive, session, key, findings)
        findings += _check_credentials(archive, session)
        tree = merkle.MerkleTree(log.leaves(session))
        _check_checkpoints(session, tree, key, findings)
        findings += _check_checkpoint_file(archive, session, tree, key)
        _check_tokens(archive, session, trust, messages, findings)
        _check_ots(archive, session, block_headers or {}, findings)
    findings += [check_published_checkpoint(tree, note, key) for note in published]
    return findings


def _check_ots(
    archive: Archive, session: Session, headers: Mapping[int, bytes], findings: list[Finding]
) -> None:
    """Each checkpoint's current OpenTimestamps proof against its note and the headers."""
    from archive.provenance.anchors import current_proofs  # loads opentimestamps

    for size, row in sorted(current_proofs(session).items()):
        subject = f"checkpoint {size}"
        point = session.get(Checkpoint, size)
        if row.proof_sha256 is None or point is None:
            found = "; ".join(row.errors) or "no proof"
            findings.append(Finding(subject, "OpenTimestamps proof", UNVERIFIABLE, None, found))
            continue
        try:
            proof = archive.blobs.get(row.proof_sha256)
        except BlobError as exc:
            findings.append(Finding(subject, "OpenTimestamps proof", TAMPERED, None, str(exc)))
            continue
        findings.append(checks.ots_finding(subject, proof, point.note.encode("utf-8"), headers))


def check_published_checkpoint(
    tree: merkle.MerkleTree, note: str, key: PublicKey | None
) -> Finding:
    """Does the log (its Merkle tree) still have the root a checkpoint published earlier
    signed?"""
    parsed = checks.checkpoint_note("published checkpoint", note, key, NO_KEY)
    if isinstance(parsed, Finding):
        return parsed
    subject = f"published checkpoint {parsed.tree_size}"
    return _root_finding(subject, tree, parsed.tree_size, parsed.root_hash.hex())


def _check_checkpoint_file(
    archive: Archive, session: Session, tree: merkle.MerkleTree, key: PublicKey | None
) -> list[Finding]:
    """The newest checkpoint kept in the home (`checkpoint_file`): the log still has its root,
    and the database still has it, so a rollback of the database shows."""
    path = checkpoint_file.path_in(archive.home)
    note = checkpoint_file.read_note(path)
    stored = log.checkpoints(session)
    if note is None:
        if not stored:
            return []
        return [Finding("checkpoint file", "present", UNVERIFIABLE, str(path), "missing")]
    parsed = checks.checkpoint_note("checkpoint file", note, key, NO_KEY)
    if isinstance(parsed, Finding):
        return [parsed]
    subject = f"checkpoint file {parsed.tree_size}"
    findings = [_root_finding(subject, tree, parsed.tree_size, parsed.root_hash.hex())]
    rows = {c.tree_size: c.root_hash for c in stored}
    in_database = rows.get(parsed.tree_size)
    if in_database != parsed.root_hash.hex():
        findings.append(
            Finding(subject, "checkpoint is in the database", TAMPERED, parsed.root_hash.hex(),
                    in_database or "absent")
        )  # fmt: skip
    return findings


def _root_finding(subject: str, tree: merkle.MerkleTree, size: int, expected: str) -> Finding:
    """Is `expected` (hex) the root of the first `size` events of the log?"""
    if size > len(tree.leaves):
        return Finding(
            subject, "log covers checkpoint", TAMPERED, f">= {size} events",
            f"{len(tree.leaves)} events",
        )  # fmt: skip
    root = tree.root(size).hex()
    status = OK if root == expected else TAMPERED
    return Finding(subject, "root re-derived from custody log", status, expected, root)


def _events(session: Session, action: CustodyAction) -> list[CustodyEvent]:
    """The custody events of one action, in log order."""
    statement = select(CustodyEvent).where(CustodyEvent.action == action)
    return list(session.exec(statement.order_by(CustodyEvent.seq)))  # type: ignore[arg-type]


def _with_configured_intermediates(archive: Archive, trust: TrustStore | None) -> TrustStore | None:
    """`trust` plus the intermediates of the archive's configured CA bundle, so the TSA root
    alone (`--tsa-ca-bundle ROOT`) verifies; a root still has to come from `trust`."""
    bundle = tsa_settings(archive).ca_bundle
    if trust is None or bundle is None:
        return trust
    try:
        configured = TrustStore.from_pem_file(bundle)
    except EvidenceError:
        return trust
    return trust.with_intermediates(configured.intermediates)


def _check_key(
    archive: Archive, session: Session, expected: str | None, findings: list[Finding]
) -> PublicKey | None:
    """The key signatures are checked with: the one the custody log recorded at creation."""
    found_before = len(findings)
    created = _events(session, CustodyAction.KEY_CREATED)
    logged: PublicKey | None = None
    if created:
        logged, problems = checks.logged_key(
            "key", [(e.subject_id, e.payload.get("public_key")) for e in created]
        )
        findings += problems
    else:
        findings.append(Finding("key", "key recorded in custody log", UNVERIFIABLE, found="none"))
    for label, fingerprint in _key_file_fingerprints(archive).items():
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
        findings.append(checks.published_fingerprint("key", expected, found))
    clean = all(f.status != TAMPERED for f in findings[found_before:])
    if trusted is not None and clean:
        findings.append(Finding("key", "archive key", OK, found=trusted.fingerprint))
    return trusted


def _check_wacz_key(archive: Archive, session: Session, findings: list[Finding]) -> None:
    """The WACZ signing key's public file is the key its one `wacz-key.created` event names."""
    logged = recorded_keys(session, CustodyAction.WACZ_KEY_CREATED)
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
    problems = checks.wacz_key_logged("WACZ key", logged, on_disk)
    findings += problems
    if on_disk is None:
        findings.append(Finding("WACZ key", "public key file", UNVERIFIABLE, logged[0], "missing"))
    elif not problems:
        findings.append(Finding("WACZ key", "WACZ signing key", OK, found=on_disk))


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


def _check_rows(session: Session) -> list[Finding]:
    """Every evidence row against the custody event that bound it, both ways."""
    events = log.events(session)
    bound: dict[str, tuple[int, str]] = {}
    for event in events:
        for name, digest in (event.payload.get(rowbinding.PAYLOAD_KEY) or {}).items():
            bound.setdefault(name, (event.seq, str(digest)))
    first = events[0] if events else None
    binds_rows = bool(
        first is not None
        and first.action == CustodyAction.ARCHIVE_INITIALIZED
        and first.payload.get(rowbinding.MARKER_KEY)
    )
    rows = {
        rowbinding.row_key(name, values["id"]): rowbinding.row_hash(table, values)
        for name, table in rowbinding.BOUND_TABLES.items()
        for values in rowbinding.read_rows(session, table)
    }
    return checks.row_binding_findings(rows, bound, binds_rows)


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


def _recorded_seqs(session: Session) -> dict[str, int]:
    """The `capture.recorded` event number of each capture id."""
    return {e.subject_id: e.seq for e in _events(session, CustodyAction.CAPTURE_RECORDED)}


def _check_captures(
    archive: Archive, session: Session, key: PublicKey | None, findings: list[Finding]
) -> dict[str, bytes]:
    """Check every capture's seal; return the manifest bytes by capture id."""
    seq_of = {e.entry_hash: e.seq for e in log.events(session)}
    recorded_events = {e.subject_id: e for e in _events(session, CustodyAction.CAPTURE_RECORDED)}
    recorded = {capture_id: e.seq for capture_id, e in recorded_events.items()}
    messages: dict[str, bytes] = {}
    for capture in session.exec(select(Capture).order_by(Capture.id)):  # type: ignore[arg-type]
        subject = f"capture {capture.id}"
        event = recorded_events.get(capture.id)
        logged = event.payload.get("manifest_sha256") if event else None
        manifest = _stored_manifest(archive, subject, capture, logged, findings)
        if manifest is None:
            continue
        messages[capture.id] = manifest
        artifacts = list(session.exec(select(Artifact).where(Artifact.capture_id == capture.id)))
        _check_signature(archive, subject, capture, artifacts, manifest, key, findings)
        document = checks.manifest_document(subject, manifest)
        if isinstance(document, Finding):
            findings.append(document)
            continue
        _check_manifest_content(session, subject, capture, artifacts, document, key, findings)
        head = document.get("custody", {}).get("previous_log_head")
        head_seq = 0 if head == custody.GENESIS_HASH else seq_of.get(head)
        problem = _log_head_problem(subject, head, head_seq, recorded.get(capture.id))
        if problem is not None:
            findings.append(problem)
    return messages


def _stored_manifest(
    archive: Archive, subject: str, capture: Capture, logged: Any, findings: list[Finding]
) -> bytes | None:
    """The capture's manifest bytes when it is sealed and they are intact, else a finding.

    `logged` is the manifest hash its `capture.recorded` event recorded: a row that lost it was
    tampered with, not left unsealed."""
    if capture.manifest_sha256 is None and logged:
        findings.append(
            Finding(subject, "manifest recorded in custody log", TAMPERED, str(logged), "none")
        )
        return None
    if capture.manifest_sha256 is None:
        findings.append(
            Finding(subject, "manifest", UNVERIFIABLE, "a signed manifest", "capture not sealed")
        )
        return None
    try:
        manifest = archive.blobs.get(capture.manifest_sha256)
    except BlobError as exc:
        findings.append(
            Finding(subject, "manifest present", TAMPERED, capture.manifest_sha256, str(exc))
        )
        return None
    actual = hashlib.sha256(manifest).hexdigest()
    if actual != capture.manifest_sha256:
        findings.append(
            Finding(subject, "manifest sha256", TAMPERED, capture.manifest_sha256, actual)
        )
        return None
    return manifest


def _log_head_problem(
    subject: str, head: Any, head_seq: int | None, own_seq: int | None
) -> Finding | None:
    """The manifest's log head must be an event before the capture's `capture.recorded`."""
    if head_seq is None:
        return Finding(subject, "manifest log head is in the custody log", TAMPERED, head, "absent")
    if own_seq is None:
        return Finding(
            subject, "custody event records the capture", TAMPERED,
            CustodyAction.CAPTURE_RECORDED, "none",
        )  # fmt: skip
    if head_seq >= own_seq:
        return Finding(
            subject, "manifest log head precedes the capture", TAMPERED, f"< {own_seq}",
            str(head_seq),
        )  # fmt: skip
    return None


def _check_credentials(archive: Archive, session: Session) -> list[Finding]:
    """Each sealed capture's tool-made images against their credentialed copies (C2PA)."""
    chains = logged_chains(session)
    findings: list[Finding] = []
    sealed = select(Capture).where(Capture.manifest_sha256.is_not(None))  # type: ignore[union-attr]
    for capture in session.exec(sealed.order_by(Capture.id)):  # type: ignore[arg-type]
        artifacts = [
            a.model_dump()
            for a in session.exec(select(Artifact).where(Artifact.capture_id == capture.id))
        ]
        findings += capture_findings(
            f"capture {capture.id}", capture.model_dump(), artifacts, chains, archive.blobs.get
        )
    return findings


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
    try:
        column = base64.b64decode(capture.signature or "", validate=True)
    except binascii.Error as exc:
        findings.append(
            Finding(subject, "capture.signature is base64", TAMPERED, "base64", f"not: {exc}")
        )
        column = b""
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
    findings.append(checks.signature_finding(subject, key, manifest, signature, NO_KEY))


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


def _check_checkpoints(
    session: Session, tree: merkle.MerkleTree, key: PublicKey | None, findings: list[Finding]
) -> None:
    previous: Checkpoint | None = None
    for checkpoint in log.checkpoints(session):
        subject = f"checkpoint {checkpoint.tree_size}"
        size = checkpoint.tree_size
        parsed = checks.checkpoint_note(subject, checkpoint.note, key, NO_KEY)
        if isinstance(parsed, Finding):
            findings.append(parsed)
        elif problem := _row_matches_note(subject, checkpoint, parsed):
            findings.append(problem)
        root = _root_finding(subject, tree, size, checkpoint.root_hash)
        findings.append(root)
        if root.check == "log covers checkpoint":
            continue
        if previous is not None:
            findings.append(
                checks.consistency_finding(
                    subject,
                    (previous.tree_size, size),
                    (bytes.fromhex(previous.root_hash), bytes.fromhex(checkpoint.root_hash)),
                    tree.consistency_proof(previous.tree_size, size),
                    against=previous.tree_size,
                )
            )
        previous = checkpoint


def _row_matches_note(
    subject: str, checkpoint: Checkpoint, parsed: ParsedCheckpoint
) -> Finding | None:
    """The checkpoint row's size and root are the ones its note signs."""
    if (parsed.tree_size, parsed.root_hash.hex()) == (checkpoint.tree_size, checkpoint.root_hash):
        return None
    return Finding(
        subject, "row matches signed note", TAMPERED,
        f"{parsed.tree_size} {parsed.root_hash.hex()}",
        f"{checkpoint.tree_size} {checkpoint.root_hash}",
    )  # fmt: skip


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
        except BlobError as exc:
            findings.append(
                Finding(
                    subject, "token covers the subject", TAMPERED, f"imprint of {actual}", str(exc)
                )
            )
            continue
        finding = checks.token_finding(subject, raw, message, trust)
        findings.append(finding)
        if finding.check != "token covers the subject":
            stamped.add((token.subject_type, token.subject_id))
    _report_unstamped(session, stamped, findings)


def _report_unstamped(
    session: Session, stamped: set[tuple[str, str]], findings: list[Finding]
) -> None:
    """Captures with no token of their own, timestamped or not by a checkpoint covering them."""
    checkpoints = [int(i) for t, i in stamped if t == "checkpoint"]
    recorded = _recorded_seqs(session)
    for capture in session.exec(select(Capture).where(Capture.manifest_sha256.is_not(None))):  # type: ignore[union-attr]
        if ("capture", capture.id) in stamped:
            continue
        seq = recorded.get(capture.id)
        covering = [size for size in checkpoints if seq is not None and seq <= size]
        findings.append(checks.timestamp_coverage(f"capture {capture.id}", covering))
