"""RFC 3161 trusted timestamps: request and verify with rfc3161-client, read answers with
asn1crypto (`provenance.tsp`), store every attempt.

Each configured TSA (`EVIDENCE_TSA_URLS`, comma separated, or `tsa_urls` in the `[provenance]`
table of config.toml) is asked for a SHA-256 token over the exact bytes of a capture manifest
or a checkpoint note. Every attempt becomes a `TimestampToken` row: the TSA's response bytes
as a blob when it granted one, or the error when it did not. Nothing is ever faked; a subject
without a granted token stays "not timestamped" until `timestamp_pending` succeeds.

Trust roots come from `EVIDENCE_TSA_CA_BUNDLE` (or `tsa_ca_bundle`): a PEM file whose
self-signed certificates are roots and whose others are intermediates.
"""

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)
from sqlmodel import select

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.models import Capture
from archive.provenance.models import Checkpoint, TimestampToken, new_token_id
from archive.provenance.tsp import TimestampAnswer, der_ordered, read_answer
from archive.timeutil import utcnow
from archive.vocabulary import CustodyAction

TIMESTAMP_QUERY = "application/timestamp-query"
TIMESTAMP_REPLY = "application/timestamp-reply"
MAX_RESPONSE = 1 << 20


class TimestampError(EvidenceError):
    """A TSA did not give a usable token (network, HTTP, refusal, malformed or wrong token)."""


@dataclass(frozen=True)
class TsaSettings:
    """Which TSAs to ask and which certificates to trust."""

    urls: list[str]
    ca_bundle: Path | None


@dataclass
class TrustStore:
    """Roots and intermediates read from a PEM bundle."""

    roots: list[x509.Certificate] = field(default_factory=list)
    intermediates: list[x509.Certificate] = field(default_factory=list)

    @classmethod
    def from_pem_file(cls, path: Path) -> "TrustStore":
        """Load a bundle; self-signed certificates are roots, the others intermediates."""
        try:
            certificates = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise EvidenceError(f"cannot read the TSA CA bundle {path}: {exc}") from exc
        store = cls()
        for certificate in certificates:
            if certificate.subject == certificate.issuer:
                store.roots.append(certificate)
            else:
                store.intermediates.append(certificate)
        return store

    def issuer_of(self, certificate: x509.Certificate) -> x509.Certificate | None:
        """`certificate`'s issuer in the bundle (matched by key identifier, else name)."""
        candidates = [c for c in self.roots + self.intermediates if c.subject == certificate.issuer]
        wanted = _key_identifier(certificate, x509.AuthorityKeyIdentifier)
        if wanted is not None:
            candidates = [
                c for c in candidates if _key_identifier(c, x509.SubjectKeyIdentifier) == wanted
            ]
        return candidates[0] if candidates else None

    def chain_of(self, certificate: x509.Certificate) -> tuple[list[x509.Certificate], bool]:
        """The bundle's intermediates above `certificate`, and whether the walk ends at one of
        its roots (bounded by the bundle's size)."""
        chain: list[x509.Certificate] = []
        current = certificate
        for _ in range(len(self.intermediates) + 1):
            issuer = self.issuer_of(current)
            if issuer is None:
                return chain, False
            if issuer in self.roots:
                return chain, True
            chain.append(issuer)
            current = issuer
        return chain, False

    def knows_issuer_of(self, certificate: x509.Certificate) -> bool:
        """True when the bundle holds a chain from `certificate` up to one of its roots."""
        return self.chain_of(certificate)[1]

    def with_intermediates(self, certificates: list[x509.Certificate]) -> "TrustStore":
        """A copy that also knows these certificates as intermediates (never as roots)."""
        extra = [c for c in certificates if c.subject != c.issuer and c not in self.intermediates]
        return TrustStore(list(self.roots), [*self.intermediates, *extra])


def _key_identifier(certificate: x509.Certificate, kind: type) -> bytes | None:
    try:
        value = certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    return value.key_identifier if kind is x509.AuthorityKeyIdentifier else value.digest


def tsa_settings(archive: Archive) -> TsaSettings:
    """TSA URLs and CA bundle from the environment, else the `[provenance]` config table."""
    section = archive.settings.section("provenance")
    raw_urls = os.environ.get("EVIDENCE_TSA_URLS") or section.get("tsa_urls") or ""
    if isinstance(raw_urls, list):
        raw_urls = ",".join(str(u) for u in raw_urls)
    urls = [u.strip() for u in str(raw_urls).split(",") if u.strip()]
    bundle = os.environ.get("EVIDENCE_TSA_CA_BUNDLE") or section.get("tsa_ca_bundle")
    return TsaSettings(urls, Path(bundle).expanduser() if bundle else None)


def check_response(raw: bytes, message: bytes, nonce: int | None = None) -> TimestampAnswer:
    """The fields of a granted answer over SHA-256(`message`); TimestampError otherwise.

    This checks what the token claims (status, imprint, nonce), not who signed it:
    `verify_token` checks the signature and the chain.
    """
    try:
        answer = read_answer(raw)
    except ValueError as exc:
        raise TimestampError(str(exc)) from exc
    if not answer.granted:
        detail = "; ".join(answer.status_text) or f"status {answer.status}"
        raise TimestampError(f"the TSA refused: {detail}")
    if answer.imprint != _digest_for(str(answer.imprint_algorithm), message):
        raise TimestampError("message imprint mismatch: the token covers other bytes")
    if nonce is not None and answer.nonce != nonce:
        raise TimestampError("nonce mismatch: the response is not for this request")
    return answer


def _digest_for(oid: str, message: bytes) -> bytes:
    names = {
        "2.16.840.1.101.3.4.2.1": "sha256",
        "2.16.840.1.101.3.4.2.2": "sha384",
        "2.16.840.1.101.3.4.2.3": "sha512",
    }
    if oid not in names:
        raise TimestampError(f"unsupported imprint hash algorithm {oid}")
    return hashlib.new(names[oid], message).digest()


def request_token(url: str, message: bytes, client: httpx.Client) -> bytes:
    """Ask one TSA for a SHA-256 token over `message`; the checked response's original bytes."""
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        reply = client.post(
            url, content=request.as_bytes(), headers={"Content-Type": TIMESTAMP_QUERY}
        )
    except httpx.HTTPError as exc:
        raise TimestampError(f"{type(exc).__name__}: {exc}") from exc
    if reply.status_code != 200:
        raise TimestampError(f"HTTP {reply.status_code} from the TSA")
    if len(reply.content) > MAX_RESPONSE:
        raise TimestampError("the TSA response is too large")
    check_response(reply.content, message, nonce=request.nonce)
    return reply.content


def verify_token(raw: bytes, message: bytes, trust: TrustStore) -> datetime:
    """Verify a stored response over `message` against `trust`; its genTime, else raise.

    rfc3161-client checks the status, the CMS signature, the chain to a root at genTime,
    the timeStamping EKU and the message imprint.
    """
    answer = check_response(raw, message)
    if not trust.roots:
        raise VerificationError("the CA bundle holds no root certificate")
    builder = VerifierBuilder()
    for root in trust.roots:
        builder = builder.add_root_certificate(root)
    for intermediate in trust.intermediates:
        builder = builder.add_intermediate_certificate(intermediate)
    builder.build().verify_message(decode_timestamp_response(der_ordered(raw)), message)
    assert answer.gen_time is not None  # a granted answer has one
    return answer.gen_time


def embedded_certificates(raw: bytes) -> list[x509.Certificate]:
    """The certificates a TSA response carries (its signer's, and any chain it sent)."""
    return [x509.load_der_x509_certificate(der) for der in read_answer(raw).certificates]


def signer_certificate(raw: bytes) -> x509.Certificate | None:
    """The embedded certificate with the timeStamping purpose (the TSA's), if any."""
    for der in read_answer(raw).certificates:
        certificate = x509.load_der_x509_certificate(der)
        try:
            usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in usage:
            return certificate
    return None


def signer_identity(raw: bytes) -> dict[str, str] | None:
    """The TSA certificate of a stored response as a reader names it: subject, issuer, serial
    (hex), SHA-256 fingerprint of the DER and validity; None when the token carries none."""
    certificate = signer_certificate(raw)
    if certificate is None:
        return None
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "not_before": certificate.not_valid_before_utc.strftime("%Y-%m-%d"),
        "not_after": certificate.not_valid_after_utc.strftime("%Y-%m-%d"),
    }


def obtain_tokens(
    archive: Archive,
    subject_type: str,
    subject_id: str,
    message: bytes,
    urls: list[str],
    client: httpx.Client,
) -> list[TimestampToken]:
    """Ask each TSA in `urls` for a token over `message`; record every outcome."""
    rows = []
    for url in urls:
        raw: bytes | None = None
        error: str | None = None
        try:
            raw = request_token(url, message, client)
        except TimestampError as exc:
            error = str(exc)
        rows.append(_record(archive, subject_type, subject_id, message, url, raw, error))
    return rows


def _record(
    archive: Archive,
    subject_type: str,
    subject_id: str,
    message: bytes,
    url: str,
    raw: bytes | None,
    error: str | None,
) -> TimestampToken:
    with archive.session() as session:
        token_sha256 = archive.store_blob(session, raw).sha256 if raw is not None else None
        row = TimestampToken(
            id=new_token_id(),
            subject_type=subject_type,
            subject_id=subject_id,
            message_sha256=hashlib.sha256(message).hexdigest(),
            tsa_url=url,
            status="ok" if raw is not None else "failed",
            error=error,
            token_sha256=token_sha256,
            gen_time=read_answer(raw).gen_time if raw is not None else None,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        archive.record(
            session,
            CustodyAction.TIMESTAMP_RECORDED,
            subject_type,
            subject_id,
            {
                "token_id": row.id,
                "tsa_url": url,
                "status": row.status,
                "message_sha256": row.message_sha256,
                "token_sha256": token_sha256,
                "error": error,
            },
        )
    return row


def pending_subjects(archive: Archive, urls: list[str]) -> list[tuple[str, str, list[str]]]:
    """(subject type, subject id, TSA URLs still to ask) for every subject missing a token."""
    with archive.session() as session:
        granted = set(
            session.exec(
                select(
                    TimestampToken.subject_type, TimestampToken.subject_id, TimestampToken.tsa_url
                ).where(TimestampToken.status == "ok")
            )
        )
        captures = session.exec(
            select(Capture.id)
            .where(Capture.manifest_sha256.is_not(None))  # type: ignore[union-attr]
            .order_by(Capture.id)
        ).all()
        sizes = session.exec(select(Checkpoint.tree_size).order_by(Checkpoint.tree_size)).all()
    subjects = [("capture", c) for c in captures] + [("checkpoint", str(n)) for n in sizes]
    pending = []
    for subject_type, subject_id in subjects:
        missing = [u for u in urls if (subject_type, subject_id, u) not in granted]
        if missing:
            pending.append((subject_type, subject_id, missing))
    return pending


def subject_message(archive: Archive, subject_type: str, subject_id: str) -> bytes:
    """The bytes a token for this subject covers: the manifest, or the checkpoint note."""
    with archive.session() as session:
        if subject_type == "capture":
            capture = session.get(Capture, subject_id)
            if capture is None or capture.manifest_sha256 is None:
                raise EvidenceError(f"capture {subject_id} has no manifest")
            return archive.blobs.get(capture.manifest_sha256)
        checkpoint = session.get(Checkpoint, int(subject_id))
        if checkpoint is None:
            raise EvidenceError(f"no checkpoint of tree size {subject_id}")
        return checkpoint.note.encode("utf-8")


def timestamp_pending(archive: Archive, timeout: float = 30.0) -> list[TimestampToken]:
    """Request tokens for every manifest and checkpoint that lacks one from a configured TSA.

    Returns the rows written (granted and failed); an empty list when no TSA is configured.
    """
    settings = tsa_settings(archive)
    if not settings.urls:
        return []
    rows: list[TimestampToken] = []
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for subject_type, subject_id, urls in pending_subjects(archive, settings.urls):
            message = subject_message(archive, subject_type, subject_id)
            rows += obtain_tokens(archive, subject_type, subject_id, message, urls, client)
    return rows
