"""Export as a BagIt bag (RFC 8493) made with the `bagit` package.

    data/captures/<capture id>/<artifact name>     every artifact, named as in its manifest
    data/provenance/package.json                   the index `package_verify` reads
    data/provenance/public-key.pem                 the archive's Ed25519 key
    data/provenance/tokens/<capture id>/<id>.tsr   RFC 3161 responses over each manifest
    data/provenance/checkpoints/<size>.txt         signed checkpoints (C2SP signed notes)
    data/provenance/tokens/checkpoint-<size>/...   tokens over those checkpoints
    data/provenance/proofs/<capture id>.json       inclusion proof of the capture's event
    data/provenance/custody.jsonl                  the custody events concerning the export
    data/provenance/premis.xml                     PREMIS 3 objects, events and agents
    data/provenance/VERIFY.md                      how to check it all by hand
    manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt, bag-info.txt, bagit.txt

With `-o NAME.zip` the bag folder is zipped (one top folder named after the zip).
"""

import os
import zipfile
from pathlib import Path

import bagit

from archive import __version__
from archive.archive import Archive
from archive.export.instructions import markdown
from archive.export.package import (
    BAG_LAYOUT,
    discard,
    index_entry,
    provenance_entries,
    publish,
    write_entries,
)
from archive.export.premis import premis_xml
from archive.export.select import Selection
from archive.fsutil import temporary_sibling
from archive.timeutil import iso, utcnow


def _signatures(selection: Selection) -> dict[str, str]:
    return {
        item.capture.id: item.capture.signature
        for item in selection.captures
        if item.capture.signature
    }


def build_bag(archive: Archive, selection: Selection, folder: Path, name: str) -> None:
    """Write the bag into `folder` (which must not exist), to be handed over as `name` (the
    folder's or the zip's final name, which VERIFY.md uses)."""
    entries, index = provenance_entries(selection, BAG_LAYOUT, "bagit")
    entries.append(index_entry(BAG_LAYOUT, index))
    folder.mkdir(parents=True)
    write_entries(archive, entries, folder, strip="data")
    provenance = folder / "provenance"
    (provenance / "premis.xml").write_bytes(
        premis_xml(selection, index, selection.sha512, _signatures(selection))
    )
    (provenance / "VERIFY.md").write_text(markdown(index, name), encoding="utf-8")
    bagit.make_bag(
        str(folder),
        bag_info={
            "Source-Organization": archive.settings.investigator or "unknown",
            "External-Identifier": selection.id,
            "External-Description": f"{selection.kind} {selection.id}: {selection.title}",
            "Bagging-Date": (iso(utcnow()) or "")[:10],
            "Bag-Software-Agent": f"evidence-collector {__version__} (bagit {bagit.VERSION})",
            "Key-Fingerprint": selection.key.fingerprint,
        },
        checksums=["sha256", "sha512"],
    )


def export_bag(archive: Archive, selection: Selection, output: Path) -> Path:
    """Write the bag to `output` (a folder, or a .zip file) atomically; return `output`."""
    temporary = temporary_sibling(output)
    try:
        if output.suffix.lower() == ".zip":
            folder = temporary / output.stem
            build_bag(archive, selection, folder, output.name)
            archive_path = temporary.with_suffix(".zip")
            _zip_folder(folder, archive_path)
            discard(temporary)
            publish(archive_path, output)
        else:
            build_bag(archive, selection, temporary, output.name)
            publish(temporary, output)
    finally:
        discard(temporary)
        discard(temporary.with_suffix(".zip"))
    return output


def _zip_folder(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    os.chmod(target, 0o644)
