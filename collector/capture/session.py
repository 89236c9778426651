"""A logged-in session handed to one capture: the browser state to start from, and the
values that must never be stored.

The engine opens the capture's context on `storage_state` (Playwright's form: cookies and
each origin's localStorage) and scrubs every value in `secrets`, and every value it learns
during the capture (cookies the site sets or rotates, credentials the browser sends), from
what it stores (`scrub.py`). Only `name` and `handle` are recorded with the capture.
"""

from dataclasses import dataclass, field
from typing import Any

MIN_SECRET_CHARS = 8
"""Values shorter than this are not searched for in bodies and URLs: a cookie `lang=en` or
`seen=1` is no secret, and replacing every `en` in a page would destroy the record. Headers
that carry credentials (Cookie, Set-Cookie, Authorization, CSRF) are redacted whole anyway."""


@dataclass(frozen=True)
class CaptureSession:
    """The investigator's login for one capture: never recorded but by name and handle."""

    name: str
    handle: str | None
    storage_state: dict[str, Any] = field(repr=False, hash=False, compare=False)
    """Playwright storage state: `{"cookies": [...], "origins": [...]}`."""
    secrets: frozenset[str] = field(repr=False, default=frozenset())
    """Every value that must never be stored (cookie values, tokens)."""
    seal_to: bytes | None = field(repr=False, default=None)
    """The archive's raw X25519 sealing key (`archive.provenance.sealing.seal_public_key`):
    the unscrubbed WARC is kept encrypted to it; None keeps no original."""

    def record(self) -> dict[str, str | None]:
        """What the capture's details say about the session: its name and handle only."""
        return {"name": self.name, "handle": self.handle}

    def all_secrets(self) -> frozenset[str]:
        """`secrets` and every value of `storage_state` long enough to search for."""
        return frozenset(
            value for value in self.secrets | state_values(self.storage_state) if value
        )


def state_values(storage_state: dict[str, Any]) -> frozenset[str]:
    """The cookie values and localStorage values of a storage state that are long enough to
    be searched for (`MIN_SECRET_CHARS`)."""
    values = [str(c.get("value", "")) for c in storage_state.get("cookies", [])]
    for origin in storage_state.get("origins", []):
        values += [str(item.get("value", "")) for item in origin.get("localStorage", [])]
    return frozenset(v for v in values if len(v) >= MIN_SECRET_CHARS)


def session_from_state(
    name: str,
    storage_state: dict[str, Any],
    handle: str | None = None,
    seal_to: bytes | None = None,
) -> CaptureSession:
    """A CaptureSession whose secrets are the values of `storage_state`."""
    return CaptureSession(name, handle, storage_state, state_values(storage_state), seal_to)
