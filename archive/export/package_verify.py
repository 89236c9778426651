"""Verify an exported package (BagIt bag folder or zip, or WACZ) with no database and no
network: the format's own manifests (`format_checks`), then the evidence itself from
`package.json`: the embedded key (against the custody log's `key.created` event and an optional
published fingerprint), each custody event's hashes, each checkpoint's signature and the
inclusion proof of every event in it, and per capture: the manifest is the one its
`capture.recorded` event names, its signature, every artifact's SHA-256, SHA-512 and size
against the manifest, its RFC 3161 tokens (against the given trust roots) and its content
credentials (`package_credentials`).

This module reads the package (`unpack` makes a zip a folder); the checks shared with the
archive verifier are in `archive.provenance.checks`.
"""

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from archive import custody, rowbinding
from archive.canonical import canonical_json, sha256_hex
from archive.errors import EvidenceError
from archive.export.format_checks import check_bag, check_wacz, fingerprint_of
from archive.export.package import INDEX_NAME, PACKAGE_TYPE, posix
from archive.export.package_credentials import package_credential_findings
from archive.export.unpack import unpacked
from archive.hashing import hash_file
from archive.provenance import checks, merkle
from archive.provenance.checkpoint import log_origin
from archive.provenance.findings import OK, TAMPERED, UNVERIFIABLE, Finding
from archive.provenance.keys import ArchiveKeyError, PublicKey, parse_public_key
from archive.provenance.manifest import SEAL_ROLES
from archive.provenance.sealing import SEALED_ROLE
from archive.provenance.signing import verify_signature
from archive.provenance.timestamps import TrustStore
from archive.provenance.wacz_key import WACZ_KEY_PATH, public_der
from archive.vocabulary import CustodyAction

INDEX_PLACES = (f"data/provenance/{INDEX_NAME}", f"provenance/{INDEX_NAME}")
NO_KEY = "a public key"  # what a check lacks when the package's key is missing

Events = dict[int, dict[str, Any]]


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint whose note the package key signed."""

    root: bytes
    timestamped: bool
    proven: set[int]  # event numbers whose inclusion proofs hold


def verify_package(
    path: Path,
    trust: TrustStore | None = None,
    expected_key: str | None = None,
    block_headers: Mapping[int, bytes] | None = None,
) -> list[Finding]:
    """Every check on the package at `path` (folder or zip); `block_headers` (height ->
    80-byte header) confirm the checkpoints' OpenTimestamps proofs."""
    findings: list[Finding] = []
    with unpacked(path, findings) as root:
        if (root / "bagit.txt").is_file():
            findings += check_bag(root)
        elif (root / "datapackage.json").is_file():
            findings += check_wacz(root)
        else:
            raise EvidenceError(f"{path} is not a BagIt bag or a WACZ made by `evidence export`")
        index = _read_index(root)
        try:
            findings += _check_evidence(root, index, trust, expected_key, block_headers or {})
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            findings.append(
                Finding("package.json", "index format", TAMPERED, "a package index",
                        f"{type(exc).__name__}: {exc}")
            )  # fmt: skip
    return findings


def _read_index(root: Path) -> dict[str, Any]:
    for place in INDEX_PLACES:
        candidate = root / place
        if candidate.is_file():
            try:
                index = json.loads(candidate.read_bytes())
            except (ValueError, UnicodeDecodeError) as exc:
                raise EvidenceError(f"{place} is not JSON: {exc}") from exc
            if not isinstance(index, dict) or index.get("type") != PACKAGE_TYPE:
                raise EvidenceError(f"{place} is not an evidence package index")
            return index
    raise EvidenceError("no provenance/package.json: not a package made by `evidence export`")


def _read(root: Path, relative: str | None) -> bytes | None:
    if not relative:
        return None
    try:
        return root.joinpath(*posix(relative).parts).read_bytes()
    except (OSError, ValueError):
        return None


def _logged(events: Events, action: CustodyAction) -> list[dict[str, Any]]:
    """The extract's events of one action, in log order."""
    return [events[seq] for seq in sorted(events) if events[seq]["action"] == action]


def _check_wacz_key(root: Path, key: PublicKey | None, events: Events) -> list[Finding]:
    """The WACZ's signing key (signedData.publicKey) is the archive's: the embedded
    wacz-key.pem is that key, the archive's Ed25519 key signed it, and the custody extract's
    `wacz-key.created` event (when the package carries it) names it."""
    subject = f"WACZ key {WACZ_KEY_PATH}"
    pem = _read(root, WACZ_KEY_PATH)
    endorsement = _read(root, f"{WACZ_KEY_PATH}.sig")
    try:
        claimed = json.loads((root / "datapackage-digest.json").read_bytes())["signedData"]
        der = public_der(pem or b"")
    except (OSError, ValueError, KeyError, TypeError, UnsupportedAlgorithm) as exc:
        return [Finding(subject, "embedded WACZ key", TAMPERED, "a PEM key", str(exc))]
    fingerprint = hashlib.sha256(der).hexdigest()
    findings = []
    claimed = claimed if isinstance(claimed, dict) else {}
    if base64.b64encode(der).decode("ascii") != claimed.get("publicKey"):
        findings.append(
            Finding(subject, "signedData.publicKey is the archive's WACZ key", TAMPERED,
                    fingerprint, fingerprint_of(claimed.get("publicKey")))
        )  # fmt: skip
    if key is None:
        findings.append(
            Finding(subject, "endorsed by the archive key", UNVERIFIABLE, NO_KEY, "none")
        )
    elif endorsement is None or not verify_signature(key.raw, pem or b"", endorsement):
        findings.append(
            Finding(subject, "endorsed by the archive key", TAMPERED,
                    f"Ed25519 signature by {key.fingerprint}",
                    "missing" if endorsement is None else "does not verify")
        )  # fmt: skip
    logged = [e["subject_id"] for e in _logged(events, CustodyAction.WACZ_KEY_CREATED)]
    findings += checks.wacz_key_logged(subject, logged, fingerprint)
    if all(f.status == OK for f in findings):
        how = "endorsed by the archive key" + (", logged" if logged else "")
        findings.append(Finding(subject, "WACZ signing key", OK, found=f"{fingerprint} ({how})"))
    return findings


def _check_evidence(
    root: Path, index: dict[str, Any], trust: TrustStore | None, expected_key: str | None,
    headers: Mapping[int, bytes],
) -> list[Finding]:  # fmt: skip
    findings: list[Finding] = [
        Finding(f"package file {d.get('path')}", f"damage recorded at export ({d.get('what')})",
                TAMPERED, d.get("expected_sha256"), d.get("found_sha256"))
        for d in index.get("damaged") or []
    ]  # fmt: skip
    trust = _with_package_intermediates(root, index, trust, findings)
    events = _read_events(root, index, findings)
    key = _check_key(root, index, events, expected_key, findings)
    if (root / "datapackage-digest.json").is_file():
        findings += _check_wacz_key(root, key, events)
    verified = _check_checkpoints(root, index, key, events, trust, findings)
    findings += _check_kept_checkpoint(root, index, key, verified)
    findings += _check_records(root, index, events)
    _check_ots(root, index, headers, findings)
    for capture in index.get("captures", []):
        _check_capture(root, capture, key, events, verified, trust, findings)
    findings += package_credential_findings(root, index, events)
    return findings


def _with_package_intermediates(
    root: Path, index: dict[str, Any], trust: TrustStore | None, findings: list[Finding]
) -> TrustStore | None:
    """`trust` plus the TSA intermediates the package carries (never as roots: a token still
    has to chain to a root the caller gave)."""
    path = index.get("tsa_intermediates")
    if trust is None or not path:
        return trust
    try:
        certificates = x509.load_pem_x509_certificates(_read(root, path) or b"")
    except ValueError as exc:
        findings.append(
            Finding(f"TSA intermediates {path}", "PEM certificates", TAMPERED, "certificates",
                    str(exc))
        )  # fmt: skip
        return trust
    return trust.with_intermediates(certificates)


def _read_events(root: Path, index: dict[str, Any], findings: list[Finding]) -> Events:
    """The custody extract's events whose payload and entry hashes hold, by number."""
    data = _read(root, index.get("custody"))
    if data is None:
        findings.append(
            Finding("custody extract", "present", TAMPERED, index.get("custody"), "missing")
        )
        return {}
    events: Events = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        try:
            event = json.loads(line)
            seq = int(event["seq"])
            payload_hash = custody.payload_hash(event["payload"])
            entry = custody.record_entry_hash(event)
        except (ValueError, KeyError, TypeError) as exc:
            findings.append(
                Finding(f"custody extract line {number}", "format", TAMPERED, "an event", str(exc))
            )
            continue
        subject = f"custody event {seq}"
        if payload_hash != event["payload_sha256"]:
            findings.append(
                Finding(subject, "payload hash", TAMPERED, event["payload_sha256"], payload_hash)
            )
        elif entry != event.get("entry_hash"):
            findings.append(
                Finding(subject, "entry hash", TAMPERED, event.get("entry_hash"), entry)
            )
        else:
            events[seq] = event
    findings.append(Finding("custody extract", "event hashes", OK, found=f"{len(events)} events"))
    return events


def _check_key(
    root: Path, index: dict[str, Any], events: Events, expected: str | None,
    findings: list[Finding],
) -> PublicKey | None:  # fmt: skip
    """The embedded public key, held to the extract's `key.created` event and to `expected`."""
    path = index.get("key", {}).get("path")
    subject = f"key {path}"
    try:
        key = parse_public_key(_read(root, path) or b"", str(path))
    except ArchiveKeyError:
        findings.append(
            Finding(subject, "embedded public key", TAMPERED, "an Ed25519 PEM key",
                    "missing or unreadable")
        )  # fmt: skip
        return None
    before = len(findings)
    created = _logged(events, CustodyAction.KEY_CREATED)
    if created:
        logged, problems = checks.logged_key(
            subject, [(e["subject_id"], e["payload"].get("public_key")) for e in created]
        )
        findings += problems
        if logged.fingerprint != key.fingerprint:
            findings.append(
                Finding(subject, "embedded key is the key.created event's key", TAMPERED,
                        logged.fingerprint, key.fingerprint)
            )  # fmt: skip
    else:
        findings.append(
            Finding(subject, "key recorded in custody extract", UNVERIFIABLE,
                    CustodyAction.KEY_CREATED, "absent")
        )  # fmt: skip
    if index.get("key", {}).get("fingerprint") != key.fingerprint:
        findings.append(
            Finding(subject, "package.json key fingerprint", TAMPERED,
                    index.get("key", {}).get("fingerprint"), key.fingerprint)
        )  # fmt: skip
    if expected is not None:
        findings.append(checks.published_fingerprint(subject, expected, key.fingerprint))
    if all(f.status != TAMPERED for f in findings[before:]):
        findings.append(Finding(subject, "embedded public key", OK, found=key.fingerprint))
    return key


def _check_tokens(
    root: Path, subject: str, tokens: list[dict[str, Any]], message: bytes,
    trust: TrustStore | None, findings: list[Finding],
) -> int:  # fmt: skip
    """Check each token over `message`; return how many hold."""
    good = 0
    for token in tokens:
        label = f"timestamp {token.get('path')} ({subject})"
        raw = _read(root, token.get("path"))
        if raw is None:
            findings.append(
                Finding(label, "token present", TAMPERED, "the TSA response", "missing")
            )
            continue
        finding = checks.token_finding(label, raw, message, trust)
        findings.append(finding)
        good += finding.status != TAMPERED
    return good


def _check_ots(
    root: Path, index: dict[str, Any], headers: Mapping[int, bytes], findings: list[Finding]
) -> None:
    """Each checkpoint's OpenTimestamps proof, as the archive verifier checks it."""
    for point in index.get("checkpoints", []):
        anchor = point.get("opentimestamps")
        if not anchor:
            continue
        subject = f"checkpoint {point.get('tree_size')}"
        note, proof = _read(root, point.get("path")), _read(root, anchor.get("path"))
        if note is None or proof is None:
            findings.append(
                Finding(subject, "OpenTimestamps proof", TAMPERED, "a proof and its note",
                        "missing")
            )  # fmt: skip
            continue
        findings.append(checks.ots_finding(subject, proof, note, headers))


def _check_checkpoints(
    root: Path, index: dict[str, Any], key: PublicKey | None, events: Events,
    trust: TrustStore | None, findings: list[Finding],
) -> dict[int, VerifiedCheckpoint]:  # fmt: skip
    """The checkpoints whose notes verify, by tree size."""
    verified: dict[int, VerifiedCheckpoint] = {}
    proofs_to_newest: dict[int, list[str]] = {}
    for point in index.get("checkpoints", []):
        subject = f"checkpoint {point.get('path')}"
        note = _read(root, point.get("path"))
        if note is None:
            findings.append(
                Finding(subject, "checkpoint present", TAMPERED, "a signed note", "missing")
            )
            continue
        parsed = checks.checkpoint_note(subject, note, key, NO_KEY)
        if isinstance(parsed, Finding):
            findings.append(parsed)
            continue
        origin = log_origin(key.fingerprint) if key else parsed.origin
        findings.append(
            Finding(subject, "note signature", OK,
                    found=f"{parsed.tree_size} events, signed by {origin}")
        )  # fmt: skip
        proven = _check_inclusion(point, parsed.tree_size, parsed.root_hash, events, findings)
        findings.append(
            Finding(subject, "inclusion proofs", OK, found=f"{len(proven)} events proven")
        )
        stamped = _check_tokens(root, subject, point.get("tokens", []), note, trust, findings) > 0
        verified[parsed.tree_size] = VerifiedCheckpoint(parsed.root_hash, stamped, proven)
        proofs_to_newest[parsed.tree_size] = point.get("consistency_with_newest", [])
    if len(verified) > 1:
        newest = max(verified)
        for size in sorted(verified)[:-1]:
            findings.append(
                checks.consistency_finding(
                    f"checkpoint {size}", (size, newest),
                    (verified[size].root, verified[newest].root),
                    [bytes.fromhex(node) for node in proofs_to_newest.get(size, [])],
                    against=newest,
                )
            )  # fmt: skip
    return verified


def _check_records(root: Path, index: dict[str, Any], events: Events) -> list[Finding]:
    """Each exported evidence row against the custody event in the package that bound it, and
    every row an event about an exported capture bound (its rows, posts, tokens) is in it."""
    if index.get("records") is None:
        return []  # a package made before row binding
    data = _read(root, index["records"])
    if data is None:
        return [Finding("records", "present", TAMPERED, index["records"], "missing")]
    rows: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        try:
            record = json.loads(line)
            name = rowbinding.row_key(str(record["table"]), str(record["row"]["id"]))
            rows[name] = sha256_hex(canonical_json(record["row"]))
        except (ValueError, KeyError, TypeError) as exc:
            return [Finding(f"records line {number}", "format", TAMPERED, "a record", str(exc))]
    bound: dict[str, tuple[int, str]] = {}
    expected: set[str] = set()
    exported = {str(c.get("id")) for c in index.get("captures", [])}
    for seq, event in sorted(events.items()):
        binds = (event.get("payload") or {}).get(rowbinding.PAYLOAD_KEY) or {}
        for name, digest in binds.items():
            bound.setdefault(name, (seq, str(digest)))
        if event.get("subject_id") in exported:  # capture.recorded, timestamp.recorded
            expected |= set(binds)
    relevant = {name: bound[name] for name in set(rows) | expected if name in bound}
    return checks.row_binding_findings(rows, relevant, binds_rows=True)


def _check_kept_checkpoint(
    root: Path, index: dict[str, Any], key: PublicKey | None,
    verified: dict[int, VerifiedCheckpoint],
) -> list[Finding]:  # fmt: skip
    """The archive's newest checkpoint as its home kept it when exporting: signed by the key,
    and no newer than the package's newest checkpoint (else the database was rolled back), with
    the same root as the package's checkpoint of its size."""
    if index.get("checkpoint_file") is None:
        return []
    note = _read(root, index["checkpoint_file"])
    if note is None:
        return [Finding("checkpoint file", "present", TAMPERED, index["checkpoint_file"],
                        "missing")]  # fmt: skip
    parsed = checks.checkpoint_note("checkpoint file", note, key, NO_KEY)
    if isinstance(parsed, Finding):
        return [parsed]
    subject = f"checkpoint file {parsed.tree_size}"
    newest = max(verified, default=0)
    if newest < parsed.tree_size:
        return [Finding(subject, "package holds the archive's newest checkpoint", TAMPERED,
                        f">= {parsed.tree_size} events", f"{newest} events")]  # fmt: skip
    same = verified.get(parsed.tree_size)
    if same is not None and same.root != parsed.root_hash:
        return [Finding(subject, "root matches the package's checkpoint", TAMPERED,
                        parsed.root_hash.hex(), same.root.hex())]  # fmt: skip
    return [Finding(subject, "archive's newest checkpoint", OK, found=f"{newest} events")]


def _check_inclusion(
    point: dict[str, Any], size: int, root: bytes, events: Events, findings: list[Finding]
) -> set[int]:
    """The event numbers whose inclusion proofs in the checkpoint hold."""
    proven = set()
    for seq_text, nodes in point.get("proofs", {}).items():
        seq = int(seq_text)
        event = events.get(seq)
        if event is None:
            findings.append(
                Finding(f"custody event {seq}", f"in checkpoint {size}", TAMPERED,
                        "the event in the extract", "absent or altered")
            )  # fmt: skip
            continue
        holds = merkle.verify_inclusion(
            merkle.leaf_hash(bytes.fromhex(event["entry_hash"])), seq - 1, size,
            [bytes.fromhex(n) for n in nodes], root,
        )  # fmt: skip
        if holds:
            proven.add(seq)
        else:
            findings.append(
                Finding(f"custody event {seq}", f"inclusion in checkpoint {size}", TAMPERED,
                        "a valid RFC 9162 proof", "proof fails")
            )  # fmt: skip
    return proven


def _check_capture(
    root: Path, capture: dict[str, Any], key: PublicKey | None, events: Events,
    verified: dict[int, VerifiedCheckpoint], trust: TrustStore | None,
    findings: list[Finding],
) -> None:  # fmt: skip
    subject = f"capture {capture.get('id')}"
    paths: dict[str, str] = capture.get("artifacts", {})
    seq = capture.get("recorded_seq")
    recorded = _recorded_artifacts(subject, capture, events, verified, findings)
    if capture.get("manifest") is None:
        findings.append(
            Finding(subject, "manifest", UNVERIFIABLE, "a signed manifest", "capture not sealed")
        )
        _check_recorded_hashes(root, subject, paths, recorded, findings)
        return
    manifest = _read(root, capture.get("manifest"))
    if manifest is None:
        findings.append(
            Finding(subject, "manifest present", TAMPERED, capture.get("manifest"), "missing")
        )
        return
    names = {path: name for name, path in paths.items()}
    for path in (capture.get("manifest"), capture.get("signature")):
        name = names.get(path)
        data = _read(root, path)
        found = hashlib.sha256(data).hexdigest() if data is not None else "missing"
        if name in recorded and recorded[name] != found:
            findings.append(
                Finding(f"{subject} {name}", "sha256 recorded in custody log", TAMPERED,
                        recorded[name], found)
            )  # fmt: skip
    signature = _read(root, capture.get("signature")) or b""
    findings.append(checks.signature_finding(subject, key, manifest, signature, NO_KEY))
    document = checks.manifest_document(subject, manifest)
    if isinstance(document, Finding):
        findings.append(document)
        return
    signer = document.get("signer", {}).get("key_fingerprint")
    if key is not None and signer != key.fingerprint:
        findings.append(
            Finding(
                subject, "manifest signer is the embedded key", TAMPERED, signer, key.fingerprint
            )
        )
    _check_artifacts(root, subject, document, paths, findings)
    stamped = _check_tokens(root, subject, capture.get("tokens", []), manifest, trust, findings)
    covering = [s for s, c in verified.items() if c.timestamped and seq in c.proven]
    if not stamped and (covering or not capture.get("tokens")):
        findings.append(checks.timestamp_coverage(subject, covering))


def _recorded_artifacts(
    subject: str, capture: dict[str, Any], events: Events,
    verified: dict[int, VerifiedCheckpoint], findings: list[Finding],
) -> dict[str, str]:  # fmt: skip
    """The artifact SHA-256s the capture's `capture.recorded` event names ({} when the event
    is absent or altered), and whether a checkpoint proves the event."""
    seq = capture.get("recorded_seq")
    event = events.get(seq) if isinstance(seq, int) else None
    if (
        event is None
        or event["action"] != CustodyAction.CAPTURE_RECORDED
        or event["subject_id"] != capture.get("id")
    ):
        findings.append(
            Finding(subject, "capture.recorded event in extract", TAMPERED, f"event {seq}",
                    "absent or altered")
        )  # fmt: skip
        return {}
    proven = [size for size, point in verified.items() if seq in point.proven]
    findings.append(
        Finding(subject, "recorded in the custody log", OK if proven else UNVERIFIABLE,
                f"event {seq} in a checkpoint",
                f"checkpoints {proven}" if proven else "not proven")
    )  # fmt: skip
    return event["payload"].get("artifacts", {})


def _check_recorded_hashes(
    root: Path, subject: str, paths: dict[str, str], recorded: dict[str, str],
    findings: list[Finding],
) -> None:  # fmt: skip
    """An unsealed capture: each artifact against the SHA-256 its custody event recorded."""
    problems = [
        _artifact_problem(root, f"{subject} {name}", {"sha256": recorded.get(name)}, path)
        for name, path in sorted(paths.items())
    ]
    findings += [p for p in problems if p is not None]
    if recorded and not any(problems):
        found = f"{len(paths)} artifacts"
        findings.append(Finding(subject, "artifacts match the custody log", OK, found=found))


def _artifact_problem(
    root: Path, label: str, entry: dict[str, Any], path: str | None
) -> Finding | None:
    """What is wrong with one artifact file against its entry (sha256; sha512 and size when
    given), or None."""
    target = root.joinpath(*posix(path).parts) if path else None
    if target is None or not target.is_file():
        return Finding(label, "artifact present", TAMPERED, entry.get("sha256"), "missing")
    (sha256, sha512), size = hash_file(target, "sha256", "sha512")
    if sha256 != entry.get("sha256"):
        return Finding(label, "sha256", TAMPERED, entry.get("sha256"), sha256)
    if "sha512" in entry and sha512 != entry.get("sha512"):
        return Finding(label, "sha512", TAMPERED, entry.get("sha512"), sha512)
    if "size" in entry and str(size) != entry.get("size"):
        return Finding(label, "size", TAMPERED, entry.get("size"), str(size))
    return None


def _check_artifacts(
    root: Path,
    subject: str,
    document: dict[str, Any],
    paths: dict[str, str],
    findings: list[Finding],
) -> None:
    entries = [e for e in document["artifacts"] if e.get("role") not in SEAL_ROLES]
    withheld = [e for e in entries if e.get("role") == SEALED_ROLE and e.get("name") not in paths]
    for entry in withheld:  # left out of the package on purpose (export --include-sealed)
        name = entry.get("name")
        findings.append(Finding(f"{subject} {name}", "sealed original not in package", OK))
    entries = [e for e in entries if e not in withheld]
    problems = [
        _artifact_problem(root, f"{subject} {e.get('name')}", e, paths.get(e.get("name", "")))
        for e in entries
    ]
    findings += [p for p in problems if p is not None]
    if not any(problems):
        found = f"{len(entries)} artifacts"
        findings.append(Finding(subject, "artifacts match the signed manifest", OK, found=found))
