"""Canonical JSON (RFC 8785 via `rfc8785`) and SHA-256 helpers for hashing records."""

import hashlib
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value (ints must stay below 2**53)."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()
