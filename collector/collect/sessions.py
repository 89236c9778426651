"""Which login session a capture uses, the session's rate limit, and what a capture tells
about it.

`--session NAME` uses that session for every URL on its hosts (its bound hosts, else the
domains of its cookies); `--no-session` captures everything logged out; otherwise a URL whose
host is bound to a session (`session add --host`) uses it. Each use reserves a start slot of
the session's rate limit; a capture that meant to be logged in and met a login wall marks the
session for `evidence session check`, and one met with a bot challenge or HTTP 429 starts its
cool-down, so a sock-puppet account is not burnt by going on regardless.

Platform data fetched with the session (`PlatformSession`) is scrubbed here, with the same
`Scrubber` the capture engine uses, before anything is drawn or stored from it.
"""

import asyncio
import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.errors import EvidenceError
from archive.provenance.sealing import seal_public_key
from archive.sessions import SessionRecord, SessionStore, check_name
from archive.timeutil import iso, utcnow
from archive.vocabulary import PageVerdict, RedactionReason
from collector.capture.result import CaptureResult
from collector.capture.scrub import Scrubber, header_marker, header_reason, header_values
from collector.capture.session import CaptureSession, session_from_state
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.session import PlatformSession

PUSHBACK_STATUS = 429
TOOL_WRITTEN = 0
"""The status of a raw response the tool wrote itself (yt-dlp's info dict), not a server's."""


@dataclass(frozen=True)
class SessionChoice:
    """The command line's say: a named session, none at all, or (default) the bound one."""

    name: str | None = None
    off: bool = False

    @classmethod
    def from_flags(cls, name: str | None, no_session: bool) -> "SessionChoice":
        """From `--session NAME` / `--no-session` (which exclude each other)."""
        if name and no_session:
            raise EvidenceError("--session and --no-session exclude each other")
        return cls(check_name(name) if name else None, no_session)

    def as_job(self) -> dict[str, Any]:
        """The choice as JSON job arguments (the queue)."""
        return {"session": self.name, "no_session": self.off}

    @classmethod
    def from_job(cls, options: dict[str, Any]) -> "SessionChoice | None":
        """The choice a queued job carries, or None when it carries none."""
        if "session" not in options and "no_session" not in options:
            return None
        return cls(options.get("session"), bool(options.get("no_session")))


@dataclass
class Use:
    """One capture's session: the record, its forms for the engine and the adapter, and the
    picker that learns from the capture (`SessionPicker.after`)."""

    record: SessionRecord
    capture: CaptureSession
    platform: PlatformSession
    picker: "SessionPicker"


class SessionPicker:
    """Picks the session of each URL for one command, and keeps its rate limit and marks."""

    def __init__(self, home: Path, choice: SessionChoice) -> None:
        self.store = SessionStore(home)
        self.home = home
        self.choice = choice
        self.named = self.store.get(choice.name) if choice.name else None
        self._seal_to: bytes | None = None

    def require_fit(self, urls: list[str]) -> None:
        """Refuse a named session that fits none of `urls` (a mistyped intent, not a capture
        to make logged out without saying so)."""
        if self.named is None or not urls or any(self.record_for(url) for url in urls):
            return
        scope = ", ".join(self.named.scope) or "no host"
        raise EvidenceError(
            f"session {self.named.name!r} is for {scope}: none of the URLs is on its hosts"
        )

    def record_for(self, url: str) -> SessionRecord | None:
        """The session a capture of `url` uses, or None (logged out)."""
        if self.choice.off:
            return None
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            return None
        if self.named is not None:
            return self.named if self.named.covers(host) else None
        return self.store.bound_to(host)

    def use(self, record: SessionRecord) -> Use:
        """The session's forms for the engine (with the archive's sealing key) and adapters."""
        if self._seal_to is None:
            self._seal_to = seal_public_key(self.home)
        state = record.storage_state
        return Use(
            record,
            session_from_state(record.name, state, record.handle, self._seal_to),
            PlatformSession(record.name, record.handle, tuple(record.cookies), record.scope),
            self,
        )

    async def wait_turn(self, record: SessionRecord) -> float:
        """Wait for the session's next start slot; return the seconds waited."""
        wait_s = await asyncio.to_thread(self.store.reserve, record)
        if wait_s > 0:
            await asyncio.sleep(wait_s)
        return wait_s

    def after(self, record: SessionRecord, capture: CaptureResult) -> list[str]:
        """Learn from a capture made with `record`: a login wall marks the session for a check,
        a bot challenge or HTTP 429 starts its cool-down. Returns notes for the capture."""
        verdict = (capture.details.get("page_verdict") or {}).get("verdict")
        url = capture.final_url or capture.requested_url
        if verdict == PageVerdict.LOGIN_WALL:
            reason = f"session expired: {url} showed a login wall at {iso(utcnow())}"
            self.store.mark_needs_check(record.name, reason)
            return [f"session {record.name!r} marked for `evidence session check`: {reason}"]
        if verdict == PageVerdict.BOT_CHALLENGE or capture.http_status == PUSHBACK_STATUS:
            why = "a bot challenge" if verdict == PageVerdict.BOT_CHALLENGE else "HTTP 429"
            self.store.cool_down(record, f"{url} answered with {why}")
            return [
                f"session {record.name!r} cools down for {record.cooldown_s:g} s: {url} "
                f"answered with {why}"
            ]
        return []


def scrub_platform(
    result: PlatformResult,
    session: CaptureSession,
    capture: CaptureResult,
    seen: Iterable[str] = (),
) -> PlatformResult:
    """`result` (fetched with the session) with credential headers redacted and every secret
    (the session's, the page capture's, and `seen`: what the adapter's own client held)
    overwritten by a same-length marker, each redaction added to the capture's list."""
    scrubber = Scrubber(set(session.all_secrets()) | capture.session_secrets)
    scrubber.learn(seen)
    for raw in _raws(result):
        for name, value in raw.headers:
            scrubber.learn(header_values(name, value))
    scrubbed = _walk(result, scrubber, {"artifact": "platform", "name": result.platform})
    capture.details.setdefault("redactions", []).extend(r.as_dict() for r in scrubber.redactions)
    assert isinstance(scrubbed, PlatformResult)
    return scrubbed


def _raws(result: PlatformResult | None) -> list[RawResponse]:
    if result is None:
        return []
    return [*result.raw, *_raws(result.quoted), *_raws(result.reply_to)]


def _walk(value: Any, scrubber: Scrubber, where: dict[str, str]) -> Any:
    """`value` rebuilt with every string and byte string scrubbed."""
    if isinstance(value, str):
        text, count = scrubber.scrub_text(value)
        scrubber.note(where, "text", RedactionReason.SESSION_VALUE, count)
        return text
    if isinstance(value, bytes):
        data, count = scrubber.scrub_bytes(value)
        scrubber.note(where, "body", RedactionReason.SESSION_VALUE, count)
        return data
    if isinstance(value, RawResponse):
        return _raw(value, scrubber)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), scrubber, where)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {_walk(k, scrubber, where): _walk(v, scrubber, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, scrubber, where) for v in value)
    return value


def _raw(raw: RawResponse, scrubber: Scrubber) -> RawResponse:
    """A raw response with credential header fields redacted and secrets overwritten."""
    where = {"artifact": "platform-raw", "name": raw.name}
    if raw.status == TOOL_WRITTEN and raw.media_type == "application/json":
        raw = dataclasses.replace(raw, body=_credential_fields(raw.body, scrubber, where))
    headers = []
    for name, value in raw.headers:
        reason = header_reason(name)
        if reason is not None:
            headers.append((name, header_marker(reason)))
            scrubber.note(where, f"header {name.lower()}", reason, 1)
        else:
            headers.append((name, _walk(value, scrubber, where)))
    rest = {
        f.name: _walk(getattr(raw, f.name), scrubber, where)
        for f in dataclasses.fields(raw)
        if f.init and f.name != "headers"
    }
    return dataclasses.replace(raw, **{**rest, "headers": headers})


def _credential_fields(body: bytes, scrubber: Scrubber, where: dict[str, str]) -> bytes:
    """A JSON document the tool wrote (never a server's bytes, which only ever get same-length
    markers) with its credential fields' values replaced whole, as a WARC's credential
    headers are: yt-dlp's `cookies` fields and the credential entries of `http_headers`."""
    found: dict[str, RedactionReason] = {}
    counts: dict[str, int] = {}

    def redact(label: str, reason: RedactionReason) -> str:
        found[label] = reason
        counts[label] = counts.get(label, 0) + 1
        return header_marker(reason)

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(v) for v in item]
        if not isinstance(item, dict):
            return item
        fields = {}
        for key, value in item.items():
            if key == "cookies" and isinstance(value, str) and value:
                fields[key] = redact("json cookies", RedactionReason.COOKIE)
            elif key == "http_headers" and isinstance(value, dict):
                fields[key] = {
                    name: redact(f"json http_headers.{name.lower()}", reason)
                    if (reason := header_reason(name)) is not None
                    else walk(text)
                    for name, text in value.items()
                }
            else:
                fields[key] = walk(value)
        return fields

    try:
        document = json.loads(body)
    except ValueError:
        return body
    cleaned = walk(document)
    for label, reason in found.items():
        scrubber.note(where, label, reason, counts[label])
    if not found:
        return body
    return json.dumps(cleaned, ensure_ascii=False, sort_keys=True).encode("utf-8")
