"""The login an adapter may use: the session's cookies, for platforms whose data a logged-in
person sees more of (X's GraphQL answers a signed-in account only).

Only adapters whose requests go through the capture's recording proxy are given one, so
everything they send and receive is in the capture's WARC and scrubbed with it.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlatformSession:
    """A session's name, handle and cookies (Playwright's cookie objects)."""

    name: str
    handle: str | None
    cookies: tuple[dict[str, Any], ...] = field(repr=False, default=())

    def cookie(self, name: str, host: str) -> str | None:
        """The value of cookie `name` a browser would send to `host`, if the session has it."""
        host = host.lower()
        for cookie in self.cookies:
            domain = str(cookie.get("domain", "")).lower()
            bare = domain.lstrip(".")
            sent = host == bare or (domain.startswith(".") and host.endswith(f".{bare}"))
            if cookie.get("name") == name and sent:
                return str(cookie.get("value", ""))
        return None
