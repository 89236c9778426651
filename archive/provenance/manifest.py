"""The capture manifest: one RFC 8785 canonical JSON document that names every artifact of a
capture by its hashes, with the capture's metadata, the collection context (Berkeley Protocol
fields) and the custody-log head it follows. These exact bytes are signed and timestamped.

Integers that could exceed 2**53 (sizes) are written as strings; times as ISO 8601 UTC.
"""

import json
import os
import platform
import socket
import sys
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import rfc8785

from archive import __version__
from archive.timeutil import iso

MANIFEST_TYPE = "evidence-collector/capture-manifest"
MANIFEST_VERSION = "1"
SIGNATURE_ALGORITHM = "Ed25519"
_SAFE_INT = 2**53

# Capture row fields a manifest carries, in this order of importance (order is irrelevant to
# the canonical bytes).
CAPTURE_FIELDS = (
    "id",
    "target_id",
    "source_id",
    "case_id",
    "requested_url",
    "final_url",
    "status",
    "status_reason",
    "http_status",
    "started_at",
    "finished_at",
    "redirect_chain",
    "server_ip",
    "browser_name",
    "browser_version",
    "playwright_version",
    "user_agent",
    "viewport",
    "locale",
    "timezone",
    "proxy",
    "tool_version",
    "details",
)
# Artifact roles that belong to the seal itself and so are not listed in the manifest.
SEAL_ROLES = ("manifest", "signature")


def jsonable(value: Any) -> Any:
    """`value` with datetimes as ISO UTC strings and unsafe integers as strings."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT < value < _SAFE_INT else str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot put a {type(value).__name__} in a manifest")


def artifact_entry(artifact: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry of one artifact (`sha256` may be given as `blob_sha256`)."""
    return {
        "id": artifact.get("id"),
        "role": artifact["role"],
        "name": artifact["name"],
        "media_type": artifact["media_type"],
        "size": str(int(artifact["size"])),
        "sha256": artifact.get("sha256") or artifact["blob_sha256"],
        "sha512": artifact["sha512"],
        "original_url": artifact.get("original_url"),
    }


def manifest_document(
    capture: dict[str, Any],
    artifacts: list[dict[str, Any]],
    *,
    previous_log_head: str,
    investigator: str | None,
    case: dict[str, Any] | None,
    berkeley: dict[str, Any],
    signer_fingerprint: str,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (see `build_manifest`)."""
    entries = sorted(
        (artifact_entry(a) for a in artifacts if a["role"] not in SEAL_ROLES),
        key=lambda entry: entry["name"],
    )
    return {
        "type": MANIFEST_TYPE,
        "version": MANIFEST_VERSION,
        "capture": jsonable({name: capture.get(name) for name in CAPTURE_FIELDS}),
        "artifacts": entries,
        "investigator": investigator,
        "case": jsonable(case),
        "collection": jsonable(berkeley),
        "custody": {"previous_log_head": previous_log_head},
        "signer": {"algorithm": SIGNATURE_ALGORITHM, "key_fingerprint": signer_fingerprint},
    }


def build_manifest(
    capture: dict[str, Any],
    artifacts: list[dict[str, Any]],
    *,
    previous_log_head: str,
    investigator: str | None,
    case: dict[str, Any] | None,
    berkeley: dict[str, Any],
    signer_fingerprint: str,
) -> bytes:
    """The canonical (RFC 8785) manifest bytes of a capture and its artifacts.

    `capture` holds Capture fields; each artifact needs role, name, media_type, size,
    sha256 (or blob_sha256) and sha512. Artifacts with a seal role (manifest, signature)
    are left out: they are made from these bytes.
    """
    document = manifest_document(
        capture,
        artifacts,
        previous_log_head=previous_log_head,
        investigator=investigator,
        case=case,
        berkeley=berkeley,
        signer_fingerprint=signer_fingerprint,
    )
    return rfc8785.dumps(document)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Decode manifest bytes; ValueError when they are not a manifest."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != MANIFEST_TYPE:
        raise ValueError("not a capture manifest")
    shape = {"capture": dict, "artifacts": list, "custody": dict, "collection": dict}
    for name, kind in shape.items():
        if not isinstance(document.get(name), kind):
            raise ValueError(f"manifest field {name!r} is missing or not a {kind.__name__}")
    if not all(isinstance(a, dict) for a in document["artifacts"]):
        raise ValueError("manifest artifacts must be objects")
    if not isinstance(document["custody"].get("previous_log_head"), str):
        raise ValueError("manifest has no previous_log_head")
    return document


def local_zone() -> str | None:
    """The collecting machine's IANA time zone (`TZ`, else the `/etc/localtime` link), or None
    when it cannot be named; the offset recorded beside it is what the clock said then."""
    named = os.environ.get("TZ", "").lstrip(":")
    if not named:
        try:
            target = os.readlink("/etc/localtime")
        except OSError:
            return None
        named = target.split("zoneinfo/", 1)[-1] if "zoneinfo/" in target else ""
    try:
        return ZoneInfo(named).key if named else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def collection_context(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Berkeley Protocol context of this collection: tool, machine, clock, method.

    Callers add what only they know (persona/account, egress route, transformations);
    `overrides` wins over the defaults.
    """
    offset = -time.altzone if time.daylight and time.localtime().tm_isdst else -time.timezone
    context: dict[str, Any] = {
        "tool": {"name": "evidence-collector", "version": __version__},
        "machine": {
            "hostname": socket.gethostname(),
            "os": platform.platform(),
            "python": sys.version.split()[0],
        },
        "clock": {
            "source": "system clock",
            "collector_timezone": time.tzname[time.localtime().tm_isdst > 0],
            "collector_utc_offset_seconds": offset,
            "collector_zone": local_zone(),
        },
        "method": "automated",
        "persona": "logged out",
    }
    context.update(overrides or {})
    return context
