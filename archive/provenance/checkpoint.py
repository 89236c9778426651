"""Signed tree heads in the C2SP formats: the checkpoint body (c2sp.org/tlog-checkpoint) in a
signed note (c2sp.org/signed-note) with an Ed25519 signature.

    <origin>\\n<tree size>\\n<base64 root hash>\\n\\n— <key name> base64(key id || signature)\\n

Key id = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. Hand-written because
the format is a few lines of text and no maintained Python package implements it.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.provenance.signing import sign, verify_signature

ED25519_TYPE = b"\x01"
_SIG_LINE = re.compile(r"^\u2014 (\S+) ([A-Za-z0-9+/=]+)$")
_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")


class NoteError(ValueError):
    """A note or checkpoint that is malformed or whose signature does not verify."""


@dataclass(frozen=True)
class ParsedCheckpoint:
    """The fields of a checkpoint body."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...]


def log_origin(fingerprint: str) -> str:
    """This archive's log origin (also its note key name): a schema-less URL-like string."""
    return f"evidence-collector.local/log/{fingerprint[:32]}"


def key_id(name: str, public_raw: bytes) -> bytes:
    """The 4-byte signed-note key id of an Ed25519 key."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_raw).digest()[:4]


def verifier_key(name: str, public_raw: bytes) -> str:
    """The `name+hexid+base64(type||key)` verifier string other note tools accept."""
    encoded = base64.b64encode(ED25519_TYPE + public_raw).decode()
    return f"{name}+{key_id(name, public_raw).hex()}+{encoded}"


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes) -> str:
    """The checkpoint text that gets signed."""
    if "\n" in origin or not origin:
        raise NoteError("the origin must be one non-empty line")
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"


def sign_note(body: str, name: str, private: Ed25519PrivateKey, public_raw: bytes) -> str:
    """`body` (ending in a newline) as a signed note with one Ed25519 signature."""
    if not body.endswith("\n"):
        raise NoteError("note text must end with a newline")
    signature = sign(private, body.encode("utf-8"))
    blob = base64.b64encode(key_id(name, public_raw) + signature).decode()
    return f"{body}\n\u2014 {name} {blob}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The note text and its signatures as (key name, key id, signature)."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    body, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    signatures = []
    for line in lines:
        match = _SIG_LINE.match(line)
        if not match:
            raise NoteError(f"malformed signature line {line!r}")
        try:
            raw = base64.b64decode(match.group(2), validate=True)
        except binascii.Error as exc:
            raise NoteError("signature is not base64") from exc
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append((match.group(1), raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("the note has no signature")
    return body, signatures


def verify_note(note: str, name: str, public_raw: bytes) -> str:
    """The note text, when a signature by key (`name`, `public_raw`) verifies; else NoteError."""
    body, signatures = split_note(note)
    wanted = key_id(name, public_raw)
    mine = [sig for n, kid, sig in signatures if n == name and kid == wanted]
    if not mine:
        raise NoteError(f"no signature by key {name}+{wanted.hex()}")
    if not all(verify_signature(public_raw, body.encode("utf-8"), sig) for sig in mine):
        raise NoteError(f"the signature by {name} does not verify")
    return body


def parse_checkpoint(body: str) -> ParsedCheckpoint:
    """Parse a checkpoint body (origin, size, root, optional extension lines)."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has at least three lines ending in a newline")
    origin, size, root_b64, *extensions = lines[:-1]
    if not origin or not _SIZE.match(size):
        raise NoteError("bad checkpoint origin or tree size")
    try:
        root_hash = base64.b64decode(root_b64, validate=True)
    except binascii.Error as exc:
        raise NoteError("checkpoint root hash is not base64") from exc
    if len(root_hash) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return ParsedCheckpoint(origin, int(size), root_hash, tuple(extensions))
