"""Record identifiers: a type prefix plus a time-ordered random part (ULID layout).

Hand-written because the standard library has no ULID/UUIDv7 on Python 3.11 and the
format is 15 lines: 48 bits of milliseconds and 80 random bits in Crockford base32.
Ids sort by creation time, never collide across worker machines, and say what they
name (`cap_...` is a capture), which lets `evidence show ID` find any record.
"""

import secrets
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

PREFIXES = {
    "case": "Case",
    "src": "Source",
    "cit": "Citation",
    "tgt": "Target",
    "cap": "Capture",
    "art": "Artifact",
    "post": "PostSnapshot",
    "tst": "TimestampToken",
    "wit": "Witness",
    "ots": "OtsProof",
}


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """Return a new id such as ``cap_01hx...`` (26 base32 characters after the prefix)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    millis = time.time_ns() // 1_000_000
    value = (millis << 80) | secrets.randbits(80)
    return f"{prefix}_{_encode(value, 26)}"
