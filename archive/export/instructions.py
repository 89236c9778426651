"""How to check an export by hand: OpenSSL commands with the package's real paths, then the
tool. Shared by the bag's and the WACZ's `VERIFY.md` and by the HTML report."""

from typing import Any

INCLUSION_SNIPPET = """\
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
h = lambda *parts: hashlib.sha256(b"".join(parts)).digest()
fn, sn, r = p["leaf_index"], p["tree_size"] - 1, h(b"\\0", bytes.fromhex(p["leaf_data"]))
for node in map(bytes.fromhex, p["proof"]):
    if fn & 1 or fn == sn:
        r = h(b"\\1", node, r)
        while fn and not fn & 1:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = h(b"\\1", r, node)
    fn, sn = fn >> 1, sn >> 1
assert sn == 0 and r.hex() == p["root_hash"], "inclusion proof fails"
print("event", p["seq"], "is in the checkpoint of", p["tree_size"], "events")"""


def sections(index: dict[str, Any], root: str = ".") -> list[tuple[str, str]]:
    """(heading, shell text) pairs for verifying the package whose `package.json` is `index`,
    with paths relative to `root` (the unpacked package folder)."""
    key = f"{root}/{index['key']['path']}"
    out = [
        (
            "1. The tool, with no database and no network",
            f"evidence verify {root} --tsa-ca-bundle TSA-ROOTS.pem "
            f"--key {index['key']['fingerprint']}\n"
            "# exit 0: intact; exit 1: findings say which file, which check, expected, found",
        ),
        (
            "2. The signing key: compare its fingerprint with the one published out of band",
            f"openssl pkey -pubin -in {key} -outform DER | tail -c 32 | sha256sum\n"
            f"# expected: {index['key']['fingerprint']}",
        ),
    ]
    for capture in index["captures"]:
        lines = [f"# capture {capture['id']}: {capture['final_url'] or capture['requested_url']}"]
        if capture["manifest"] and capture["signature"]:
            lines.append(
                f"openssl pkeyutl -verify -pubin -inkey {key} -rawin "
                f"-in {root}/{capture['manifest']} -sigfile {root}/{capture['signature']}"
                "   # Signature Verified Successfully"
            )
            files = " ".join(f"{root}/{path}" for path in capture["artifacts"].values())
            lines.append(f"sha256sum {files}")
            lines.append(
                f"python3 -m json.tool {root}/{capture['manifest']}"
                "   # artifacts[].sha256 / sha512 name each file's bytes"
            )
        for token in capture["tokens"]:
            lines.append(
                f"openssl ts -verify -in {root}/{token['path']} -data {root}/{capture['manifest']} "
                "-CAfile TSA-ROOT.pem -untrusted TSA-INTERMEDIATES.pem   # Verification: OK"
            )
            lines.append(f"openssl ts -reply -in {root}/{token['path']} -text | grep 'Time stamp'")
        if capture.get("inclusion_proof"):
            lines.append(f"python3 inclusion.py {root}/{capture['inclusion_proof']}")
        out.append((f"Capture {capture['id']}", "\n".join(lines)))
    for checkpoint in index["checkpoints"]:
        note = f"{root}/{checkpoint['path']}"
        lines = [
            f"head -n 3 {note} > body.txt",
            f"tail -n 1 {note} | awk '{{print $3}}' | base64 -d | tail -c 64 > note.sig",
            f"openssl pkeyutl -verify -pubin -inkey {key} -rawin -in body.txt -sigfile note.sig",
        ]
        lines += [
            f"openssl ts -verify -in {root}/{t['path']} -data {note} -CAfile TSA-ROOT.pem "
            "-untrusted TSA-INTERMEDIATES.pem"
            for t in checkpoint["tokens"]
        ]
        out.append((f"Checkpoint of {checkpoint['tree_size']} custody events", "\n".join(lines)))
    out.append(("inclusion.py (RFC 9162 section 2.1.3.2)", INCLUSION_SNIPPET))
    return out


def markdown(index: dict[str, Any]) -> str:
    """`VERIFY.md`: the sections as Markdown, for the root of an unpacked package."""
    parts = [
        "# Verifying this package\n",
        "Everything below works offline. `TSA-ROOT.pem` / `TSA-INTERMEDIATES.pem` are the "
        "certificates of the timestamp authorities, obtained from them, not from this package.\n",
    ]
    for heading, text in sections(index):
        parts.append(f"## {heading}\n\n```sh\n{text}\n```\n")
    return "\n".join(parts)
