"""Export as WACZ 1.1.1 (webrecorder.net/specs/wacz/1.1.1), signed in the wacz-auth 0.1.0
"anonymous" mode as ArchiveWeb.page signs (ECDSA P-384, see archive.provenance.wacz_key).

    archive/<capture id>-<warc name>       each capture's WARC, byte for byte
    indexes/index.cdx                      CDXJ of every WARC (cdxj-indexer, sorted)
    pages/pages.jsonl                      one page per capture whose final URL has a
                                           recorded response (archive.export.wacz_pages)
    captures/<capture id>-<artifact name>  the other artifacts (screenshots, DOM, manifest, ...)
    provenance/...                         key, tokens, checkpoints, proofs, custody events,
                                           package.json (nested names flattened with `_`),
                                           wacz-key.pem and wacz-key.pem.sig (the ECDSA key,
                                           endorsed by the archive's Ed25519 key)
    datapackage.json                       every file with "sha256:<hex>" and its size
    datapackage-digest.json                hash of datapackage.json + signedData

signedData has exactly the anonymous fields (hash, created, software, version, signature,
publicKey): `signature` is the ECDSA signature of the UTF-8 bytes of `hash` ("sha256:<hex>")
and `publicKey` the archive's WACZ key. That key is tied to the archive by
`provenance/wacz-key.pem.sig`, an Ed25519 signature of `wacz-key.pem` by the archive key, and
by its `wacz-key.created` custody event. `package_verify` checks all three.

Why not `wacz create`: py-wacz signs only through a remote authsign server and cannot add
files outside archive/, indexes/, pages/ and logs/; this module writes the ZIP itself (every
member stored, so WARCs can be read in place) and uses cdxj-indexer for the index, as py-wacz
does. `wacz validate`, pywb and ReplayWeb.page check the result in the tests.

What ReplayWeb.page 2.5.3 reports about these files is in docs/export.md ("Replay in
ReplayWeb.page"): its "N hashes verified, M invalid" counts the signature as verified whether
or not it matched, and counts pages.jsonl and index.cdx as invalid because, with its default
settings, it never hashes them. The hashes here are SHA-256 over the stored bytes (every
member is stored uncompressed, so stored and decompressed bytes are the same), which is what it
computes when hash checking is turned on.
"""

import hashlib
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from cdxj_indexer.main import write_cdx_index

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
    write_entries,
)
from archive.export.select import Selection
from archive.export.wacz_pages import build_pages
from archive.fsutil import temporary_sibling
from archive.hashing import hash_stream
from archive.provenance.keys import ensure_key
from archive.provenance.signing import sign
from archive.provenance.wacz_key import WACZ_KEY_PATH, WaczKey, ensure_wacz_key
from archive.timeutil import utcnow

WACZ_VERSION = "1.1.1"
SOFTWARE = f"evidence-collector {__version__}"
WACZ_AUTH_VERSION = "0.1.0"
_NAME = re.compile(r"[^-a-z0-9._/]")  # Frictionless resource names
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"


def export_wacz(archive: Archive, selection: Selection, output: Path) -> Path:
    """Write the WACZ to `output` atomically; return `output`."""
    warcs = {
        item.capture.id: PurePosixPath(WACZ_LAYOUT.artifact_path(item.capture.id, warc)).name
        for item in selection.captures
        if (warc := item.artifact("warc")) is not None
    }
    if not warcs:
        raise EvidenceError(f"{selection.id} has no capture with a WARC: nothing to replay")
    entries, index = provenance_entries(selection, WACZ_LAYOUT, "wacz")
    wacz_key = ensure_wacz_key(archive)
    entries += _wacz_key_entries(archive, wacz_key)
    temporary = temporary_sibling(output)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".wacz-") as work:
        root = Path(work)
        write_entries(archive, entries, root)
        cdx = root / INDEX_PATH
        cdx.parent.mkdir()
        archived = sorted(str(root / "archive" / name) for name in set(warcs.values()))
        write_cdx_index(str(cdx), archived, {"sort": True, "post_append": True})
        pages = build_pages(selection, cdx, warcs, root / "archive")
        index["wacz_pages"] = {"path": PAGES_PATH, "without_page": pages.left_out}
        late = [
            index_entry(WACZ_LAYOUT, index),
            Entry("provenance/VERIFY.md", data=markdown(index, output.name).encode("utf-8")),
            Entry(PAGES_PATH, data=pages.data),
        ]
        write_entries(archive, late, root)
        names = sorted({e.path for e in entries + late} | {INDEX_PATH})
        datapackage = _datapackage(root, names, selection, pages.entries)
        digest = _digest(wacz_key, datapackage)
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as zipped:
                for name in names:
                    zipped.write(root / name, name)
                zipped.writestr("datapackage.json", datapackage)
                zipped.writestr("datapackage-digest.json", digest)
            os.chmod(temporary, 0o644)
            publish(temporary, output)
        finally:
            discard(temporary)
    return output


def _datapackage(
    root: Path, names: list[str], selection: Selection, pages: list[dict[str, Any]]
) -> bytes:
    resources = []
    for name in names:
        with open(root / name, "rb") as handle:
            (digest,), size = hash_stream(handle)
        resources.append(
            {"name": _NAME.sub("-", name.lower()), "path": name, "hash": f"sha256:{digest}",
             "bytes": size}
        )  # fmt: skip
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": selection.title,
        "description": f"{selection.kind} {selection.id} exported by {SOFTWARE}",
        "created": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": SOFTWARE,
        "resources": resources,
    }
    if pages:
        package["mainPageURL"], package["mainPageDate"] = pages[0]["url"], pages[0]["ts"]
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")


def _wacz_key_entries(archive: Archive, wacz_key: WaczKey) -> list[Entry]:
    """The WACZ key's PEM and the archive key's Ed25519 signature of it."""
    pem = wacz_key.pem.encode("ascii")
    endorsement = sign(ensure_key(archive).private, pem)
    return [Entry(WACZ_KEY_PATH, data=pem), Entry(f"{WACZ_KEY_PATH}.sig", data=endorsement)]


def _digest(wacz_key: WaczKey, datapackage: bytes) -> bytes:
    package = json.loads(datapackage)
    digest = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    signed = {
        "hash": digest,
        "created": package["created"],
        "software": SOFTWARE,
        "version": WACZ_AUTH_VERSION,
        "signature": wacz_key.sign(digest),
        "publicKey": wacz_key.der_base64,
    }
    body = {"path": "datapackage.json", "hash": digest, "signedData": signed}
    return json.dumps(body, indent=2).encode("utf-8")
