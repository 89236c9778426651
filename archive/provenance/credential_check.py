"""Checking a credentialed copy (C2PA) of a tool-made image, over bytes and expected values, for
both verifiers (the archive's and the package's).

The copy is read with c2pa's own `Reader`, trusting only the CA of each signing chain the
custody log recorded (`c2pa-cert.recorded`); its signer must be one of those logged leaves (by
issuer and serial number). Then its capture assertion must name the capture (id, URL, time, the
SHA-256 of the signed capture manifest) and the original's SHA-256, and its `parentOf`
ingredient must be the original.
"""

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from archive.errors import BlobError
from archive.provenance.credentials import ASSERTION, ingredient_id, is_tool_image
from archive.provenance.findings import OK, TAMPERED, UNVERIFIABLE, Finding
from archive.timeutil import iso
from archive.vocabulary import ArtifactRole

SIGNATURE_CHECK = "content credentials signature"


@dataclass(frozen=True)
class Expected:
    """What a credentialed copy must state, from the capture and the stored original."""

    capture_id: str
    url: str
    captured_at: str
    manifest_sha256: str
    original_sha256: str


def _trust(chains: Mapping[str, bytes]) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """c2pa settings trusting the logged chains' CAs, and the (issuer, serial) of their leaves."""
    anchors, leaves = [], set()
    for pem in chains.values():
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError:
            continue
        anchors.append(certs[-1].public_bytes(serialization.Encoding.PEM).decode())
        leaves.add((_organisation(certs[0].issuer), str(certs[0].serial_number)))
    verify = {"verify_trust": bool(anchors)}
    trust = {"trust_anchors": "".join(anchors)} if anchors else {}
    return {"verify": verify, "trust": trust}, leaves


def _organisation(name: x509.Name) -> str:
    """The issuer as c2pa reports it: its organisation, else its common name."""
    for oid in (x509.NameOID.ORGANIZATION_NAME, x509.NameOID.COMMON_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return ""


def read_manifest(data: bytes, media_type: str, settings: dict[str, Any]) -> tuple[
    str, list[str], dict[str, Any]]:  # fmt: skip
    """(validation state, failures as "code: explanation", active manifest) of a C2PA asset;
    C2paError when it holds no readable manifest."""
    with (
        c2pa.Context(c2pa.Settings.from_dict(settings)) as context,
        c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader,
    ):
        state = str(reader.get_validation_state())
        results = reader.get_validation_results() or {}
        store = json.loads(reader.json())
    failures = [
        f"{f.get('code')}: {f.get('explanation')}"
        for f in (results.get("activeManifest") or {}).get("failure", [])
    ]
    active = store.get("manifests", {}).get(store.get("active_manifest"), {})
    return state, failures, active


def credential_findings(
    subject: str, data: bytes, media_type: str, expected: Expected, chains: Mapping[str, bytes]
) -> list[Finding]:
    """Findings about one credentialed copy: its C2PA signature and hashes, its signer, and
    what it asserts against `expected`."""
    settings, leaves = _trust(chains)
    try:
        state, failures, active = read_manifest(data, media_type, settings)
    except c2pa.C2paError as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0].strip().rstrip(":")
        found = f"C2PA manifest unreadable ({detail})"
        return [Finding(subject, SIGNATURE_CHECK, TAMPERED, "a valid C2PA manifest", found)]
    findings = [_signature_finding(subject, state, failures, active, leaves)]
    findings += _assertion_findings(subject, active, expected)
    return findings


def _signature_finding(
    subject: str, state: str, failures: list[str], active: dict[str, Any],
    leaves: set[tuple[str, str]],
) -> Finding:  # fmt: skip
    info = active.get("signature_info") or {}
    signer = (str(info.get("issuer", "")), str(info.get("cert_serial_number", "")))
    who = f"signed by {info.get('common_name')} (issuer {signer[0]}, serial {signer[1]})"
    if failures:
        return Finding(subject, SIGNATURE_CHECK, TAMPERED, "valid", "; ".join(failures))
    if not leaves:
        return Finding(
            subject, SIGNATURE_CHECK, UNVERIFIABLE, "a C2PA certificate in the custody log",
            f"none recorded; manifest {state}, {who}",
        )  # fmt: skip
    if signer not in leaves:
        return Finding(subject, SIGNATURE_CHECK, TAMPERED, "a logged C2PA certificate", who)
    status = OK if state == "Trusted" else TAMPERED
    return Finding(subject, SIGNATURE_CHECK, status, "Trusted", f"{state}, {who}")


def _assertion_findings(subject: str, active: dict[str, Any], expected: Expected) -> list[Finding]:
    """The capture assertion and the original ingredient against `expected`."""
    data = next(
        (a.get("data") for a in active.get("assertions", []) if a.get("label") == ASSERTION), None
    )
    if not isinstance(data, dict):
        return [Finding(subject, "content credentials name the capture", TAMPERED, ASSERTION,
                        "assertion missing")]  # fmt: skip
    parent = next(
        (i for i in active.get("ingredients", []) if i.get("relationship") == "parentOf"), {}
    )
    stated = {
        "capture_id": data.get("capture_id"),
        "url": data.get("url"),
        "captured_at": data.get("captured_at"),
        "capture_manifest_sha256": data.get("capture_manifest_sha256"),
        "original_sha256": (data.get("original") or {}).get("sha256"),
        "original ingredient": parent.get("instance_id"),
    }
    wanted = {
        "capture_id": expected.capture_id,
        "url": expected.url,
        "captured_at": expected.captured_at,
        "capture_manifest_sha256": expected.manifest_sha256,
        "original_sha256": expected.original_sha256,
        "original ingredient": ingredient_id(expected.original_sha256),
    }
    findings = [
        Finding(subject, f"content credentials: {name}", TAMPERED, wanted[name], str(value))
        for name, value in stated.items()
        if value != wanted[name]
    ]
    if not findings:
        found = f"capture {expected.capture_id}, manifest {expected.manifest_sha256[:16]}…"
        findings.append(Finding(subject, "content credentials name the capture", OK, found=found))
    return findings


def capture_findings(
    subject: str,
    capture: Mapping[str, Any],
    artifacts: list[dict[str, Any]],
    chains: Mapping[str, bytes],
    read: Callable[[str], bytes],
) -> list[Finding]:
    """One capture's credential findings: every tool-made image has a credentialed copy (or a
    recorded failure) that checks, and no copy claims another image. `capture` and `artifacts`
    are row dicts; `read` gives bytes by SHA-256 (BlobError when unreadable: the blob or file
    check reports it)."""
    by_name = {a["name"]: a for a in artifacts}
    made = {
        str(a["details"].get("of")): a
        for a in artifacts
        if a["role"] in (ArtifactRole.CONTENT_CREDENTIALS, ArtifactRole.CONTENT_CREDENTIALS_FAILED)
    }
    findings: list[Finding] = []
    for original in (a for a in artifacts if is_tool_image(a)):
        label = f"{subject} {original['name']}"
        copy = made.pop(original["name"], None)
        if copy is None:
            findings.append(
                Finding(label, "content credentials", UNVERIFIABLE, "a credentialed copy", "none")
            )
        elif copy["role"] == ArtifactRole.CONTENT_CREDENTIALS_FAILED:
            reason = str(copy["details"].get("error"))
            findings.append(Finding(label, "content credentials", UNVERIFIABLE, "a copy", reason))
        else:
            try:
                data = read(copy["blob_sha256"])
            except BlobError:
                continue
            expected = Expected(
                capture_id=str(capture["id"]),
                url=capture.get("final_url") or capture["requested_url"],
                captured_at=_iso(capture["started_at"]),
                manifest_sha256=str(capture["manifest_sha256"]),
                original_sha256=original["blob_sha256"],
            )
            findings += credential_findings(
                f"{subject} {copy['name']}", data, copy["media_type"], expected, chains
            )
    for name, copy in sorted(made.items()):
        if name not in by_name or not is_tool_image(by_name[name]):
            findings.append(
                Finding(f"{subject} {copy['name']}", "content credentials of a tool-made image",
                        TAMPERED, "a tool-made image of the capture", name)
            )  # fmt: skip
    return findings


def _iso(value: datetime | str) -> str:
    """A row's time as the credentials state it (a package's records hold it as text)."""
    return value if isinstance(value, str) else iso(value)
