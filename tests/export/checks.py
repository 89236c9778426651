"""Helpers for export tests: run the CLI in-process, run package verify, edit packages."""

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from collector.cli.app import app

runner = CliRunner()


def cli(*args: str, home: Path | None = None) -> tuple[int, str]:
    """Exit code and output of `evidence [--home HOME] ARGS`."""
    prefix = ["--home", str(home)] if home else []
    result = runner.invoke(app, [*prefix, *args])
    return result.exit_code, result.output


def verify_json(package: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """`evidence verify PACKAGE --json` with no archive home: exit code and parsed output."""
    code, out = cli("verify", str(package), "--json", *extra)
    return code, json.loads(out)


def tampered(report: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    """(subject, check, expected, found) of every tampered finding."""
    return [
        (f["subject"], f["check"], f["expected"], f["found"])
        for f in report["findings"]
        if f["status"] == "tampered"
    ]


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Invert one byte of a file (the middle one by default)."""
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if offset is None else offset
    data[where] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def copy_bag(bag: Path, target: Path) -> Path:
    """A writable copy of a bag folder."""
    shutil.copytree(bag, target)
    for item in target.rglob("*"):
        item.chmod(0o755 if item.is_dir() else 0o644)
    return target


def rewrite_zip_member(source: Path, target: Path, member: str, data: bytes) -> None:
    """Copy a zip, replacing one member's bytes (a consistent zip, as an editor would make)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == member else old.read(info))
