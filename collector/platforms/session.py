"""The login an adapter may use: the session's cookies, for platforms whose data a logged-in
person sees more of (X's GraphQL answers a signed-in account only).

Only adapters whose requests go through the capture's recording proxy are given one, so
everything they send and receive is in the capture's WARC and scrubbed with it.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlatformSession:
    """A session's name, handle, cookies (Playwright's cookie objects) and the hosts it is
    for (its bound hosts, else its cookies' domains)."""

    name: str
    handle: str | None
    cookies: tuple[dict[str, Any], ...] = field(repr=False, default=())
    hosts: tuple[str, ...] = ()

    def scoped_cookies(self) -> list[dict[str, Any]]:
        """The cookies a browser would send to one of `hosts` or to a host under one (all
        when `hosts` is empty): what a client outside the browser may be given."""
        if not self.hosts:
            return list(self.cookies)
        return [c for c in self.cookies if _under(str(c.get("domain", "")), self.hosts)]

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


def _under(domain: str, hosts: tuple[str, ...]) -> bool:
    bare = domain.lower().lstrip(".")
    wide = domain.startswith(".")
    return any(
        h == bare or bare.endswith(f".{h}") or (wide and h.endswith(f".{bare}")) for h in hosts
    )
