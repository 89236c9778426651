"""The content credentials (C2PA) in an exported package, checked as the archive verifier checks
them (`archive.provenance.credential_check`).

A credentialed copy is not in the signed manifest it names: its file is held to the SHA-256 its
capture's `capture.recorded` event lists (the package proves that event's inclusion), then read
with c2pa, trusting only the signing chains the package's `c2pa-cert.recorded` events carry.
The capture and artifact rows come from `records.jsonl`, which `_check_records` holds to the
custody events.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archive.errors import BlobError
from archive.export.package import posix
from archive.provenance.credential_check import capture_findings
from archive.provenance.findings import TAMPERED, Finding
from archive.vocabulary import ArtifactRole, CustodyAction

Events = Mapping[int, Mapping[str, Any]]


def _rows(root: Path, index: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The package's evidence records (`records.jsonl`), or none when it has no readable ones
    (the records check reports that)."""
    relative = index.get("records")
    try:
        data = root.joinpath(*posix(str(relative)).parts).read_bytes() if relative else b""
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
    except (OSError, ValueError):
        return []


def _recorded(events: Events, capture_id: str) -> dict[str, str]:
    """Artifact name -> SHA-256 as the capture's `capture.recorded` event lists them."""
    for event in events.values():
        if event.get("action") == CustodyAction.CAPTURE_RECORDED and event.get(
            "subject_id"
        ) == capture_id:  # fmt: skip
            return dict((event.get("payload") or {}).get("artifacts") or {})
    return {}


def package_credential_findings(
    root: Path, index: Mapping[str, Any], events: Events
) -> list[Finding]:
    """Findings about every exported capture's credentialed copies."""
    rows = _rows(root, index)
    captures = {r["row"]["id"]: r["row"] for r in rows if r.get("table") == "capture"}
    chains = {
        str(e.get("subject_id")): str((e.get("payload") or {}).get("chain", "")).encode()
        for e in events.values()
        if e.get("action") == CustodyAction.C2PA_CERT_RECORDED
    }
    findings: list[Finding] = []
    for entry in index.get("captures", []):
        capture = captures.get(entry.get("id"))
        if capture is None or capture.get("manifest_sha256") is None:
            continue
        subject = f"capture {capture['id']}"
        artifacts = [
            r["row"] for r in rows
            if r.get("table") == "artifact" and r["row"].get("capture_id") == capture["id"]
        ]  # fmt: skip
        files = _credential_files(root, subject, entry, artifacts, _recorded(events, capture["id"]),
                                  findings)  # fmt: skip

        def read(sha256: str, files: dict[str, bytes] = files) -> bytes:
            if sha256 not in files:
                raise BlobError(f"no intact file with SHA-256 {sha256}")
            return files[sha256]

        findings += capture_findings(subject, capture, artifacts, chains, read)
    return findings


def _credential_files(
    root: Path, subject: str, entry: Mapping[str, Any], artifacts: list[dict[str, Any]],
    recorded: dict[str, str], findings: list[Finding],
) -> dict[str, bytes]:  # fmt: skip
    """The bytes of each credentialed copy whose file matches its row and its custody event, by
    SHA-256; a finding for each that does not."""
    paths: Mapping[str, str] = entry.get("artifacts") or {}
    files: dict[str, bytes] = {}
    for artifact in artifacts:
        if artifact.get("role") != ArtifactRole.CONTENT_CREDENTIALS:
            continue
        name, expected = artifact["name"], artifact["blob_sha256"]
        label = f"{subject} {name}"
        try:
            data = root.joinpath(*posix(str(paths[name])).parts).read_bytes()
        except (KeyError, OSError):
            findings.append(Finding(label, "artifact present", TAMPERED, expected, "missing"))
            continue
        found = hashlib.sha256(data).hexdigest()
        if found != expected or recorded.get(name) != expected:
            logged = recorded.get(name, "not recorded")
            findings.append(
                Finding(label, "sha256 recorded in custody log", TAMPERED, logged, found)
            )
            continue
        files[found] = data
    return files
