"""A package's own format manifests: a BagIt bag's payload and tag manifests (through the
`bagit` package), or a WACZ's datapackage.json hashes and its signed datapackage-digest.json
(wacz-auth anonymous signature)."""

import base64
import binascii
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import bagit

from archive.hashing import hash_file
from archive.provenance.findings import OK, TAMPERED, Finding
from archive.provenance.wacz_key import ALGORITHM, verify_anonymous

DIGEST_NAMES = ("datapackage.json", "datapackage-digest.json")


def check_bag(root: Path) -> list[Finding]:
    """Every BagIt manifest of the bag at `root`."""
    logging.getLogger("bagit").setLevel(logging.WARNING)
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        return [_bag_detail(d) for d in exc.details] or [
            Finding("bag", "BagIt validation", TAMPERED, "a valid bag", str(exc.message))
        ]
    except bagit.BagError as exc:
        return [Finding("bag", "BagIt structure", TAMPERED, "a valid bag", str(exc))]
    return [Finding("bag", "BagIt manifests", OK, found=f"{len(bag.entries)} files match")]


def _bag_detail(detail: Any) -> Finding:
    if isinstance(detail, bagit.ChecksumMismatch):
        return Finding(
            f"bag file {detail.path}", f"BagIt {detail.algorithm}", TAMPERED,
            detail.expected, detail.found,
        )  # fmt: skip
    if isinstance(detail, bagit.FileMissing):
        return Finding(
            f"bag file {detail.path}", "BagIt file present", TAMPERED, "present", "missing"
        )
    if isinstance(detail, bagit.UnexpectedFile):
        return Finding(
            f"bag file {detail.path}", "BagIt file listed", TAMPERED, "listed", "not in manifest"
        )
    return Finding("bag", "BagIt validation", TAMPERED, "a valid bag", str(detail))


def check_wacz(root: Path) -> list[Finding]:
    """datapackage.json lists every file with its hash and size, and its digest is signed."""
    findings = []
    raw = (root / "datapackage.json").read_bytes()
    try:
        package = json.loads(raw)
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        return [Finding("datapackage.json", "format", TAMPERED, "a WACZ datapackage", str(exc))]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(resources) - set(DIGEST_NAMES)):
        findings.append(
            Finding(
                f"WACZ file {name}", "listed in datapackage.json", TAMPERED, "listed", "not listed"
            )
        )
    bad = 0
    for name, resource in sorted(resources.items()):
        if name not in present:
            findings.append(
                Finding(f"WACZ file {name}", "file present", TAMPERED, "present", "missing")
            )
            bad += 1
            continue
        (digest,), size = hash_file(root / name)
        if f"sha256:{digest}" != resource.get("hash") or size != resource.get("bytes"):
            findings.append(
                Finding(f"WACZ file {name}", "datapackage.json sha256", TAMPERED,
                        f"{resource.get('hash')} ({resource.get('bytes')} bytes)",
                        f"sha256:{digest} ({size} bytes)")
            )  # fmt: skip
            bad += 1
    if not bad:
        findings.append(
            Finding("WACZ", "datapackage.json hashes", OK, found=f"{len(resources)} files match")
        )
    findings += _check_wacz_signature(root, raw)
    return findings


def _check_wacz_signature(root: Path, datapackage: bytes) -> list[Finding]:
    subject = "datapackage-digest.json"
    try:
        digest = json.loads((root / subject).read_bytes())
        signed = digest["signedData"]
        if not isinstance(signed, dict):
            raise TypeError(f"signedData is {type(signed).__name__}, not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Finding(subject, "signed digest present", TAMPERED, "signedData", str(exc))]
    actual = "sha256:" + hashlib.sha256(datapackage).hexdigest()
    findings = []
    for label, claimed in (("hash", digest.get("hash")), ("signedData.hash", signed.get("hash"))):
        if claimed != actual:
            findings.append(
                Finding(subject, f"{label} of datapackage.json", TAMPERED, claimed, actual)
            )
    problem = verify_anonymous(
        str(signed.get("publicKey", "")), str(signed.get("signature", "")),
        str(signed.get("hash", "")),
    )  # fmt: skip
    findings.append(
        Finding(subject, "wacz-auth anonymous signature", TAMPERED if problem else OK,
                f"valid {ALGORITHM} by {fingerprint_of(signed.get('publicKey'))}",
                problem or "verified")
    )  # fmt: skip
    return findings


def fingerprint_of(public_key_base64: Any) -> str:
    """The WACZ key fingerprint of a base64 DER public key (a message when unreadable)."""
    try:
        return hashlib.sha256(base64.b64decode(str(public_key_base64), validate=True)).hexdigest()
    except (ValueError, binascii.Error):
        return f"unreadable: {public_key_base64!r}"
