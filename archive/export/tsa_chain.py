"""The TSA intermediate certificates a package carries: those of the archive's configured CA
bundle (`EVIDENCE_TSA_CA_BUNDLE` / `tsa_ca_bundle`) that sit between an exported token's
signing certificate and a root. They are not trust anchors; they let a verifier who holds
only the TSA's root (`openssl ts -verify -CAfile ROOT -untrusted ...`, `evidence verify
--tsa-ca-bundle ROOT`) build the chain. Roots are never packed: they must come from the TSA.
"""

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from archive.archive import Archive
from archive.blobstore import BlobError
from archive.errors import EvidenceError
from archive.provenance.models import TimestampToken
from archive.provenance.timestamps import TrustStore, signer_certificate, tsa_settings


def tsa_chain(archive: Archive, tokens: list[TimestampToken]) -> bytes | None:
    """PEM of the configured bundle's intermediates on the exported tokens' chains, or None
    (no bundle configured, or no token needs one)."""
    bundle = tsa_settings(archive).ca_bundle
    if bundle is None or not tokens:
        return None
    try:
        store = TrustStore.from_pem_file(bundle)
    except EvidenceError:
        return None  # an unreadable bundle: `evidence verify` says so; the package has none
    chain: list[x509.Certificate] = []
    for token in tokens:
        try:
            signer = signer_certificate(archive.blobs.get(token.token_sha256))
        except (BlobError, ValueError):
            continue  # a damaged or missing token is reported by the export and the verifier
        if signer is None:
            continue
        chain += [c for c in store.chain_of(signer)[0] if c not in chain]
    if not chain:
        return None
    return b"".join(c.public_bytes(Encoding.PEM) for c in chain)
