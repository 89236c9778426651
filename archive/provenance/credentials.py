"""Content credentials (C2PA) on the images the tool makes: screenshots, thumbnails, the post
card and the evidence card.

The stored originals are hashed in the signed capture manifest and never change. Once that
manifest is signed, each tool-made image gets a credentialed copy: the same picture with a C2PA
manifest embedded by `c2pa-python` (the reference implementation's bindings), signed with the
archive's C2PA certificate (`c2pa_cert`). The copy asserts the capture (URL, time, tool, capture
id, SHA-256 of the signed capture manifest) and the original's SHA-256, and records the original
as its `parentOf` ingredient and the images it shows (the screenshot under a thumbnail or an
evidence card, the avatar and media previews on a post card) as `componentOf` ingredients.
Original media downloaded from platforms is never credentialed: it only appears as ingredient.

The copies are artifact rows of role `content-credentials` inserted with the capture (its
`capture.recorded` event lists their hashes) but left out of the manifest they reference. An
image c2pa cannot sign gets a `content-credentials-failed` row (a JSON blob saying why).
Thumbnails embedded in the C2PA manifest are turned off: they would double a screenshot's size.
"""

import io
import json
from dataclasses import dataclass
from typing import Any

import c2pa

from archive import __version__
from archive.archive import Archive
from archive.ids import new_id
from archive.provenance.c2pa_cert import CredentialSigner, ensure_credential_signer
from archive.timeutil import iso
from archive.vocabulary import ArtifactRole

ASSERTION = "org.evidence-collector.capture"
TOOL = "evidence-collector"
CREDENTIAL_PREFIX = "c2pa/"
TOOL_IMAGE_ROLES = frozenset(
    {
        ArtifactRole.SCREENSHOT_FULL,
        ArtifactRole.SCREENSHOT_VIEWPORT,
        ArtifactRole.THUMBNAIL,
        ArtifactRole.EVIDENCE_CARD,
        ArtifactRole.POST_CARD,
    }
)
SHOWN_ON_POST_CARD = (ArtifactRole.AVATAR, ArtifactRole.MEDIA_PREVIEW, ArtifactRole.MEDIA)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}}


def is_tool_image(artifact: dict[str, Any]) -> bool:
    """Is this artifact an image the tool made (and so one that gets credentials)?"""
    return artifact["role"] in TOOL_IMAGE_ROLES and artifact.get("media_type") in IMAGE_TYPES


def credential_name(original: str) -> str:
    """The artifact name of the credentialed copy of the artifact `original`."""
    return CREDENTIAL_PREFIX + original


def shown_by(artifact: dict[str, Any], artifacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored images a tool-made image shows: the one its details name (`of`), and on a
    post card the avatar, media previews and post media it inlines (all but those its details
    list as `not_inlined_over_limit`)."""
    details = artifact.get("details") or {}
    of = next((a for a in artifacts if a["name"] == details.get("of")), None)
    shown = [of] if of is not None and of.get("media_type") in IMAGE_TYPES else []
    if artifact["role"] == ArtifactRole.POST_CARD:
        skipped = set(details.get("not_inlined_over_limit") or [])
        shown += [
            a for a in artifacts
            if a["role"] in SHOWN_ON_POST_CARD and a.get("media_type") in IMAGE_TYPES
            and a["blob_sha256"] not in skipped
        ]  # fmt: skip
    return shown


def _entry(artifact: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": artifact["name"],
        "role": artifact["role"],
        "sha256": artifact["blob_sha256"],
        "size": int(artifact["size"]),
        "media_type": artifact.get("media_type"),
    }


def capture_assertion(
    capture: dict[str, Any],
    manifest_sha256: str,
    original: dict[str, Any],
    shown: list[dict[str, Any]],
) -> dict[str, Any]:
    """The data of the `org.evidence-collector.capture` assertion of one credentialed copy."""
    return {
        "capture_id": str(capture["id"]),
        "url": capture.get("final_url") or capture["requested_url"],
        "requested_url": capture["requested_url"],
        "captured_at": iso(capture["started_at"]),
        "finished_at": iso(capture.get("finished_at")) if capture.get("finished_at") else None,
        "tool": {"name": TOOL, "version": capture.get("tool_version") or __version__},
        "capture_manifest_sha256": manifest_sha256,
        "original": _entry(original),
        "shows": [_entry(a) for a in shown],
    }


def ingredient_id(sha256: str) -> str:
    """The instance id an ingredient is recorded under: its SHA-256."""
    return f"sha256:{sha256}"


@dataclass
class _Signing:
    """One capture's C2PA context and signer (reused for every image of the capture)."""

    context: c2pa.Context
    signer: c2pa.Signer

    @classmethod
    def open(cls, signer: CredentialSigner) -> "_Signing":
        info = c2pa.C2paSignerInfo(
            alg=signer.algorithm.encode(),
            sign_cert=signer.chain_pem,
            private_key=signer.key_pem,
            ta_url=None,
        )
        settings = c2pa.Settings.from_dict(_SETTINGS)
        return cls(c2pa.Context(settings), c2pa.Signer.from_info(info))

    def sign(self, assertion: dict[str, Any], images: list[tuple[dict[str, Any], bytes]]) -> bytes:
        """The original (`images[0]`) with a C2PA manifest embedded: `assertion`, the original
        as `parentOf` ingredient, the other images (what it shows) as `componentOf`."""
        original, data = images[0]
        opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["original"]}}
        manifest = {
            "claim_generator_info": [{"name": TOOL, "version": __version__}],
            "title": original["name"],
            "format": original["media_type"],
            "assertions": [
                {"label": ASSERTION, "data": assertion},
                {"label": "c2pa.actions", "data": {"actions": [opened]}},
            ],
        }
        with c2pa.Builder(manifest, self.context) as builder:
            for index, (artifact, content) in enumerate(images):
                ingredient = {
                    "title": artifact["name"],
                    "relationship": "componentOf" if index else "parentOf",
                    "instance_id": ingredient_id(artifact["blob_sha256"]),
                    **({} if index else {"label": "original"}),
                }
                builder.add_ingredient(ingredient, artifact["media_type"], io.BytesIO(content))
            out = io.BytesIO()
            builder.sign(self.signer, original["media_type"], io.BytesIO(data), out)
            return out.getvalue()

    def close(self) -> None:
        self.signer.close()
        self.context.close()


def _credentialed(
    archive: Archive, signing: _Signing, capture: dict[str, Any], manifest_sha256: str,
    original: dict[str, Any], artifacts: list[dict[str, Any]],
) -> bytes:  # fmt: skip
    """The credentialed copy of `original`. When c2pa refuses an image it shows (not an image
    it can read), the copy records the original alone and says why in `shows_omitted`."""
    shown = shown_by(original, artifacts)
    images = [(a, archive.blobs.get(a["blob_sha256"])) for a in [original, *shown]]
    assertion = capture_assertion(capture, manifest_sha256, original, shown)
    try:
        return signing.sign(assertion, images)
    except c2pa.C2paError as exc:
        if not shown:
            raise
        assertion = capture_assertion(capture, manifest_sha256, original, [])
        assertion["shows_omitted"] = _reason(exc)
        return signing.sign(assertion, images[:1])


def _reason(exc: Exception) -> str:
    """The first line of a c2pa error."""
    return (str(exc).splitlines() or [type(exc).__name__])[0].strip()


def _copy_or_failure(
    archive: Archive, signing: _Signing, capture: dict[str, Any], manifest_sha256: str,
    original: dict[str, Any], artifacts: list[dict[str, Any]],
) -> tuple[str, str, str, bytes, dict[str, Any]]:  # fmt: skip
    """(role, name, media type, bytes, details) of the credentialed copy of `original`, or of
    the JSON record saying why c2pa could not make it."""
    details: dict[str, Any] = {"of": original["name"], "of_sha256": original["blob_sha256"]}
    name = credential_name(original["name"])
    try:
        data = _credentialed(archive, signing, capture, manifest_sha256, original, artifacts)
    except c2pa.C2paError as exc:
        details["error"] = _reason(exc)
        failure = json.dumps(details, sort_keys=True).encode()
        failed = ArtifactRole.CONTENT_CREDENTIALS_FAILED
        return failed, name + ".error.json", "application/json", failure, details
    return ArtifactRole.CONTENT_CREDENTIALS, name, original["media_type"], data, details


def credential_artifacts(
    archive: Archive, capture: dict[str, Any], artifacts: list[dict[str, Any]], manifest_sha256: str
) -> list[dict[str, Any]]:
    """A credentialed copy of every tool-made image of a sealed capture (its blobs stored), as
    artifact rows to insert with the capture; a `content-credentials-failed` row (a JSON blob
    saying why) for each image that could not be signed."""
    originals = [a for a in artifacts if is_tool_image(a)]
    if not originals:
        return []
    signer = ensure_credential_signer(archive)
    signing = _Signing.open(signer)
    made: list[dict[str, Any]] = []
    try:
        with archive.session() as db:
            for original in originals:
                role, name, media_type, data, details = _copy_or_failure(
                    archive, signing, capture, manifest_sha256, original, artifacts
                )
                blob = archive.store_blob(db, data)
                details.update(manifest_sha256=manifest_sha256, signer_sha256=signer.fingerprint)
                made.append(
                    {
                        "id": new_id("art"), "capture_id": str(capture["id"]), "role": role,
                        "name": name, "blob_sha256": blob.sha256, "size": blob.size,
                        "media_type": media_type, "original_url": None, "details": details,
                    }
                )  # fmt: skip
    finally:
        signing.close()
    return made
