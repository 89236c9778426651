"""PREMIS 3 preservation metadata for an export: one file object per artifact (fixity SHA-256
and SHA-512, size, format, original name, where it is in the package; the manifest file with
its Ed25519 signature), one representation object per capture, one event per custody event
(type = action, time, outcome, the agent that acted and the objects concerned), and the agents
(investigators, and the tool as software). Built with lxml."""

import json
from typing import Any

from lxml import etree

from archive import __version__
from archive.export.select import Selection
from archive.models import Artifact

PREMIS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.loc.gov/premis/v3 https://www.loc.gov/standards/premis/premis.xsd"
TOOL = f"evidence-collector {__version__}"


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{PREMIS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _identifier(parent: etree._Element, kind: str, id_type: str, value: str) -> None:
    ident = _el(parent, f"{kind}Identifier")
    _el(ident, f"{kind}IdentifierType", id_type)
    _el(ident, f"{kind}IdentifierValue", value)


def _file_object(
    root: etree._Element, capture_id: str, artifact: Artifact, sha512: str, path: str,
    signature: dict[str, str] | None,
) -> None:  # fmt: skip
    obj = _el(root, "object")
    obj.set(f"{{{XSI}}}type", "premis:file")
    _identifier(obj, "object", "local", f"{capture_id}/{artifact.name}")
    _identifier(obj, "object", "sha256", artifact.blob_sha256)
    chars = _el(obj, "objectCharacteristics")
    _el(chars, "compositionLevel", "0")
    for algorithm, digest in (("SHA-256", artifact.blob_sha256), ("SHA-512", sha512)):
        fixity = _el(chars, "fixity")
        _el(fixity, "messageDigestAlgorithm", algorithm)
        _el(fixity, "messageDigest", digest)
        _el(fixity, "messageDigestOriginator", TOOL)
    _el(chars, "size", str(artifact.size))
    designation = _el(_el(chars, "format"), "formatDesignation")
    _el(designation, "formatName", artifact.media_type)
    _el(obj, "originalName", artifact.name)
    storage = _el(obj, "storage")
    location = _el(storage, "contentLocation")
    _el(location, "contentLocationType", "package path")
    _el(location, "contentLocationValue", path)
    if signature is not None:
        sig = _el(_el(obj, "signatureInformation"), "signature")
        _el(sig, "signatureEncoding", "base64")
        _el(sig, "signer", signature["signer"])
        _el(sig, "signatureMethod", "Ed25519")
        _el(sig, "signatureValue", signature["value"])
        _el(sig, "signatureValidationRules", signature["rules"])
    relationship = _el(obj, "relationship")
    _el(relationship, "relationshipType", "structural")
    _el(relationship, "relationshipSubType", "is included in")
    related = _el(relationship, "relatedObjectIdentifier")
    _el(related, "relatedObjectIdentifierType", "local")
    _el(related, "relatedObjectIdentifierValue", capture_id)


def premis_xml(
    selection: Selection, index: dict[str, Any], sha512: dict[str, str], signatures: dict[str, str]
) -> bytes:
    """The PREMIS document. `sha512` maps blob SHA-256 to SHA-512; `signatures` maps capture id
    to the base64 Ed25519 signature of its manifest."""
    root = etree.Element(f"{{{PREMIS}}}premis", nsmap={"premis": PREMIS, "xsi": XSI})
    root.set("version", "3.0")
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA)
    paths = {c["id"]: c["artifacts"] for c in index["captures"]}
    for item in selection.captures:
        cap = item.capture
        rep = _el(root, "object")
        rep.set(f"{{{XSI}}}type", "premis:representation")
        _identifier(rep, "object", "local", cap.id)
        _el(rep, "originalName", cap.final_url or cap.requested_url)
        for artifact in item.artifacts:
            signature = None
            if artifact.role == "manifest" and cap.id in signatures:
                signature = {
                    "signer": f"Ed25519 key {selection.key.fingerprint}",
                    "value": signatures[cap.id],
                    "rules": "RFC 8032 Ed25519 over the exact file bytes; "
                    "openssl pkeyutl -verify -rawin (see VERIFY.md)",
                }
            _file_object(
                root, cap.id, artifact, sha512.get(artifact.blob_sha256, ""),
                paths[cap.id][artifact.name], signature,
            )  # fmt: skip
    actors = sorted({e["actor"] for e in selection.events})
    for event in selection.events:
        node = _el(root, "event")
        _identifier(node, "event", "custody log seq", str(event["seq"]))
        _el(node, "eventType", event["action"])
        _el(node, "eventDateTime", event["occurred_at"])
        detail = _el(node, "eventDetailInformation")
        _el(detail, "eventDetail", json.dumps(event["payload"], sort_keys=True, ensure_ascii=False))
        outcome = _el(node, "eventOutcomeInformation")
        _el(outcome, "eventOutcome", "recorded")
        note = _el(outcome, "eventOutcomeDetail")
        _el(note, "eventOutcomeDetailNote", f"custody entry hash {event['entry_hash']}")
        for agent, role in ((event["actor"], "investigator"), (TOOL, "software")):
            link = _el(node, "linkingAgentIdentifier")
            _el(link, "linkingAgentIdentifierType", "local")
            _el(link, "linkingAgentIdentifierValue", agent)
            _el(link, "linkingAgentRole", role)
        link = _el(node, "linkingObjectIdentifier")
        _el(link, "linkingObjectIdentifierType", "local")
        _el(link, "linkingObjectIdentifierValue", event["subject_id"])
    for actor in actors:
        agent = _el(root, "agent")
        _identifier(agent, "agent", "local", actor)
        _el(agent, "agentName", actor)
        _el(agent, "agentType", "person")
    agent = _el(root, "agent")
    _identifier(agent, "agent", "local", TOOL)
    _el(agent, "agentName", "evidence-collector")
    _el(agent, "agentType", "software")
    _el(agent, "agentVersion", __version__)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
