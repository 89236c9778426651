"""Check that a capture's custody event is in the signed checkpoint (RFC 9162 inclusion),
showing each step from the event's fields to the checkpoint's root.

python3 inclusion.py PROOF.json CHECKPOINT.txt CUSTODY.jsonl
Standard library only. The checkpoint's signature is checked by OpenSSL in an earlier step.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

FIELDS = ("seq", "occurred_at", "actor", "action", "subject_type", "subject_id",
          "payload_sha256", "prev_hash")  # fmt: skip


def canonical(value):
    """RFC 8785 JSON for strings, integers and null (all a custody event holds)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def root_from(leaf, index, size, path):
    """RFC 9162 section 2.1.3.2: the root an audit path leads to from leaf `index`."""
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            sys.exit("FAILED: the inclusion proof is too long")
        if fn & 1 or fn == sn:
            node = sha256(b"\1", sibling, node)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = sha256(b"\1", node, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        sys.exit("FAILED: the inclusion proof is too short")
    return node


def main(proof_path, checkpoint_path, custody_path):
    proof = json.loads(Path(proof_path).read_text(encoding="utf-8"))
    seq = proof["seq"]
    lines = Path(custody_path).read_text(encoding="utf-8").splitlines()
    event = next((json.loads(x) for x in lines if x.strip() and json.loads(x)["seq"] == seq), None)
    if event is None:
        sys.exit(f"FAILED: event {seq} is not in {custody_path}")
    # 1. the payload hash is the SHA-256 of the payload's canonical JSON
    payload = hashlib.sha256(canonical(event["payload"]).encode()).hexdigest()
    if payload != event["payload_sha256"]:
        sys.exit(f"FAILED: event {seq}: its payload hashes to {payload}")
    # 2. the entry hash is the SHA-256 of the canonical JSON of the event's fields
    entry = hashlib.sha256(canonical({f: event[f] for f in FIELDS}).encode()).hexdigest()
    if entry != event["entry_hash"]:
        sys.exit(f"FAILED: event {seq}: its fields hash to {entry}, not its entry hash")
    # 3. the Merkle leaf is SHA-256(0x00 || entry hash); the audit path leads to a root
    leaf = sha256(b"\0", bytes.fromhex(entry))
    path = [bytes.fromhex(node) for node in proof["proof"]]
    root = root_from(leaf, seq - 1, proof["tree_size"], path)
    # 4. that root is the one the signed checkpoint names (origin, tree size, base64 root)
    note = Path(checkpoint_path).read_bytes().decode("utf-8", "replace")
    origin, size, named = (note.split("\n\n")[0].split("\n") + ["", "", ""])[:3]
    if size != str(proof["tree_size"]):
        sys.exit(f"FAILED: the proof is for {proof['tree_size']} events, the checkpoint {size}")
    if base64.b64decode(named + "==") != root:
        sys.exit(f"FAILED: event {seq} leads to root {root.hex()}, not the checkpoint's root")
    print(f"event {seq} ({event['action']} {event['subject_id']}, entry hash {entry})")
    print(f"  is in checkpoint {size} of {origin}: root {root.hex()}")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.exit(f"FAILED: {type(exc).__name__}: {exc}")
