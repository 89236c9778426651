"""C2SP signed notes and checkpoints, anchored to the golang.org/x/mod/sumdb/note example."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.provenance.checkpoint import (
    NoteError,
    checkpoint_body,
    key_id,
    parse_checkpoint,
    sign_note,
    split_note,
    verifier_key,
    verify_note,
)

# The example key pair and note published with golang.org/x/mod/sumdb/note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def go_key() -> tuple[Ed25519PrivateKey, bytes]:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return private, base64.b64decode(GO_VKEY.split("+", 2)[2])[1:]


def test_reproduces_the_go_note_byte_for_byte() -> None:
    private, public = go_key()
    assert key_id("PeterNeumann", public).hex() == "c74f20a3"
    assert verifier_key("PeterNeumann", public) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", private, public) == GO_NOTE
    assert verify_note(GO_NOTE, "PeterNeumann", public) == GO_TEXT


def test_altered_note_or_other_key_is_rejected() -> None:
    _, public = go_key()
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(GO_NOTE.replace("cryptography", "cryptographY"), "PeterNeumann", public)
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    with pytest.raises(NoteError, match="no signature by key"):
        verify_note(GO_NOTE, "PeterNeumann", other)
    with pytest.raises(NoteError):
        split_note(GO_TEXT)


def test_checkpoint_round_trip() -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    root = bytes(range(32))
    body = checkpoint_body("example.com/log", 42, root)
    assert body == f"example.com/log\n42\n{base64.b64encode(root).decode()}\n"
    note = sign_note(body, "example.com/log", private, public)
    parsed = parse_checkpoint(verify_note(note, "example.com/log", public))
    assert (parsed.origin, parsed.tree_size, parsed.root_hash) == ("example.com/log", 42, root)
    with pytest.raises(NoteError):
        parse_checkpoint("example.com/log\n-1\nAAAA\n")
