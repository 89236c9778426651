"""The certificate that signs content credentials (C2PA): the archive's own, made in `keys/` on
first use, or an organisation's, named in the `[provenance]` settings.

C2PA signers are X.509 certificates. The archive's own chain is a CA and a leaf, both ECDSA
P-256 (`es256`), made with `cryptography`: the leaf carries the digitalSignature key usage and
the emailProtection extended key usage C2PA accepts, and is issued by the CA (C2PA refuses
self-signed signers). The CA's private key is discarded once the leaf is issued, so nothing else
can ever be issued under it. Files: `keys/c2pa-signer.key` (PKCS#8 PEM, mode 0600) and
`keys/c2pa-chain.pem` (leaf then CA).

An organisation's certificate is used instead when both `c2pa_certificate` (PEM chain, leaf
first) and `c2pa_private_key` (unencrypted PEM) are set in `[provenance]`, or through
`EVIDENCE_C2PA_CERTIFICATE` and `EVIDENCE_C2PA_PRIVATE_KEY`.

Each signing certificate is recorded once in the custody log (`c2pa-cert.recorded`, with the
chain), before its first credential: `verify` trusts exactly the logged chains, whatever lies
in `keys/` later.
"""

import datetime
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlmodel import Session, select

from archive.archive import Archive
from archive.models import CustodyEvent
from archive.provenance.keys import ArchiveKeyError, read_private_key, write_key_files
from archive.vocabulary import CustodyAction

PRIVATE_FILE = "c2pa-signer.key"
CHAIN_FILE = "c2pa-chain.pem"
VALIDITY = datetime.timedelta(days=20 * 365)  # credentials carry no timestamp of their own
_CURVES = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


@dataclass(frozen=True)
class CredentialSigner:
    """A C2PA signing certificate chain (PEM, leaf first) and its private key."""

    chain_pem: bytes
    key_pem: bytes
    algorithm: str
    origin: str  # "archive" or "organisation"

    @property
    def leaf(self) -> x509.Certificate:
        """The signing certificate."""
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def fingerprint(self) -> str:
        """Hex SHA-256 of the leaf certificate's DER."""
        return cert_fingerprint(self.leaf)


def cert_fingerprint(cert: x509.Certificate) -> str:
    """Hex SHA-256 of a certificate's DER."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "evidence-collector archive"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=not signer,
        crl_sign=not signer, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def issue_chain(leaf_key: ec.EllipticCurvePrivateKey, label: str) -> bytes:
    """A new CA and a leaf for `leaf_key` issued by it, as PEM (leaf, then CA); the CA's key
    is thrown away."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    issuer_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_name = _name(f"{label} content credentials CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} content credentials"))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(issuer_id, False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca))


def _algorithm(key: object, where: str) -> str:
    """The C2PA signing algorithm of a private key."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _CURVES:
        return _CURVES[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    raise ArchiveKeyError(f"{where}: C2PA cannot sign with a {type(key).__name__}")


def _signer_from(chain_path: Path, key_path: Path, origin: str) -> CredentialSigner:
    """The chain and key files as a signer; ArchiveKeyError when they do not belong together."""
    key = read_private_key(key_path)
    if key is None:
        raise ArchiveKeyError(f"C2PA private key {key_path} does not exist")
    try:
        chain_pem = chain_path.read_bytes()
        certs = x509.load_pem_x509_certificates(chain_pem)
    except FileNotFoundError as exc:
        raise ArchiveKeyError(f"C2PA certificate {chain_path} does not exist") from exc
    except (OSError, ValueError) as exc:
        raise ArchiveKeyError(f"C2PA certificate {chain_path} is not a PEM chain: {exc}") from exc
    algorithm = _algorithm(key, str(key_path))
    raw = serialization.PublicFormat.SubjectPublicKeyInfo
    if certs[0].public_key().public_bytes(serialization.Encoding.DER, raw) != key.public_key(
    ).public_bytes(serialization.Encoding.DER, raw):  # fmt: skip
        raise ArchiveKeyError(f"{chain_path} does not belong to the private key {key_path}")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CredentialSigner(chain_pem, pem, algorithm, origin)


def configured_paths(archive: Archive) -> tuple[Path, Path] | None:
    """An organisation's certificate chain and key files from the settings, or None."""
    section = archive.settings.section("provenance")
    chain = os.environ.get("EVIDENCE_C2PA_CERTIFICATE") or section.get("c2pa_certificate")
    key = os.environ.get("EVIDENCE_C2PA_PRIVATE_KEY") or section.get("c2pa_private_key")
    if not chain and not key:
        return None
    if not chain or not key:
        raise ArchiveKeyError(
            "set both c2pa_certificate and c2pa_private_key (an organisation's C2PA signer)"
        )
    return Path(str(chain)).expanduser(), Path(str(key)).expanduser()


def _archive_signer(archive: Archive) -> CredentialSigner:
    """The archive's own signer in `keys/`, made on first use."""
    keys = archive.home / "keys"
    key_path, chain_path = keys / PRIVATE_FILE, keys / CHAIN_FILE
    if not key_path.exists():
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_key_files(key_path, chain_path, pem, lambda: _chain_for(key_path))
    return _signer_from(chain_path, key_path, "archive")


def _chain_for(key_path: Path) -> str:
    """A new chain for the private key now on disk (the one that won a race to create it)."""
    key = read_private_key(key_path)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return issue_chain(key, "evidence-collector archive").decode("ascii")


def logged_chains(session: Session) -> dict[str, bytes]:
    """Every C2PA signing chain the custody log recorded, by leaf fingerprint."""
    statement = select(CustodyEvent).where(CustodyEvent.action == CustodyAction.C2PA_CERT_RECORDED)
    return {e.subject_id: str(e.payload.get("chain", "")).encode() for e in session.exec(statement)}


def ensure_credential_signer(archive: Archive) -> CredentialSigner:
    """The signer of content credentials (an organisation's when configured, else the
    archive's own, made on first use), recorded in the custody log before its first use."""
    paths = configured_paths(archive)
    signer = _signer_from(*paths, "organisation") if paths else _archive_signer(archive)
    leaf = signer.leaf
    with archive.session() as session:
        if signer.fingerprint not in logged_chains(session):
            archive.record(
                session,
                CustodyAction.C2PA_CERT_RECORDED,
                "certificate",
                signer.fingerprint,
                {
                    "origin": signer.origin,
                    "algorithm": signer.algorithm,
                    "subject": leaf.subject.rfc4514_string(),
                    "issuer": leaf.issuer.rfc4514_string(),
                    "serial_number": str(leaf.serial_number),
                    "chain": signer.chain_pem.decode("ascii"),
                },
            )
    return signer
