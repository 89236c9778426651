"""Exports: hand-over packages of captures with everything needed to verify them offline.

Entry points (see docs/export.md):

- `export(archive, record_id, fmt, output) -> ExportResult` (fmt: wacz | bagit | report);
- `select.select_export(archive, record_id) -> Selection`;
- `package_verify.verify_package(path, trust=None, expected_key=None) -> list[Finding]`.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.export.bagit import export_bag
from archive.export.damage import DamagedEvidenceError, scan
from archive.export.package import BAG_LAYOUT, provenance_entries
from archive.export.report import export_report
from archive.export.select import Selection, select_export
from archive.export.wacz import export_wacz
from archive.hashing import hash_stream
from archive.provenance.wacz_key import ensure_wacz_key
from archive.vocabulary import CustodyAction, PackageFormat

FORMATS = ("wacz", "bagit", "report")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    format: str
    kind: str
    id: str
    path: str
    captures: int
    files: int
    size: int
    package_sha256: str | None
    damaged: list[dict[str, str]] = field(default_factory=list)  # packed with --allow-damaged

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


def _measure(path: Path) -> tuple[int, int]:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _allow_damage(archive: Archive, selection: Selection, fmt: str, allowed: bool) -> None:
    """Re-hash every blob first when damage is allowed (to record it before packing) or for a
    report (which packs no blobs); DamagedEvidenceError when damage is found and not allowed.
    Bags and WACZs otherwise re-hash each blob as they pack it (`package.write_entries`)."""
    if not allowed and fmt != PackageFormat.REPORT:
        return
    entries, _ = provenance_entries(selection, BAG_LAYOUT, fmt)
    damage = scan(archive, [(e.blob, e.what) for e in entries if e.blob is not None])
    if damage and not allowed:
        raise DamagedEvidenceError(damage)
    selection.damaged = {d.blob: d.found for d in damage}


def export(
    archive: Archive,
    record_id: str,
    fmt: str,
    output: Path,
    allow_damaged: bool = False,
    include_sealed: bool = False,
) -> ExportResult:
    """Export `record_id` (capture, source or case id) as `fmt` to `output`, atomically, and
    record an `export.created` custody event naming the package's SHA-256 (of the file, or of
    a bag's tagmanifest-sha256.txt). Evidence whose bytes no longer match their SHA-256 stops
    the export (DamagedEvidenceError) unless `allow_damaged`: then it is packed and the
    damage recorded in the package, the report and the event (`ExportResult.damaged`). Sealed
    originals of captures made logged in are left out unless `include_sealed`."""
    writers = {"wacz": export_wacz, "bagit": export_bag, "report": export_report}
    if fmt not in writers:
        raise EvidenceError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    if fmt == "wacz":  # before selecting, so the key's custody event is in the package's log
        ensure_wacz_key(archive)
    selection = select_export(archive, record_id, include_sealed)
    _allow_damage(archive, selection, fmt, allow_damaged)
    try:
        written = writers[fmt](archive, selection, output)
    except OSError as exc:
        raise EvidenceError(f"cannot write {output}: {exc.strerror or exc}") from exc
    digest_of = written / "tagmanifest-sha256.txt" if written.is_dir() else written
    digest = None
    if digest_of.is_file():
        with open(digest_of, "rb") as handle:
            (digest,), _ = hash_stream(handle)
    files, size = _measure(written)
    damaged = [{"blob": blob, "found_sha256": found} for blob, found in selection.damaged.items()]
    with archive.session() as session:
        archive.record(
            session, CustodyAction.EXPORT_CREATED, selection.kind, selection.id,
            {"format": fmt, "path": str(written), "sha256": digest,
             "captures": [c.capture.id for c in selection.captures],
             **({"damaged": damaged} if damaged else {})},
        )  # fmt: skip
    return ExportResult(
        fmt, selection.kind, selection.id, str(written), len(selection.captures), files, size,
        digest, damaged,
    )  # fmt: skip
