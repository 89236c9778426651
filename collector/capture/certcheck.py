"""Checking, in Python, what a passed-through TLS handshake showed: the server's certificate
chain against the system trust store plus `extra_ca_file` (cryptography's X.509 path
validation, the same rules as a WebPKI client), and the TLS 1.3 CertificateVerify signature
over the handshake transcript (RFC 8446 section 4.4.3), which proves the server held the
leaf's private key on this very connection. The browser verifies the chain itself too; these
checks are what the capture records about it.
"""

import hashlib
import ipaddress
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

CV_CONTEXT = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00"
SCHEMES: dict[int, tuple[str, hashes.HashAlgorithm | None]] = {
    0x0403: ("ecdsa", hashes.SHA256()),
    0x0503: ("ecdsa", hashes.SHA384()),
    0x0603: ("ecdsa", hashes.SHA512()),
    0x0804: ("pss", hashes.SHA256()),
    0x0805: ("pss", hashes.SHA384()),
    0x0806: ("pss", hashes.SHA512()),
    0x0809: ("pss", hashes.SHA256()),
    0x080A: ("pss", hashes.SHA384()),
    0x080B: ("pss", hashes.SHA512()),
    0x0807: ("ed25519", None),
}


def _server_auth(_policy: object, _cert: x509.Certificate, eku: object) -> None:
    """An extendedKeyUsage, when present, must allow TLS server authentication."""
    allowed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if isinstance(eku, x509.ExtendedKeyUsage) and not allowed & set(eku):
        raise ValueError("the certificate is not for TLS servers (extendedKeyUsage)")


EE_POLICY = (
    ExtensionPolicy.webpki_defaults_ee()
    .require_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
    .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _server_auth)
)
"""CA/B Forum rules, except the criticality of subjectAltName and extendedKeyUsage, which
Chromium and OpenSSL do not enforce either (trustme and many private CAs mark them critical)."""


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of verifying one chain."""

    verified: bool
    error: str | None
    chain_der: list[bytes]
    """The validated path (leaf to root) when verified, else the chain as sent."""


class TrustStore:
    """The system's trust anchors plus the configured extra CAs, loaded once."""

    def __init__(self, extra_ca_file: str | None) -> None:
        anchors: list[x509.Certificate] = []
        system = ssl.get_default_verify_paths()
        seen: set[str] = set()
        for path in (system.cafile, system.openssl_cafile, extra_ca_file):
            if path and path not in seen and Path(path).is_file():
                seen.add(path)
                with warnings.catch_warnings():  # old roots with non-positive serials
                    warnings.simplefilter("ignore")
                    anchors += x509.load_pem_x509_certificates(Path(path).read_bytes())
        self._store = Store(anchors) if anchors else None

    def check(self, host: str, chain_der: list[bytes], at: datetime | None = None) -> ChainCheck:
        """Verify `chain_der` (leaf first) for `host`."""
        if not chain_der:
            return ChainCheck(False, "the server sent no certificate on this connection", [])
        if self._store is None:
            return ChainCheck(False, "no trust anchors found on this machine", chain_der)
        try:
            certs = [x509.load_der_x509_certificate(der) for der in chain_der]
            subject = _subject(host)
            verifier = (
                PolicyBuilder()
                .extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=EE_POLICY
                )
                .store(self._store)
                .time(at or datetime.now(UTC))
                .build_server_verifier(subject)
            )
            path = verifier.verify(certs[0], certs[1:])
        except (VerificationError, ValueError) as exc:
            return ChainCheck(False, str(exc), chain_der)
        return ChainCheck(True, None, [cert.public_bytes(Encoding.DER) for cert in path])


def _subject(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


def transcript_hash(messages: list[bytes], hash_name: str, retried: bool) -> bytes:
    """The TLS 1.3 transcript hash of `messages`; after a HelloRetryRequest the first
    ClientHello is replaced by its `message_hash` (RFC 8446 section 4.4.1)."""
    digest = hashlib.sha384 if hash_name == "sha384" else hashlib.sha256
    if retried and messages:
        first = digest(messages[0]).digest()
        messages = [bytes([254, 0, 0, len(first)]) + first, *messages[1:]]
    hasher = digest()
    for message in messages:
        hasher.update(message)
    return hasher.digest()


def check_certificate_verify(leaf_der: bytes, body: bytes, transcript: bytes) -> str:
    """`valid`, or why the CertificateVerify signature does not check."""
    if len(body) < 4:
        return "CertificateVerify message too short"
    scheme = int.from_bytes(body[:2], "big")
    length = int.from_bytes(body[2:4], "big")
    signature = body[4 : 4 + length]
    kind, algorithm = SCHEMES.get(scheme, ("", None))
    content = CV_CONTEXT + transcript
    key = x509.load_der_x509_certificate(leaf_der).public_key()
    try:
        if kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey) and algorithm:
            key.verify(signature, content, ec.ECDSA(algorithm))
        elif kind == "pss" and isinstance(key, rsa.RSAPublicKey) and algorithm:
            pss = padding.PSS(padding.MGF1(algorithm), algorithm.digest_size)
            key.verify(signature, content, pss, algorithm)
        elif kind == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, content)
        else:
            return f"signature scheme 0x{scheme:04x} not checked"
    except InvalidSignature:
        return "invalid: the signature does not match the leaf certificate's key"
    return "valid"
