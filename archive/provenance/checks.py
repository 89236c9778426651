"""The checks both verifiers make, over bytes and plain records: the archive verifier
(`provenance.verify`, reading the database) and the package verifier (`export.package_verify`,
reading an exported package) gather the inputs and call these, so a check reads the same and
reports the same finding whichever copy of the evidence it runs on.
"""

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from archive.provenance import merkle
from archive.provenance.checkpoint import (
    NoteError,
    ParsedCheckpoint,
    log_origin,
    parse_checkpoint,
    verify_note,
)
from archive.provenance.findings import OK, PENDING, TAMPERED, UNVERIFIABLE, Finding
from archive.provenance.keys import PublicKey
from archive.provenance.manifest import parse_manifest
from archive.provenance.signing import verify_signature
from archive.provenance.timestamps import (
    TimestampError,
    TrustStore,
    check_response,
    embedded_certificates,
    signer_certificate,
    verify_token,
)
from archive.timeutil import iso


def signature_finding(
    subject: str, key: PublicKey | None, message: bytes, signature: bytes, absent: str
) -> Finding:
    """Is `signature` the Ed25519 signature of `key` over `message`? (`absent` names the key
    a verifier lacks when `key` is None.)"""
    if key is None:
        return Finding(subject, "signature", UNVERIFIABLE, absent, "none")
    if verify_signature(key.raw, message, signature):
        return Finding(subject, "signature", OK, found=f"Ed25519 by {key.fingerprint}")
    return Finding(
        subject, "signature", TAMPERED, f"valid Ed25519 by {key.fingerprint}", "does not verify"
    )


def manifest_document(subject: str, manifest: bytes) -> dict[str, Any] | Finding:
    """The capture manifest's document, else the finding that it is not one."""
    try:
        return parse_manifest(manifest)
    except ValueError as exc:
        return Finding(subject, "manifest format", TAMPERED, "a capture manifest", str(exc))


def published_fingerprint(subject: str, expected: str, found: str | None) -> Finding:
    """Is the key in use the one whose fingerprint the investigator published?"""
    status = OK if found == expected.lower() else TAMPERED
    return Finding(subject, "published fingerprint", status, expected.lower(), found)


def logged_key(
    subject: str, created: Sequence[tuple[str, object]]
) -> tuple[PublicKey, list[Finding]]:
    """The archive key the custody log recorded, from (fingerprint, base64 public key) of every
    `key.created` event, oldest first (at least one), and what is wrong with those events: the
    first one's fingerprint is not its key's, or there is more than one."""
    fingerprint, public = created[0]
    try:
        key = PublicKey(base64.b64decode(str(public), validate=True))
    except binascii.Error:
        key = PublicKey(b"")
    findings = []
    if key.fingerprint != fingerprint:
        findings.append(
            Finding(subject, "key.created event fingerprint", TAMPERED, fingerprint,
                    key.fingerprint)
        )  # fmt: skip
    for later, _ in created[1:]:
        findings.append(Finding(subject, "only one archive key", TAMPERED, key.fingerprint, later))
    return key, findings


def wacz_key_logged(subject: str, logged: Sequence[str], fingerprint: str | None) -> list[Finding]:
    """What is wrong with the WACZ key `fingerprint` (None: its file is missing) against the
    fingerprints its `wacz-key.created` events name, oldest first: more than one, or not this
    key."""
    findings = [Finding(subject, "only one WACZ key", TAMPERED, logged[0], later)
                for later in logged[1:]]  # fmt: skip
    if logged and fingerprint is not None and fingerprint != logged[0]:
        findings.append(
            Finding(subject, "file is the logged key", TAMPERED, logged[0], fingerprint)
        )
    return findings


def checkpoint_note(
    subject: str, note: str | bytes, key: PublicKey | None, absent: str
) -> ParsedCheckpoint | Finding:
    """The checkpoint a signed note holds when `key` signed it, else the finding."""
    if key is None:
        return Finding(subject, "note signature", UNVERIFIABLE, absent, "none")
    origin = log_origin(key.fingerprint)
    try:
        text = note.decode("utf-8") if isinstance(note, bytes) else note
        return parse_checkpoint(verify_note(text, origin, key.raw))
    except (NoteError, UnicodeDecodeError) as exc:
        return Finding(subject, "note signature", TAMPERED, f"signed by {origin}", str(exc))


def consistency_finding(
    subject: str, sizes: tuple[int, int], roots: tuple[bytes, bytes], proof: Sequence[bytes],
    against: int,
) -> Finding:  # fmt: skip
    """Does `proof` show the tree of `sizes[0]` (root `roots[0]`) is a prefix of the one of
    `sizes[1]`? `against` is the other checkpoint the subject is held to."""
    holds = merkle.verify_consistency(sizes[0], sizes[1], roots[0], roots[1], proof)
    return Finding(
        subject, f"consistent with checkpoint {against}", OK if holds else TAMPERED,
        "a valid RFC 9162 consistency proof",
        "verified" if holds else "proof fails: the log was rewritten",
    )  # fmt: skip


def token_finding(subject: str, raw: bytes, message: bytes, trust: TrustStore | None) -> Finding:
    """An RFC 3161 response: does it cover `message`, and did a trusted TSA sign it?"""
    try:
        check_response(raw, message)
    except TimestampError as exc:
        imprint = f"imprint of {hashlib.sha256(message).hexdigest()}"
        return Finding(subject, "token covers the subject", TAMPERED, imprint, str(exc))
    return _trust_finding(subject, raw, message, trust)


def _trust_finding(subject: str, raw: bytes, message: bytes, trust: TrustStore | None) -> Finding:
    if trust is None:
        return Finding(
            subject, "TSA signature and chain", UNVERIFIABLE, "a TSA CA bundle", "none given"
        )
    certificate = signer_certificate(raw)
    trust = trust.with_intermediates(embedded_certificates(raw))
    if certificate is not None and not trust.knows_issuer_of(certificate):
        chain, _ = trust.chain_of(certificate)
        issuer = (chain[-1] if chain else certificate).issuer.rfc4514_string()
        return Finding(
            subject, "TSA signature and chain", UNVERIFIABLE,
            f"a chain to a root in the CA bundle (missing: {issuer})", "not in the CA bundle",
        )  # fmt: skip
    try:
        gen_time = verify_token(raw, message, trust)
    except Exception as exc:  # rfc3161-client raises VerificationError and ValueError
        return Finding(
            subject, "TSA signature and chain", TAMPERED, "a valid RFC 3161 token", str(exc)
        )
    return Finding(subject, "TSA signature and chain", OK, found=f"genTime {iso(gen_time)}")


def timestamp_coverage(subject: str, covering: Sequence[int]) -> Finding:
    """A capture with no token of its own: timestamped through the earliest timestamped
    checkpoint that covers its `capture.recorded` event, if any."""
    if covering:
        return Finding(subject, "timestamped", OK, found=f"via checkpoint {min(covering)}")
    return Finding(subject, "timestamped", UNVERIFIABLE, "an RFC 3161 token", "not timestamped")


NOT_BOUND = "not bound (archive made before row binding)"


def row_binding_findings(
    rows: Mapping[str, str], bound: Mapping[str, tuple[int, str]], binds_rows: bool
) -> list[Finding]:
    """Reconcile evidence rows with the custody events that bound them, both ways.

    `rows` maps "table/id" to the hash of the row as stored; `bound` maps "table/id" to the
    (event number, hash) that event recorded. `binds_rows`: the archive was made with row
    binding, so a row no event binds was added behind the log's back (else it predates it)."""
    findings: list[Finding] = []
    for name, (seq, recorded) in sorted(bound.items()):
        found = rows.get(name)
        subject = name.replace("/", " ", 1)
        if found is None:
            findings.append(Finding(subject, f"row bound by custody event {seq} exists",
                                    TAMPERED, recorded, "absent"))  # fmt: skip
        elif found != recorded:
            findings.append(Finding(subject, f"row hashes as custody event {seq} recorded",
                                    TAMPERED, recorded, found))  # fmt: skip
    unbound = sorted(set(rows) - set(bound))
    for name in unbound:
        subject = name.replace("/", " ", 1)
        if binds_rows:
            findings.append(Finding(subject, "row has its custody event", TAMPERED,
                                    "a custody event binding the row", "none"))  # fmt: skip
        else:
            findings.append(Finding(subject, "row has its custody event", UNVERIFIABLE,
                                    "a custody event binding the row", NOT_BOUND))  # fmt: skip
    if not any(f.status == TAMPERED for f in findings):
        intact = len(set(rows) & set(bound))
        findings.append(Finding("evidence rows", "bound into the custody log", OK,
                                found=f"{intact} of {len(rows)} rows"))  # fmt: skip
    return findings


def ots_finding(
    subject: str, proof: bytes, message: bytes, headers: Mapping[int, bytes]
) -> Finding:
    """An OpenTimestamps proof over SHA-256(`message`), checked against Bitcoin block headers
    supplied offline (height -> 80-byte header): ok when a header confirms it, pending when
    only calendars' promises are in it, unverifiable when its block's header was not given."""
    from bitcoin.core import CBlockHeader
    from opentimestamps.core.notary import (
        BitcoinBlockHeaderAttestation,
        PendingAttestation,
        VerificationError,
    )

    from archive.provenance import ots

    check = "OpenTimestamps proof"
    try:
        detached = ots.deserialize(proof)
    except ValueError as exc:
        return Finding(subject, check, TAMPERED, "an .ots proof", str(exc))
    digest = hashlib.sha256(message).digest()
    if detached.file_digest != digest:
        return Finding(subject, check, TAMPERED, digest.hex(), detached.file_digest.hex())
    attestations = list(detached.timestamp.all_attestations())
    blocks = [(msg, a) for msg, a in attestations if isinstance(a, BitcoinBlockHeaderAttestation)]
    missing = []
    for msg, attestation in sorted(blocks, key=lambda pair: pair[1].height):
        raw = headers.get(attestation.height)
        if raw is None:
            missing.append(str(attestation.height))
            continue
        try:
            when = attestation.verify_against_blockheader(msg, CBlockHeader.deserialize(raw))
        except (VerificationError, ValueError) as exc:
            return Finding(subject, check, TAMPERED, f"block {attestation.height}", str(exc))
        found = f"Bitcoin block {attestation.height} at {iso(datetime.fromtimestamp(when, UTC))}"
        return Finding(subject, check, OK, digest.hex(), found)
    if missing:
        return Finding(
            subject, check, UNVERIFIABLE, f"block headers {', '.join(missing)}", "not supplied"
        )
    pending = [a.uri for _, a in attestations if isinstance(a, PendingAttestation)]
    return Finding(subject, check, PENDING, "a Bitcoin attestation", f"pending at {pending}")
