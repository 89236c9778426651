"""Where a request may connect: host mapping rules and the server-side request forgery guard.

The recorder resolves every hostname itself, checks each resolved address here and then
connects to exactly the address it checked, so a name that resolves to a public address for
the check and a private one for the connection (DNS rebinding) cannot slip through.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

from archive.errors import EvidenceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """The destination resolves to an address captures may not reach."""


@dataclass(frozen=True)
class MapRule:
    """One `MAP host[:port] ip[:port]` rule."""

    host: str
    port: int | None
    to_host: str
    to_port: int | None


def _split_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, None


def parse_rules(text: str) -> list[MapRule]:
    """Parse Chromium-style host resolver rules: `MAP t.co 127.0.0.1:8443, MAP x.com:443 ...`."""
    rules = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        words = part.split()
        if len(words) != 3 or words[0].upper() != "MAP":
            raise EvidenceError(f"bad host resolver rule {part!r}: expected `MAP host[:port] ip`")
        try:
            host, port = _split_host_port(words[1])
            to_host, to_port = _split_host_port(words[2])
        except ValueError:
            raise EvidenceError(f"bad port in host resolver rule {part!r}") from None
        rules.append(MapRule(host.lower(), port, to_host, to_port))
    return rules


def apply_rules(rules: list[MapRule], host: str, port: int) -> tuple[str, int]:
    """The (host, port) to connect to for `host:port` after mapping rules."""
    lowered = host.lower()
    for rule in rules:
        if rule.host == lowered and rule.port in (None, port):
            return rule.to_host, rule.to_port or port
    return host, port


def blocked_reason(address: str) -> str | None:
    """Why captures may not connect to `address`, or None when it is a public address."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for label, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return f"{ip} is a {label} address (use --allow-private to capture it)"
    if not ip.is_global:
        return f"{ip} is not a public address (use --allow-private to capture it)"
    return None


async def resolve(host: str, port: int) -> list[str]:
    """Resolve `host` to IP address strings (literal addresses resolve to themselves)."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


async def allowed_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """Resolve `host` and keep the addresses captures may connect to; BlockedAddress if none."""
    addresses = await resolve(host, port)
    if allow_private:
        return addresses
    allowed = [address for address in addresses if blocked_reason(address) is None]
    if not allowed:
        raise BlockedAddress(f"{host}: {blocked_reason(addresses[0])}")
    return allowed


def literal_blocked(host: str) -> str | None:
    """For proxied requests (the proxy resolves names): refuse literal non-public addresses."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return f"{host} is a loopback name (use --allow-private to capture it)"
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return blocked_reason(host.strip("[]"))
