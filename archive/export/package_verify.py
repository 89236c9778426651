"""Verify an exported package (BagIt bag folder or zip, or WACZ) with no database and no
network: the format's own manifests (BagIt payload and tag manifests through the `bagit`
package; WACZ datapackage.json hashes and the signed datapackage-digest.json), then the
evidence itself from `package.json`: the embedded key (against the custody log's `key.created`
event and an optional published fingerprint), each custody event's hashes, each checkpoint's
signature and the inclusion proof of every event in it, and per capture: the manifest is the one
its `capture.recorded` event names, its signature, every artifact's SHA-256, SHA-512 and size
against the manifest, and its RFC 3161 tokens (against the given trust roots).

Findings have the shape of `archive.provenance.verify.Finding`.
"""

import base64
import binascii
import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bagit
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive.canonical import canonical_json, sha256_hex
from archive.errors import EvidenceError
from archive.export.package import INDEX_NAME, PACKAGE_TYPE, posix
from archive.provenance import merkle
from archive.provenance.checkpoint import NoteError, log_origin, parse_checkpoint, verify_note
from archive.provenance.keys import KEY_CREATED, PublicKey
from archive.provenance.manifest import SEAL_ROLES, parse_manifest
from archive.provenance.signing import verify_signature
from archive.provenance.timestamps import TimestampError, TrustStore, check_response
from archive.provenance.verify import (
    OK,
    TAMPERED,
    UNVERIFIABLE,
    Finding,
    _trust_finding,
    hash_stream,
)
from archive.provenance.wacz_key import (
    ALGORITHM,
    WACZ_KEY_CREATED,
    WACZ_KEY_PATH,
    verify_anonymous,
)

INDEX_PLACES = (f"data/provenance/{INDEX_NAME}", f"provenance/{INDEX_NAME}")
DIGEST_NAMES = ("datapackage.json", "datapackage-digest.json")


@contextmanager
def unpacked(path: Path, findings: list[Finding]) -> Iterator[Path]:
    """The package's root folder: `path` itself, or a zip extracted to a temporary folder
    (members that fail their CRC become findings and are left out)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise EvidenceError(f"{path} is neither a folder nor a zip file (WACZ or zipped bag)")
    with tempfile.TemporaryDirectory(prefix="evidence-verify-") as work:
        root = Path(work)
        with zipfile.ZipFile(path) as zipped:
            _check_room(path, zipped, root)
            for info in zipped.infolist():
                if info.is_dir():
                    continue
                try:
                    target = root.joinpath(*posix(info.filename).parts)
                except ValueError as exc:
                    findings.append(
                        Finding(f"zip member {info.filename}", "safe path", TAMPERED,
                                "a relative path", str(exc))
                    )  # fmt: skip
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zipped.open(info) as source, open(target, "wb") as out:
                        while chunk := source.read(8 << 20):
                            out.write(chunk)
                except zipfile.BadZipFile as exc:
                    target.unlink(missing_ok=True)
                    findings.append(
                        Finding(
                            f"zip member {info.filename}", "zip CRC", TAMPERED, "intact", str(exc)
                        )
                    )
        folders = [p for p in root.iterdir()]
        if len(folders) == 1 and (folders[0] / "bagit.txt").is_file():
            root = folders[0]
        yield root


UNPACK_MARGIN_BYTES = 64 << 20


def _check_room(path: Path, zipped: zipfile.ZipFile, work: Path) -> None:
    """Refuse a zip whose members would not fit in the temporary folder (a zip bomb, or a
    package larger than the disk); members never unpack beyond their declared sizes."""
    declared = sum(info.file_size for info in zipped.infolist())
    free = shutil.disk_usage(work).free
    if declared > free - UNPACK_MARGIN_BYTES:
        raise EvidenceError(
            f"{path} unpacks to {declared:,} bytes but {work.parent} has {free:,} free; "
            "point TMPDIR at a larger disk or verify the unpacked folder"
        )


def verify_package(
    path: Path, trust: TrustStore | None = None, expected_key: str | None = None
) -> list[Finding]:
    """Every check on the package at `path` (folder or zip)."""
    findings: list[Finding] = []
    with unpacked(path, findings) as root:
        if (root / "bagit.txt").is_file():
            findings += _check_bag(root)
        elif (root / "datapackage.json").is_file():
            findings += _check_wacz(root)
        else:
            raise EvidenceError(f"{path} is not a BagIt bag or a WACZ made by `evidence export`")
        index = _read_index(root)
        try:
            findings += _check_evidence(root, index, trust, expected_key)
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


def _check_bag(root: Path) -> list[Finding]:
    logging.getLogger("bagit").setLevel(logging.WARNING)
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        return [_bag_detail(d) for d in exc.details] or [
            Finding("bag", "BagIt validation", TAMPERED, "a valid bag", str(exc.message))
        ]
    except bagit.BagError as exc:
        return [Finding("bag", "BagIt structure", TAMPERED, "a valid bag", str(exc))]
    return [Finding("bag", "BagIt manifests", OK, found=f"{len(bag.entries)} files match")]


def _bag_detail(detail: Any) -> Finding:
    if isinstance(detail, bagit.ChecksumMismatch):
        return Finding(
            f"bag file {detail.path}", f"BagIt {detail.algorithm}", TAMPERED,
            detail.expected, detail.found,
        )  # fmt: skip
    if isinstance(detail, bagit.FileMissing):
        return Finding(
            f"bag file {detail.path}", "BagIt file present", TAMPERED, "present", "missing"
        )
    if isinstance(detail, bagit.UnexpectedFile):
        return Finding(
            f"bag file {detail.path}", "BagIt file listed", TAMPERED, "listed", "not in manifest"
        )
    return Finding("bag", "BagIt validation", TAMPERED, "a valid bag", str(detail))


def _file_digest(path: Path, *names: str) -> tuple[list[str], int]:
    with open(path, "rb") as handle:
        return hash_stream(handle, *names)


def _check_wacz(root: Path) -> list[Finding]:
    findings = []
    raw = (root / "datapackage.json").read_bytes()
    try:
        package = json.loads(raw)
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        return [Finding("datapackage.json", "format", TAMPERED, "a WACZ datapackage", str(exc))]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(resources) - set(DIGEST_NAMES)):
        findings.append(
            Finding(
                f"WACZ file {name}", "listed in datapackage.json", TAMPERED, "listed", "not listed"
            )
        )
    bad = 0
    for name, resource in sorted(resources.items()):
        if name not in present:
            findings.append(
                Finding(f"WACZ file {name}", "file present", TAMPERED, "present", "missing")
            )
            bad += 1
            continue
        (digest,), size = _file_digest(root / name)
        if f"sha256:{digest}" != resource.get("hash") or size != resource.get("bytes"):
            findings.append(
                Finding(f"WACZ file {name}", "datapackage.json sha256", TAMPERED,
                        f"{resource.get('hash')} ({resource.get('bytes')} bytes)",
                        f"sha256:{digest} ({size} bytes)")
            )  # fmt: skip
            bad += 1
    if not bad:
        findings.append(
            Finding("WACZ", "datapackage.json hashes", OK, found=f"{len(resources)} files match")
        )
    findings += _check_wacz_signature(root, raw)
    return findings


def _check_wacz_signature(root: Path, datapackage: bytes) -> list[Finding]:
    subject = "datapackage-digest.json"
    try:
        digest = json.loads((root / subject).read_bytes())
        signed = digest["signedData"]
        if not isinstance(signed, dict):
            raise TypeError(f"signedData is {type(signed).__name__}, not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Finding(subject, "signed digest present", TAMPERED, "signedData", str(exc))]
    actual = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    findings = []
    for label, claimed in (("hash", digest.get("hash")), ("signedData.hash", signed.get("hash"))):
        if claimed != actual:
            findings.append(
                Finding(subject, f"{label} of datapackage.json", TAMPERED, claimed, actual)
            )
    problem = verify_anonymous(
        str(signed.get("publicKey", "")), str(signed.get("signature", "")),
        str(signed.get("hash", "")),
    )  # fmt: skip
    findings.append(
        Finding(subject, "wacz-auth anonymous signature", TAMPERED if problem else OK,
                f"valid {ALGORITHM} by {_fingerprint_of(signed.get('publicKey'))}",
                problem or "verified")
    )  # fmt: skip
    return findings


def _check_wacz_key(
    root: Path, key: PublicKey | None, events: dict[int, dict[str, Any]], findings: list[Finding]
) -> None:
    """The WACZ's signing key (signedData.publicKey) is the archive's: the embedded
    wacz-key.pem is that key, the archive's Ed25519 key signed it, and the custody extract's
    `wacz-key.created` event (when the package carries it) names it."""
    subject = f"WACZ key {WACZ_KEY_PATH}"
    pem = _read(root, WACZ_KEY_PATH)
    endorsement = _read(root, f"{WACZ_KEY_PATH}.sig")
    try:
        claimed = json.loads((root / "datapackage-digest.json").read_bytes())["signedData"]
        der = serialization.load_pem_public_key(pem or b"").public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (OSError, ValueError, KeyError, TypeError, UnsupportedAlgorithm) as exc:
        findings.append(Finding(subject, "embedded WACZ key", TAMPERED, "a PEM key", str(exc)))
        return
    fingerprint = hashlib.sha256(der).hexdigest()
    before = len(findings)
    claimed = claimed if isinstance(claimed, dict) else {}
    if base64.b64encode(der).decode("ascii") != claimed.get("publicKey"):
        findings.append(
            Finding(subject, "signedData.publicKey is the archive's WACZ key", TAMPERED,
                    fingerprint, _fingerprint_of(claimed.get("publicKey")))
        )  # fmt: skip
    if key is None:
        findings.append(
            Finding(subject, "endorsed by the archive key", UNVERIFIABLE, "a public key", "none")
        )
    elif endorsement is None or not verify_signature(key.raw, pem or b"", endorsement):
        findings.append(
            Finding(subject, "endorsed by the archive key", TAMPERED,
                    f"Ed25519 signature by {key.fingerprint}",
                    "missing" if endorsement is None else "does not verify")
        )  # fmt: skip
    logged = [e for e in events.values() if e["action"] == WACZ_KEY_CREATED]
    for event in logged:
        if event["subject_id"] != fingerprint:
            findings.append(
                Finding(subject, "the wacz-key.created event's key", TAMPERED,
                        event["subject_id"], fingerprint)
            )  # fmt: skip
    if all(f.status == OK for f in findings[before:]):
        how = "endorsed by the archive key" + (", logged" if logged else "")
        findings.append(Finding(subject, "WACZ signing key", OK, found=f"{fingerprint} ({how})"))


def _fingerprint_of(public_key_base64: Any) -> str:
    try:
        return hashlib.sha256(base64.b64decode(str(public_key_base64), validate=True)).hexdigest()
    except (ValueError, binascii.Error):
        return f"unreadable: {public_key_base64!r}"


def _read(root: Path, relative: str | None) -> bytes | None:
    if not relative:
        return None
    try:
        return root.joinpath(*posix(relative).parts).read_bytes()
    except (OSError, ValueError):
        return None


def _load_key(root: Path, index: dict[str, Any]) -> PublicKey | None:
    data = _read(root, index.get("key", {}).get("path"))
    if data is None:
        return None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        return None
    if not isinstance(key, Ed25519PublicKey):
        return None
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def _check_evidence(
    root: Path, index: dict[str, Any], trust: TrustStore | None, expected_key: str | None
) -> list[Finding]:
    findings: list[Finding] = []
    events = _read_events(root, index, findings)
    key = _check_key(root, index, events, expected_key, findings)
    if (root / "datapackage-digest.json").is_file():
        _check_wacz_key(root, key, events, findings)
    roots = _check_checkpoints(root, index, key, events, trust, findings)
    for capture in index.get("captures", []):
        _check_capture(root, capture, key, events, roots, trust, findings)
    return findings


def _read_events(
    root: Path, index: dict[str, Any], findings: list[Finding]
) -> dict[int, dict[str, Any]]:
    data = _read(root, index.get("custody"))
    if data is None:
        findings.append(
            Finding("custody extract", "present", TAMPERED, index.get("custody"), "missing")
        )
        return {}
    events: dict[int, dict[str, Any]] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        try:
            event = json.loads(line)
            seq = int(event["seq"])
            payload_hash = sha256_hex(canonical_json(event["payload"]))
            body = {name: event[name] for name in (
                "seq", "occurred_at", "actor", "action", "subject_type", "subject_id",
                "payload_sha256", "prev_hash")}  # fmt: skip
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
            continue
        entry = sha256_hex(canonical_json(body))
        if entry != event.get("entry_hash"):
            findings.append(
                Finding(subject, "entry hash", TAMPERED, event.get("entry_hash"), entry)
            )
            continue
        events[seq] = event
    findings.append(Finding("custody extract", "event hashes", OK, found=f"{len(events)} events"))
    return events


def _check_key(
    root: Path, index: dict[str, Any], events: dict[int, dict[str, Any]],
    expected: str | None, findings: list[Finding],
) -> PublicKey | None:  # fmt: skip
    key = _load_key(root, index)
    path = index.get("key", {}).get("path")
    if key is None:
        findings.append(
            Finding(
                f"key {path}",
                "embedded public key",
                TAMPERED,
                "an Ed25519 PEM key",
                "missing or unreadable",
            )
        )
        return None
    created = [
        e for e in sorted(events.values(), key=lambda e: e["seq"]) if e["action"] == KEY_CREATED
    ]
    before = len(findings)
    if created:
        logged = created[0]["subject_id"]
        if logged != key.fingerprint:
            findings.append(
                Finding(
                    f"key {path}",
                    "embedded key is the key.created event's key",
                    TAMPERED,
                    logged,
                    key.fingerprint,
                )
            )
    else:
        findings.append(
            Finding(
                f"key {path}",
                "key recorded in custody extract",
                UNVERIFIABLE,
                KEY_CREATED,
                "absent",
            )
        )
    if index.get("key", {}).get("fingerprint") != key.fingerprint:
        findings.append(
            Finding(
                f"key {path}",
                "package.json key fingerprint",
                TAMPERED,
                index.get("key", {}).get("fingerprint"),
                key.fingerprint,
            )
        )
    if expected is not None:
        status = OK if expected.lower() == key.fingerprint else TAMPERED
        findings.append(
            Finding(
                f"key {path}", "published fingerprint", status, expected.lower(), key.fingerprint
            )
        )
    if all(f.status != TAMPERED for f in findings[before:]):
        findings.append(Finding(f"key {path}", "embedded public key", OK, found=key.fingerprint))
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
        try:
            check_response(raw, message)
        except TimestampError as exc:
            imprint = f"imprint of {hashlib.sha256(message).hexdigest()}"
            findings.append(Finding(label, "token covers the subject", TAMPERED, imprint, str(exc)))
            continue
        finding = _trust_finding(label, raw, message, trust)
        findings.append(finding)
        good += finding.status != TAMPERED
    return good


def _check_checkpoints(
    root: Path, index: dict[str, Any], key: PublicKey | None, events: dict[int, dict[str, Any]],
    trust: TrustStore | None, findings: list[Finding],
) -> dict[int, tuple[bytes, bool, set[int]]]:  # fmt: skip
    """Verified checkpoints: tree size -> (root, timestamped, event numbers proven in it)."""
    verified: dict[int, tuple[bytes, bool, set[int]]] = {}
    proofs_to_newest: dict[int, list[str]] = {}
    for point in index.get("checkpoints", []):
        subject = f"checkpoint {point.get('path')}"
        note = _read(root, point.get("path"))
        if note is None:
            findings.append(
                Finding(subject, "checkpoint present", TAMPERED, "a signed note", "missing")
            )
            continue
        if key is None:
            findings.append(
                Finding(subject, "note signature", UNVERIFIABLE, "a public key", "none")
            )
            continue
        origin = log_origin(key.fingerprint)
        try:
            parsed = parse_checkpoint(verify_note(note.decode("utf-8"), origin, key.raw))
        except (NoteError, UnicodeDecodeError) as exc:
            findings.append(
                Finding(subject, "note signature", TAMPERED, f"signed by {origin}", str(exc))
            )
            continue
        findings.append(
            Finding(
                subject,
                "note signature",
                OK,
                found=f"{parsed.tree_size} events, signed by {origin}",
            )
        )
        proven = set()
        for seq_text, nodes in point.get("proofs", {}).items():
            seq = int(seq_text)
            event = events.get(seq)
            if event is None:
                findings.append(
                    Finding(
                        f"custody event {seq}",
                        f"in checkpoint {parsed.tree_size}",
                        TAMPERED,
                        "the event in the extract",
                        "absent or altered",
                    )
                )
                continue
            holds = merkle.verify_inclusion(
                merkle.leaf_hash(bytes.fromhex(event["entry_hash"])), seq - 1, parsed.tree_size,
                [bytes.fromhex(n) for n in nodes], parsed.root_hash,
            )  # fmt: skip
            if holds:
                proven.add(seq)
            else:
                findings.append(
                    Finding(
                        f"custody event {seq}",
                        f"inclusion in checkpoint {parsed.tree_size}",
                        TAMPERED,
                        "a valid RFC 9162 proof",
                        "proof fails",
                    )
                )
        findings.append(
            Finding(subject, "inclusion proofs", OK, found=f"{len(proven)} events proven")
        )
        stamped = _check_tokens(root, subject, point.get("tokens", []), note, trust, findings) > 0
        verified[parsed.tree_size] = (parsed.root_hash, stamped, proven)
        proofs_to_newest[parsed.tree_size] = point.get("consistency_with_newest", [])
    _check_consistency(verified, proofs_to_newest, findings)
    return verified


def _check_consistency(
    verified: dict[int, tuple[bytes, bool, set[int]]],
    proofs: dict[int, list[str]],
    findings: list[Finding],
) -> None:
    """Every older checkpoint is a prefix of the newest one (RFC 9162 consistency proofs)."""
    if len(verified) < 2:
        return
    newest = max(verified)
    for size in sorted(verified)[:-1]:
        holds = merkle.verify_consistency(
            size, newest, verified[size][0], verified[newest][0],
            [bytes.fromhex(node) for node in proofs.get(size, [])],
        )  # fmt: skip
        findings.append(
            Finding(
                f"checkpoint {size}", f"consistent with checkpoint {newest}",
                OK if holds else TAMPERED, "a valid RFC 9162 consistency proof",
                "verified" if holds else "proof fails: the log was rewritten",
            )
        )  # fmt: skip


def _check_capture(
    root: Path, capture: dict[str, Any], key: PublicKey | None, events: dict[int, dict[str, Any]],
    roots: dict[int, tuple[bytes, bool, set[int]]], trust: TrustStore | None,
    findings: list[Finding],
) -> None:  # fmt: skip
    subject = f"capture {capture.get('id')}"
    paths: dict[str, str] = capture.get("artifacts", {})
    names = {path: name for name, path in paths.items()}
    seq = capture.get("recorded_seq")
    event = events.get(seq) if isinstance(seq, int) else None
    if (
        event is None
        or event["action"] != "capture.recorded"
        or event["subject_id"] != capture.get("id")
    ):
        findings.append(
            Finding(
                subject,
                "capture.recorded event in extract",
                TAMPERED,
                f"event {seq}",
                "absent or altered",
            )
        )
        recorded: dict[str, str] = {}
    else:
        recorded = event["payload"].get("artifacts", {})
        proven = [size for size, (_, _, seqs) in roots.items() if seq in seqs]
        status = OK if proven else UNVERIFIABLE
        findings.append(
            Finding(
                subject,
                "recorded in the custody log",
                status,
                f"event {seq} in a checkpoint",
                f"checkpoints {proven}" if proven else "not proven",
            )
        )
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
    for path in (capture.get("manifest"), capture.get("signature")):
        name = names.get(path)
        data = _read(root, path)
        found = hashlib.sha256(data).hexdigest() if data is not None else "missing"
        if name in recorded and recorded[name] != found:
            findings.append(
                Finding(
                    f"{subject} {name}",
                    "sha256 recorded in custody log",
                    TAMPERED,
                    recorded[name],
                    found,
                )
            )
    signature = _read(root, capture.get("signature")) or b""
    if key is None:
        findings.append(Finding(subject, "signature", UNVERIFIABLE, "a public key", "none"))
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
    try:
        document = parse_manifest(manifest)
    except ValueError as exc:
        findings.append(
            Finding(subject, "manifest format", TAMPERED, "a capture manifest", str(exc))
        )
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
    if not stamped:
        covering = [size for size, (_, ok, seqs) in roots.items() if ok and seq in seqs]
        if covering:
            findings.append(
                Finding(subject, "timestamped", OK, found=f"via checkpoint {min(covering)}")
            )
        elif not capture.get("tokens"):
            findings.append(
                Finding(
                    subject, "timestamped", UNVERIFIABLE, "an RFC 3161 token", "not timestamped"
                )
            )


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
    (sha256, sha512), size = _file_digest(target, "sha256", "sha512")
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
    problems = [
        _artifact_problem(root, f"{subject} {e.get('name')}", e, paths.get(e.get("name", "")))
        for e in entries
    ]
    findings += [p for p in problems if p is not None]
    if not any(problems):
        found = f"{len(entries)} artifacts"
        findings.append(Finding(subject, "artifacts match the signed manifest", OK, found=found))
