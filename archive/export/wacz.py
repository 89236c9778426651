"""Export as WACZ 1.1.1 (webrecorder.net/specs/wacz/1.1.1), signed in the wacz-auth 0.1.0
"anonymous" mode with the archive's key.

    archive/<capture id>-<warc name>       each capture's WARC, byte for byte
    indexes/index.cdx                      CDXJ of every WARC (cdxj-indexer, sorted)
    pages/pages.jsonl                      one page per capture (its final URL and time)
    captures/<capture id>-<artifact name>  the other artifacts (screenshots, DOM, manifest, ...)
    provenance/...                         key, tokens, checkpoints, proofs, custody events,
                                           package.json (nested names flattened with `_`)
    datapackage.json                       every file with "sha256:<hex>" and its size
    datapackage-digest.json                hash of datapackage.json + signedData

signedData follows the anonymous format (hash, created, software, version, signature,
publicKey) with one documented difference: the key is Ed25519, not ECDSA. `signature` is the
base64 Ed25519 signature of the UTF-8 bytes of the `hash` string ("sha256:<hex>") and
`publicKey` the base64 DER SubjectPublicKeyInfo of the archive key. `package_verify` checks it.

Why not `wacz create`: py-wacz signs only through a remote authsign server and cannot add
files outside archive/, indexes/, pages/ and logs/; this module writes the ZIP itself (every
member stored, so WARCs can be read in place) and uses cdxj-indexer for the index, as py-wacz
does. `wacz validate` and pywb check the result in the tests.
"""

import base64
import hashlib
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from cdxj_indexer.main import write_cdx_index
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive import __version__
from archive.archive import Archive
from archive.errors import EvidenceError
from archive.export.instructions import markdown
from archive.export.package import (
    WACZ_LAYOUT,
    Entry,
    discard,
    index_entry,
    provenance_entries,
    publish,
    temporary_sibling,
    write_entries,
)
from archive.export.select import Selection
from archive.provenance.keys import ensure_key
from archive.provenance.signing import sign
from archive.provenance.verify import hash_stream
from archive.timeutil import iso, utcnow

WACZ_VERSION = "1.1.1"
SOFTWARE = f"evidence-collector {__version__}"
_NAME = re.compile(r"[^-a-z0-9._/]")  # Frictionless resource names


def public_key_der_base64(raw: bytes) -> str:
    """The base64 DER SubjectPublicKeyInfo of a raw Ed25519 public key (wacz-auth publicKey)."""
    der = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def _pages(selection: Selection) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": selection.title}]
    for item in selection.captures:
        if item.artifact("warc") is None:
            continue
        capture = item.capture
        lines.append(
            {
                "id": capture.id,
                "url": capture.final_url or capture.requested_url,
                "ts": iso(capture.started_at),
                "title": capture.details.get("title") or capture.final_url,
            }
        )
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def export_wacz(archive: Archive, selection: Selection, output: Path) -> Path:
    """Write the WACZ to `output` atomically; return `output`."""
    if not any(item.artifact("warc") for item in selection.captures):
        raise EvidenceError(f"{selection.id} has no capture with a WARC: nothing to replay")
    entries, index = provenance_entries(selection, WACZ_LAYOUT, "wacz")
    entries.append(index_entry(WACZ_LAYOUT, index))
    entries.append(Entry("provenance/VERIFY.md", data=markdown(index).encode("utf-8")))
    temporary = temporary_sibling(output)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".wacz-") as work:
        root = Path(work)
        write_entries(archive, entries, root)
        warcs = sorted(str(p) for p in (root / "archive").glob("*.warc*"))
        (root / "indexes").mkdir()
        write_cdx_index(
            str(root / "indexes" / "index.cdx"), warcs, {"sort": True, "post_append": True}
        )
        (root / "pages").mkdir()
        (root / "pages" / "pages.jsonl").write_bytes(_pages(selection))
        names = [e.path for e in entries] + ["indexes/index.cdx", "pages/pages.jsonl"]
        datapackage = _datapackage(root, sorted(set(names)), selection)
        digest = _digest(archive, datapackage)
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as zipped:
                for name in sorted(set(names)):
                    zipped.write(root / name, name)
                zipped.writestr("datapackage.json", datapackage)
                zipped.writestr("datapackage-digest.json", digest)
            os.chmod(temporary, 0o644)
            publish(temporary, output)
        finally:
            discard(temporary)
    return output


def _datapackage(root: Path, names: list[str], selection: Selection) -> bytes:
    resources = []
    for name in names:
        with open(root / name, "rb") as handle:
            (digest,), size = hash_stream(handle)
        resources.append(
            {"name": _NAME.sub("-", name.lower()), "path": name, "hash": f"sha256:{digest}",
             "bytes": size}
        )  # fmt: skip
    first = next((c for c in selection.captures if c.artifact("warc")), selection.captures[0])
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": selection.title,
        "description": f"{selection.kind} {selection.id} exported by {SOFTWARE}",
        "mainPageURL": first.capture.final_url or first.capture.requested_url,
        "mainPageDate": iso(first.capture.started_at),
        "created": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": SOFTWARE,
        "resources": resources,
    }
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")


def _digest(archive: Archive, datapackage: bytes) -> bytes:
    key = ensure_key(archive)
    package = json.loads(datapackage)
    digest = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    signed = {
        "hash": digest,
        "created": package["created"],
        "software": SOFTWARE,
        "version": "0.1.0",
        "signature": base64.b64encode(sign(key.private, digest.encode("utf-8"))).decode(),
        "publicKey": public_key_der_base64(key.public.raw),
    }
    body = {"path": "datapackage.json", "hash": digest, "signedData": signed}
    return json.dumps(body, indent=2).encode("utf-8")
