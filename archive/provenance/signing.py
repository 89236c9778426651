"""Detached Ed25519 signatures (RFC 8032) over raw bytes.

A signature made here verifies with OpenSSL too:
`openssl pkeyutl -verify -pubin -inkey ed25519.pub -rawin -in manifest.json -sigfile manifest.sig`.
"""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_SIZE = 64


def sign(private_key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `data`."""
    return private_key.sign(data)


def verify_signature(public_raw: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `data` by the 32-byte public key."""
    if len(public_raw) != 32 or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
