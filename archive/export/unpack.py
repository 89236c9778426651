"""A package to verify as a folder: a bag folder as it is, a zip (WACZ or zipped bag)
extracted to a temporary folder, with a guard against zip bombs and unsafe member names.

Members that fail their CRC or would land outside the folder become findings and are left out;
a zip whose declared sizes would not fit in the temporary folder is refused before anything
unpacks.
"""

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import EvidenceError
from archive.export.package import posix
from archive.provenance.findings import TAMPERED, Finding

UNPACK_MARGIN_BYTES = 64 << 20
COPY_CHUNK = 8 << 20


@contextmanager
def unpacked(path: Path, findings: list[Finding]) -> Iterator[Path]:
    """The package's root folder: `path` itself, or a zip extracted to a temporary folder
    (members that fail their CRC become findings and are left out)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise EvidenceError(f"{path} is neither a folder nor a zip file (WACZ or zipped bag)")
    with tempfile.TemporaryDirectory(prefix="evidence-verify-") as work:
        root = Path(work)
        with zipfile.ZipFile(path) as zipped:
            check_room(path, zipped, root)
            for info in zipped.infolist():
                if not info.is_dir():
                    _extract(zipped, info, root, findings)
        folders = list(root.iterdir())
        if len(folders) == 1 and (folders[0] / "bagit.txt").is_file():
            root = folders[0]
        yield root


def _extract(
    zipped: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, findings: list[Finding]
) -> None:
    """One member under `root`, or a finding when its name or its bytes are unsafe."""
    subject = f"zip member {info.filename}"
    try:
        target = root.joinpath(*posix(info.filename).parts)
    except ValueError as exc:
        findings.append(Finding(subject, "safe path", TAMPERED, "a relative path", str(exc)))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipped.open(info) as source, open(target, "wb") as out:
            while chunk := source.read(COPY_CHUNK):
                out.write(chunk)
    except zipfile.BadZipFile as exc:
        target.unlink(missing_ok=True)
        findings.append(Finding(subject, "zip CRC", TAMPERED, "intact", str(exc)))


def check_room(path: Path, zipped: zipfile.ZipFile, work: Path) -> None:
    """Refuse a zip whose members would not fit in the temporary folder (a zip bomb, or a
    package larger than the disk); members never unpack beyond their declared sizes."""
    declared = sum(info.file_size for info in zipped.infolist())
    free = shutil.disk_usage(work).free
    if declared > free - UNPACK_MARGIN_BYTES:
        raise EvidenceError(
            f"{path} unpacks to {declared:,} bytes but {work.parent} has {free:,} free; "
            "point TMPDIR at a larger disk or verify the unpacked folder"
        )
