"""One capture as the report shows it, after the Berkeley Protocol on Digital Open Source
Investigations: who collected it, when (UTC and the collector's zone), how (tool, browser,
method, session, vantage), from where, what was served and seen (evidence card or screenshot,
post card, media), its seal (manifest, signature, RFC 3161 tokens named by their TSA
certificate), witnesses, custody events, and what is missing and why.

Collection facts are read from the signed manifest (`parse_manifest`), never re-derived; a
capture without a readable manifest shows its database row's values, marked as unsigned.
"""

import base64
from dataclasses import dataclass, field
from typing import Any

from archive.archive import Archive
from archive.export.report_clock import Clock
from archive.export.select import CaptureItem, Selection
from archive.models import Artifact
from archive.provenance.manifest import parse_manifest
from archive.provenance.timestamps import signer_identity
from archive.vocabulary import CaptureStatus, PageVerdict

MAX_IMAGE_BYTES = 8 << 20
IMAGE_ROLES = ("evidence-card", "screenshot-viewport", "screenshot-full")
MEDIA_ROLES = ("media", "media_preview", "avatar", "media_playlist")
SHOWN_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
VERDICT_TEXT = {
    PageVerdict.BLANK: "the page was blank",
    PageVerdict.BOT_CHALLENGE: "the site showed a bot challenge instead of the page",
    PageVerdict.LOGIN_WALL: "the page showed a login wall",
    PageVerdict.UNAVAILABLE: "the platform said the content is unavailable",
}


@dataclass
class Fact:
    """One labelled value; `missing` says why there is none."""

    label: str
    value: str | None
    missing: str = "not recorded"


@dataclass
class Figure:
    """An image (or a file named in place of one) with its hash and what it is."""

    name: str
    sha256: str
    size: int
    media_type: str
    caption: str
    data_url: str | None = None
    original_url: str | None = None
    poster: "Figure | None" = None


@dataclass
class Stamp:
    """One RFC 3161 token: its time, the TSA by URL and by certificate."""

    token_id: str
    gen_time: str | None
    tsa_url: str
    certificate: dict[str, str] | None
    missing: str = ""


@dataclass
class CaptureView:
    """Everything the report prints about one capture."""

    item: CaptureItem
    signed: bool
    clock: Clock
    collection: list[Fact]
    served: list[Fact]
    values: dict[str, str]  # the collection facts summed up over the package
    verdict_note: str | None
    figures: list[Figure]
    media: list[Figure]
    stamps: list[Stamp]
    batch: str | None
    events: list[dict[str, Any]]
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def handle(value: str | None) -> str:
    """A handle as people write it: `@name` (empty for none)."""
    if not value:
        return ""
    return value if value.startswith("@") else f"@{value}"


def _manifest(archive: Archive, item: CaptureItem, damaged: dict[str, str]) -> tuple[dict, str]:
    """The signed manifest ({} when unreadable) and, then, why."""
    artifact = item.artifact("manifest")
    if artifact is None:
        return {}, "capture not sealed: no signed manifest"
    if artifact.blob_sha256 in damaged:
        return {}, "the stored manifest is damaged"
    try:
        return parse_manifest(archive.blobs.get(artifact.blob_sha256)), ""
    except ValueError as exc:
        return {}, f"the stored manifest is unreadable ({exc})"


def _data_url(archive: Archive, artifact: Artifact, damaged: dict[str, str]) -> str | None:
    if artifact.blob_sha256 in damaged or artifact.size > MAX_IMAGE_BYTES:
        return None
    if artifact.media_type.split(";")[0].strip() not in SHOWN_TYPES:
        return None
    encoded = base64.b64encode(archive.blobs.get(artifact.blob_sha256)).decode("ascii")
    return f"data:{artifact.media_type};base64,{encoded}"


def _figure(archive: Archive, artifact: Artifact, damaged: dict[str, str], caption: str) -> Figure:
    shown = _data_url(archive, artifact, damaged)
    if shown is None and artifact.blob_sha256 in damaged:
        caption += " (not shown: its stored bytes are damaged)"
    return Figure(
        artifact.name, artifact.blob_sha256, artifact.size, artifact.media_type, caption,
        shown, artifact.original_url,
    )  # fmt: skip


def _seen(archive: Archive, item: CaptureItem, damaged: dict[str, str]) -> list[Figure]:
    """The evidence card (or screenshot), and the post card unless the card already shows it."""
    figures = []
    main = item.artifact(*IMAGE_ROLES)
    if main is not None:
        shows = main.details.get("of") or main.name
        caption = "evidence card over " + shows if main.role == "evidence-card" else main.role
        figures.append(_figure(archive, main, damaged, caption))
    card = next(
        (a for a in item.artifacts if a.role == "post-card" and a.media_type == "image/png"), None
    )
    if card is not None and (main is None or main.details.get("of") != card.name):
        caption = "post card: the tool's drawing of the recorded post data, not a screenshot"
        figures.append(_figure(archive, card, damaged, caption))
    return figures


def _media(archive: Archive, item: CaptureItem, damaged: dict[str, str]) -> list[Figure]:
    """The post's media: images inline; other files named, with a poster frame if stored."""
    posters = {
        a.details.get("of"): a
        for a in item.artifacts
        if a.role == "thumbnail" and a.details.get("of") != "screenshot-full.png"
    }
    shown = []
    for artifact in item.artifacts:
        if artifact.role not in MEDIA_ROLES:
            continue
        kind = artifact.details.get("kind") or artifact.role.replace("_", " ")
        figure = _figure(archive, artifact, damaged, str(kind))
        poster = posters.get(artifact.name)
        if figure.data_url is None and poster is not None:
            figure.poster = _figure(archive, poster, damaged, f"poster frame of {artifact.name}")
        shown.append(figure)
    return shown


def _stamps(archive: Archive, item: CaptureItem, damaged: dict[str, str], clock: Clock) -> list:
    stamps = []
    for token in item.tokens:
        certificate, missing = None, ""
        if token.token_sha256 is None or token.token_sha256 in damaged:
            missing = "the stored token is missing or damaged"
        else:
            certificate = signer_identity(archive.blobs.get(token.token_sha256))
            missing = "" if certificate else "the token carries no TSA certificate"
        stamps.append(
            Stamp(token.id, clock.both(token.gen_time), token.tsa_url, certificate, missing)
        )
    return stamps


def _method(collection: dict[str, Any], playwright: str | None) -> str:
    method = collection.get("method")
    if not method:
        return ""
    text = f"{method} capture" if method == "automated" else str(method)
    return text + (f": Chromium driven by Playwright {playwright}" if playwright else "")


def session_text(details: dict[str, Any], collection: dict[str, Any]) -> str:
    """`captured logged in as @handle (session NAME)` when the capture used a session
    (`captured logged in as the account of session NAME (handle not recorded)` when its
    handle is unknown), else the recorded persona (`logged out`)."""
    session = details.get("session")
    if isinstance(session, dict) and (session.get("handle") or session.get("name")):
        name = session.get("name")
        if not session.get("handle"):
            return f"captured logged in as the account of session {name} (handle not recorded)"
        who = handle(str(session["handle"]))
        return f"captured logged in as {who}" + (f" (session {name})" if name else "")
    if session:
        return f"a session was recorded but cannot be read: {session!r}"
    return str(collection.get("persona") or "")


def vantage_text(details: dict[str, Any], proxy: str | None) -> str:
    """How the capture reached the site: a second vantage, a proxy, or directly."""
    vantage = details.get("vantage")
    if isinstance(vantage, dict):
        exit_ip = vantage.get("exit_ip") or (
            f"exit IP not recorded ({vantage.get('exit_ip_error') or 'no echo service asked'})"
        )
        exit_text = f"exit IP {exit_ip}" if vantage.get("exit_ip") else exit_ip
        return (
            f"second vantage point through {vantage.get('proxy')}, {exit_text}, "
            f"corroborating {vantage.get('corroborates')}"
        )
    if proxy:
        return f"through the proxy {proxy}"
    return "direct, from the collecting machine's own network"


def _machine(collection: dict[str, Any]) -> str:
    machine = collection.get("machine") or {}
    if not isinstance(machine, dict) or not machine.get("hostname"):
        return ""
    parts = [f"{k} {machine[k]}" for k in ("os", "python") if machine.get(k)]
    return f"{machine['hostname']} ({', '.join(parts)})" if parts else str(machine["hostname"])


def _collection(
    signed: dict[str, Any], row: dict[str, Any], clock: Clock, why_unsigned: str
) -> tuple[list[Fact], dict[str, str]]:
    """Who, when, how and from where, from the manifest (`signed`) or, unsigned, the row."""
    capture = signed.get("capture") or row
    collection = signed.get("collection") or {}
    details = capture.get("details") or {}
    unsigned = why_unsigned or "not recorded"
    tool = collection.get("tool") or {}
    tool_text = f"{tool.get('name')} {tool.get('version')}" if tool else ""
    if not tool_text and capture.get("tool_version"):
        tool_text = f"evidence-collector {capture['tool_version']}"
    browser = " ".join(
        str(capture[k]) for k in ("browser_name", "browser_version") if capture.get(k)
    )
    investigator = signed.get("investigator") if signed else row.get("investigator")
    values = {
        "investigator": investigator or "",
        "tool": tool_text,
        "browser": browser,
        "machine": _machine(collection),
        "method": _method(collection, capture.get("playwright_version")),
        "session": session_text(details, collection),
        "vantage": vantage_text(details, capture.get("proxy")),
        "zone": clock.label,
    }
    facts = [
        Fact("investigator", values["investigator"], unsigned),
        Fact("started", clock.both(capture.get("started_at"))),
        Fact("finished", clock.both(capture.get("finished_at"))),
        Fact("collector's time zone", clock.label if clock.zone else None, unsigned),
        Fact("tool", values["tool"]),
        Fact("browser", browser or None),
        Fact("method", values["method"] or None, unsigned),
        Fact("session", values["session"] or None, unsigned),
        Fact("network route (vantage)", values["vantage"]),
        Fact("user agent sent", capture.get("user_agent")),
        Fact("viewport", capture.get("viewport")),
        Fact("browser locale", capture.get("locale")),
        Fact("browser time zone", capture.get("timezone")),
        Fact("collecting machine", values["machine"] or None, unsigned),
        Fact("clock", (collection.get("clock") or {}).get("source"), unsigned),
    ]
    return facts, values


def _served(capture: dict[str, Any], row_status: str, reason: str | None) -> list[Fact]:
    """What the site answered; a missing value says why (a failed capture got no answer)."""
    failed = row_status == CaptureStatus.FAILED
    absent = f"not recorded: the capture failed ({reason})" if failed else "not recorded"
    chain = capture.get("redirect_chain") or []
    hops = [
        f"{hop.get('status') or hop.get('error') or 'no response'} {hop.get('url')}"
        for hop in chain
        if isinstance(hop, dict)
    ]
    http = capture.get("http_status")
    details = capture.get("details") or {}
    return [
        Fact("requested URL", capture.get("requested_url")),
        Fact("final URL", capture.get("final_url"), absent),
        Fact("redirects", " → ".join(hops) if len(hops) > 1 else "none"),
        Fact("page title", details.get("title"), absent if failed else "none"),
        Fact("HTTP status", str(http) if http is not None else None, absent),
        Fact("server IP", capture.get("server_ip"), absent),
    ]


def _verdict_note(details: dict[str, Any]) -> str | None:
    judged = details.get("page_verdict")
    if not isinstance(judged, dict) or judged.get("verdict") in (None, PageVerdict.PAGE):
        return None
    verdict = judged.get("verdict")
    text = VERDICT_TEXT.get(verdict, f"the page was judged {verdict}")
    return text + (f": {judged['reason']}" if judged.get("reason") else "")


def _missing(view: CaptureView, why_unsigned: str, details: dict[str, Any]) -> list[str]:
    """What this capture lacks, and why, in words."""
    capture = view.item.capture
    found = []
    if capture.status != CaptureStatus.COMPLETE:
        found.append(f"capture {capture.status}: {capture.status_reason or 'no reason recorded'}")
    if why_unsigned:
        found.append(why_unsigned)
    if not view.stamps and not view.batch:
        found.append("not timestamped: no RFC 3161 token covers this capture")
    found += [f"timestamp {s.token_id}: {s.missing}" for s in view.stamps if s.missing]
    for artifact in view.item.artifacts:
        if artifact.role == "media_error":
            status = artifact.details.get("status")
            why = artifact.details.get("rejected") or (f"HTTP {status}" if status else "failed")
            found.append(f"media {artifact.name} from {artifact.original_url}: {why}")
    for key, what in (("post_card_error", "post card"), ("evidence_card_error", "evidence card")):
        if details.get(key):
            found.append(f"{what} not made: {details[key]}")
    post_card = details.get("post_card")
    if isinstance(post_card, dict) and post_card.get("error"):
        found.append(f"post card: {post_card['error']}")
    found += [
        f"witness {w.service} ({w.method}) gave no answer: {w.error or w.status}"
        for w in view.item.witnesses
        if w.status == "failed"
    ]
    return found


def capture_view(
    archive: Archive, selection: Selection, item: CaptureItem, batch: str | None
) -> CaptureView:
    """The report's view of one capture of `selection`."""
    damaged = selection.damaged
    signed, why_unsigned = _manifest(archive, item, damaged)
    row = item.capture.model_dump()
    clock = Clock.of_collection((signed.get("collection") or {}).get("clock"))
    collection, values = _collection(signed, row, clock, why_unsigned)
    capture = signed.get("capture") or row
    details = capture.get("details") or {}
    note = _verdict_note(details)
    figures = _seen(archive, item, damaged)
    if note and figures and figures[0].caption.endswith("post-card.png"):
        note += "; the image is the post card, drawn from the recorded post data, not the page"
    subjects = {item.capture.id, *(w.id for w in item.witnesses)}
    view = CaptureView(
        item=item, signed=bool(signed), clock=clock, collection=collection,
        served=_served(capture, item.capture.status, item.capture.status_reason),
        values=values, verdict_note=note, figures=figures,
        media=_media(archive, item, damaged), stamps=_stamps(archive, item, damaged, clock),
        batch=batch, events=[e for e in selection.events if e["subject_id"] in subjects],
    )  # fmt: skip
    view.missing = _missing(view, why_unsigned, details)
    view.warnings = [str(w) for w in details.get("warnings") or []]
    if not view.figures:
        view.missing.append("no screenshot, evidence card or post card was stored")
    return view
