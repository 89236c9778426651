"""Scrubbing a capture made logged in: no secret of the session reaches what is stored.

The browser's traffic is never changed on the wire; what is scrubbed is what the capture
writes. Two kinds of redaction:

- credential header fields (`Cookie`, `Set-Cookie`, `Authorization`, `Proxy-Authorization`,
  CSRF/XSRF headers, `x-auth-token`-like token headers) keep their name and get the value
  `[redacted:<reason>]` in every HTTP head the WARC holds;
- every occurrence of a secret value, in any form it is commonly echoed (as is, URL-encoded,
  JSON-escaped), in heads, URLs, bodies, the DOM, logs and JSON artifacts, is overwritten by a
  marker of the *same length* (`[redacted-----]`): byte offsets, `Content-Length`, chunk
  sizes and anything that indexes into a record stay true, so the record still parses and
  replays. A body whose transfer or content encoding (chunked, gzip, br) hides a secret is
  decoded, scrubbed and stored decoded, its encoding fields replaced by a `Content-Length`
  (listed as a redaction of its own).

The secrets are the session's own values and the values learned during the capture: cookies
the server set or rotated (`Set-Cookie`) and credentials the browser sent (learned from every
exchange's heads before anything is written). Values shorter than `MIN_SECRET_CHARS` are
only redacted inside credential headers. Every redaction is listed (`Redaction`) so the
capture's signed details say what was taken out, where and why.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from archive.vocabulary import RedactionReason
from collector.capture.session import MIN_SECRET_CHARS

_TOKEN_HEADERS = frozenset(
    {"x-auth-token", "x-access-token", "x-api-key", "x-session-token", "x-amz-security-token"}
)


def header_reason(name: str) -> RedactionReason | None:
    """Why a header field's value is a credential, or None when it is not one."""
    lower = name.strip().lower()
    if lower == "cookie":
        return RedactionReason.COOKIE
    if lower in ("set-cookie", "set-cookie2"):
        return RedactionReason.SET_COOKIE
    if lower in ("authorization", "proxy-authorization"):
        return RedactionReason.AUTHORIZATION
    if "csrf" in lower or "xsrf" in lower:
        return RedactionReason.CSRF
    if lower in _TOKEN_HEADERS:
        return RedactionReason.TOKEN
    return None


def header_values(name: str, value: str) -> list[str]:
    """The secret values a credential header carries: each cookie's value, the token after an
    authorization scheme, or the whole value."""
    reason = header_reason(name)
    if reason is RedactionReason.COOKIE:
        return [part.split("=", 1)[1].strip() for part in value.split(";") if "=" in part]
    if reason is RedactionReason.SET_COOKIE:
        first = value.split(";", 1)[0]
        return [first.split("=", 1)[1].strip()] if "=" in first else []
    if reason is RedactionReason.AUTHORIZATION:
        return [value.strip(), *value.strip().split(None, 1)[1:]]
    return [value.strip()] if reason is not None else []


def marker(length: int) -> bytes:
    """A same-length stand-in for a secret of `length` bytes."""
    if length < 3:
        return b"#" * length
    return b"[" + (b"redacted" + b"-" * length)[: length - 2] + b"]"


def header_marker(reason: RedactionReason) -> str:
    """The value a credential header keeps."""
    return f"[redacted:{reason}]"


def _forms(secret: str) -> set[bytes]:
    """The ways a value is commonly written back: as is, URL-encoded, JSON-escaped."""
    forms = {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}
    return {f.encode("utf-8") for f in forms if f}


@dataclass
class Redaction:
    """One place something was taken out."""

    where: dict[str, str]
    """`record` (WARC-Record-ID), `type` and `uri`, or `artifact` (role) and `name`."""
    field: str
    """`header <name>`, `payload`, `block`, `content`, `url`, `encoding`, ..."""
    reason: RedactionReason
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The form listed in `Capture.details["redactions"]`."""
        return {**self.where, "field": self.field, "reason": self.reason, "count": self.count}


@dataclass
class Scrubber:
    """The secrets of one capture, and how to take them out of bytes and text."""

    secrets: set[str] = field(default_factory=set)
    redactions: list[Redaction] = field(default_factory=list)
    _pattern: re.Pattern[bytes] | None = field(default=None, repr=False)

    def learn(self, values: Iterable[str]) -> None:
        """Add values to the secrets (those shorter than MIN_SECRET_CHARS are ignored)."""
        fresh = {v for v in values if len(v) >= MIN_SECRET_CHARS} - self.secrets
        if fresh:
            self.secrets |= fresh
            self._pattern = None

    def learn_head(self, head: bytes) -> None:
        """Learn the values of an HTTP head's credential header fields."""
        for name, value in _fields(head):
            self.learn(header_values(name, value))

    @property
    def pattern(self) -> re.Pattern[bytes] | None:
        """One expression matching every form of every secret, longest first."""
        if self._pattern is None and self.secrets:
            forms = sorted({f for s in self.secrets for f in _forms(s)}, key=len, reverse=True)
            self._pattern = re.compile(b"|".join(re.escape(f) for f in forms))
        return self._pattern

    @property
    def longest(self) -> int:
        """The length of the longest form of a secret (the overlap kept between pieces)."""
        return max((len(f) for s in self.secrets for f in _forms(s)), default=0)

    def scrub_bytes(self, data: bytes) -> tuple[bytes, int]:
        """`data` with every secret overwritten by a same-length marker, and how many."""
        pattern = self.pattern
        if pattern is None:
            return data, 0
        return pattern.subn(lambda m: marker(len(m.group(0))), data)

    def scrub_text(self, text: str) -> tuple[str, int]:
        """`text` with every secret replaced by a same-length marker, and how many."""
        data, count = self.scrub_bytes(text.encode("utf-8", "surrogatepass"))
        return (data.decode("utf-8", "surrogatepass") if count else text), count

    def scrub_stream(self, pieces: Iterable[bytes], counter: list[int]) -> Iterator[bytes]:
        """The pieces with every secret overwritten, also across piece boundaries; the number
        of markers is added to `counter[0]` as they are made."""
        keep = max(self.longest - 1, 0)
        carry = b""
        for piece in pieces:
            data, count = self.scrub_bytes(carry + piece)
            counter[0] += count
            cut = max(len(data) - keep, 0)
            if cut:
                yield data[:cut]
            carry = data[cut:]
        if carry:
            data, count = self.scrub_bytes(carry)
            counter[0] += count
            yield data

    def contains(self, data: bytes) -> bool:
        """True when `data` holds any form of a secret."""
        pattern = self.pattern
        return pattern is not None and pattern.search(data) is not None

    def scrub_json(self, value: Any, where: dict[str, str], field: str) -> Any:
        """A JSON-like structure with every string (keys too) scrubbed; one redaction listed
        when anything was taken out."""
        total = [0]

        def walk(item: Any) -> Any:
            if isinstance(item, str):
                text, count = self.scrub_text(item)
                total[0] += count
                return text
            if isinstance(item, dict):
                return {walk(k): walk(v) for k, v in item.items()}
            if isinstance(item, list | tuple):
                return [walk(v) for v in item]
            return item

        scrubbed = walk(value)
        self.note(where, field, RedactionReason.SESSION_VALUE, total[0])
        return scrubbed

    def note(self, where: dict[str, str], field: str, reason: RedactionReason, count: int) -> None:
        """List a redaction (nothing when `count` is 0)."""
        if count:
            self.redactions.append(Redaction(where, field, reason, count))

    def scrub_head(self, head: bytes, where: dict[str, str]) -> bytes:
        """An HTTP head with credential fields' values replaced by `[redacted:<reason>]` and
        every secret elsewhere in it (request line, Referer, Location) overwritten."""
        lines = head.split(b"\r\n")
        for index, line in enumerate(lines[1:], start=1):
            name, colon, _value = line.partition(b":")
            reason = header_reason(name.decode("latin-1")) if colon else None
            if reason is not None:
                lines[index] = name + b": " + header_marker(reason).encode()
                self.note(where, f"header {name.decode('latin-1').lower()}", reason, 1)
        scrubbed, count = self.scrub_bytes(b"\r\n".join(lines))
        self.note(where, "head", RedactionReason.SESSION_VALUE, count)
        return scrubbed


def _fields(head: bytes) -> Iterator[tuple[str, str]]:
    """The (name, value) header fields of an HTTP head (its first line skipped)."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            yield name.strip(), value.strip()
