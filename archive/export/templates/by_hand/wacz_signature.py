"""Turn a WACZ's datapackage-digest.json (wacz-auth 0.1.0, anonymous mode) into files OpenSSL
checks: wacz-signed.txt (the signed bytes: the "sha256:..." hash string), wacz-signer.der
(signedData.publicKey) and wacz-signature.der (the P1363 r||s signature as DER).

python3 wacz_signature.py PACKAGE/datapackage-digest.json
Standard library only.
"""

import base64
import json
import sys
from pathlib import Path


def der_integer(value):
    value = value.lstrip(b"\0") or b"\0"
    if value[0] & 0x80:
        value = b"\0" + value
    return b"\x02" + bytes([len(value)]) + value


def main(digest_path):
    digest = json.loads(Path(digest_path).read_text(encoding="utf-8"))
    signed = digest["signedData"]
    if signed["hash"] != digest["hash"]:
        sys.exit("FAILED: signedData.hash is not the digest's hash")
    Path("wacz-signed.txt").write_text(signed["hash"], encoding="utf-8")
    Path("wacz-signer.der").write_bytes(base64.b64decode(signed["publicKey"]))
    raw = base64.b64decode(signed["signature"])
    body = der_integer(raw[: len(raw) // 2]) + der_integer(raw[len(raw) // 2 :])
    Path("wacz-signature.der").write_bytes(b"\x30" + bytes([len(body)]) + body)
    print("signed:", signed["hash"], "created:", signed["created"])


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.exit(f"FAILED: {type(exc).__name__}: {exc}")
