"""A capture made logged in, made safe to store: a scrubbed WARC and the original WARC,
sealed as it is written (both from the recorded exchanges), every other artifact and the
capture's own fields scrubbed, and the redactions listed in `details["redactions"]` (inside
the signed manifest).

Screenshots and other images are left as drawn: a secret a page shows on screen is in their
pixels, which no byte search reaches (stated in docs/capture.md).
"""

import base64
import hashlib
import uuid
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from archive.provenance.sealing import SCHEME, SEALED_ROLE, Sealer
from archive.vocabulary import RedactionReason
from collector.capture.artifacts import spooled_artifact
from collector.capture.recorder import Exchange
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.run import CaptureRun
from collector.capture.scrub import Scrubber
from collector.capture.scrubrecords import learn_exchanges
from collector.capture.session import CaptureSession
from collector.capture.warc import warc_name, write_warc

_STRING_FIELDS = ("requested_url", "status_reason", "final_url", "title", "server_ip")


def scrubber_for(session: CaptureSession, exchanges: list[Exchange]) -> Scrubber:
    """The session's secrets and every credential the capture's exchanges carried."""
    scrubber = Scrubber(set(session.all_secrets()))
    learn_exchanges(exchanges, scrubber)
    return scrubber


def scrub_result(
    run: CaptureRun, result: CaptureResult, info: dict[str, str], seed: uuid.UUID
) -> CaptureResult:
    """The result of a session capture with the original WARC sealed and everything scrubbed;
    `info` is the warcinfo of the WARC and `seed` its record ids' (written again, scrubbed)."""
    session = run.session
    assert session is not None
    exchanges = run.recorder.exchanges
    scrubber = scrubber_for(session, exchanges)
    artifacts: list[ArtifactData] = []
    details = dict(result.details)
    for artifact in result.artifacts:
        if artifact.media_type.startswith("image/"):
            artifacts.append(artifact)
        else:
            artifacts.append(_scrubbed_artifact(artifact, scrubber))
    if exchanges:
        artifacts += _warcs(run, _Warc(warc_name(run.started), info, seed), scrubber, details)
    fields: dict[str, Any] = {}
    for name in _STRING_FIELDS:
        value = getattr(result, name)
        if isinstance(value, str):
            fields[name], count = scrubber.scrub_text(value)
            scrubber.note({"capture": name}, name, RedactionReason.SESSION_VALUE, count)
    chain = scrubber.scrub_json(result.redirect_chain, {"capture": "redirect_chain"}, "json")
    details = scrubber.scrub_json(details, {"capture": "details"}, "json")
    details["redactions"] = [r.as_dict() for r in scrubber.redactions]
    details["scrubbed"] = {
        "secrets": len(scrubber.secrets),
        "markers": "credential headers: [redacted:<reason>]; elsewhere a same-length marker",
    }
    scrubbed = replace(result, artifacts=artifacts, redirect_chain=chain, details=details, **fields)
    scrubbed.companion_result = result.companion_result
    scrubbed.session_secrets = frozenset(scrubber.secrets)
    return scrubbed


def scrub_details(session: CaptureSession, details: dict[str, Any]) -> dict[str, Any]:
    """Details of a capture that never got to record anything, scrubbed of the session."""
    scrubber = Scrubber(set(session.all_secrets()))
    scrubbed = scrubber.scrub_json(details, {"capture": "details"}, "json")
    scrubbed["redactions"] = [r.as_dict() for r in scrubber.redactions]
    return scrubbed


@dataclass(frozen=True)
class _Warc:
    """The WARC's file name, its warcinfo fields and its record ids' seed (the same in the
    scrubbed WARC and the sealed original, so a redaction's record is found in both)."""

    name: str
    info: dict[str, str]
    seed: uuid.UUID


def _warcs(
    run: CaptureRun, warc_of: _Warc, scrubber: Scrubber, details: dict[str, Any]
) -> list[ArtifactData]:
    """The scrubbed WARC, and the original sealed as it is written (its plaintext is never
    stored, not even in a temporary file) when the session names a sealing key."""
    session = run.session
    assert session is not None
    exchanges = run.recorder.exchanges
    cap = run.settings.max_decoded_bytes
    url = scrubber.scrub_text(run.url)[0] or None
    info = {k: scrubber.scrub_text(v)[0] for k, v in warc_of.info.items()}

    def write_scrubbed(out: BinaryIO) -> None:
        write_warc(exchanges, warc_of.name, info, run.started, out, scrubber, warc_of.seed, cap)

    warc, _ = spooled_artifact("warc", warc_of.name, "application/warc", url, write_scrubbed)
    if session.seal_to is None:
        details["sealed_original"] = {"kept": False, "reason": "no sealing key was given"}
        return [warc]
    recipient = session.seal_to
    name = f"{warc_of.name}.sealed"

    def write_sealed(out: BinaryIO) -> tuple[str, int]:
        sealer = Sealer(recipient, out)
        write_warc(exchanges, warc_of.name, warc_of.info, run.started, sealer, seed=warc_of.seed)
        return sealer.finish(), sealer.size

    sealed, (plaintext_sha256, size) = spooled_artifact(
        SEALED_ROLE, name, "application/octet-stream", url, write_sealed
    )
    details["sealed_original"] = {
        "kept": True,
        "artifact": name,
        "sha256": plaintext_sha256,
        "size": size,
        "scheme": SCHEME,
        "recipient_sha256": hashlib.sha256(recipient).hexdigest(),
        "recipient": base64.b64encode(recipient).decode("ascii"),
    }
    return [warc, sealed]


def _scrubbed_artifact(artifact: ArtifactData, scrubber: Scrubber) -> ArtifactData:
    """`artifact` with every secret overwritten (a same-length marker), redactions listed."""
    where = {"artifact": artifact.role, "name": artifact.name}
    url, count = scrubber.scrub_text(artifact.original_url or "")
    scrubber.note(where, "url", RedactionReason.SESSION_VALUE, count)

    def write(out: BinaryIO) -> int:
        counter = [0]
        with artifact.open() as source:
            pieces = iter(lambda: source.read(1024 * 1024), b"")
            for piece in scrubber.scrub_stream(pieces, counter):
                out.write(piece)
        return counter[0]

    scrubbed, count = spooled_artifact(
        artifact.role, artifact.name, artifact.media_type, url or None, write
    )
    scrubber.note(where, "content", RedactionReason.SESSION_VALUE, count)
    scrubbed.details = scrubber.scrub_json(artifact.details, where, "details")
    return scrubbed
