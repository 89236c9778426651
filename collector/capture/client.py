"""HTTP clients for platform adapters, under the same network rules as browser captures.

`recorded_client` sends an adapter's requests through the capture's own recording proxy, so
its answers are in the capture's WARC beside the page. `make_client` is for what runs outside
a capture (media downloads, link resolution): the same proxy, the same extra certificate
authorities, the same `MAP host ip` rules and the same server-side request forgery guard as the
capture recorder (`collector.capture.netguard`): every connection goes to an address that was
resolved and checked here. httpx has no public hook for name resolution, so the guard is an
httpcore network backend installed on the transport's connection pool.
"""

import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpcore
import httpx

from collector.capture.netguard import (
    BlockedAddress,
    MapRule,
    allowed_addresses,
    apply_rules,
    literal_blocked,
    parse_rules,
)
from collector.capture.recorder import COMPANION_HEADER
from collector.capture.settings import CaptureSettings

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) evidence-collector"
)
TIMEOUT = httpx.Timeout(30.0, connect=15.0)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to mapped or checked addresses; refuses non-public ones unless allowed."""

    def __init__(self, rules: list[MapRule], allow_private: bool, guard: bool = True) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._rules = rules
        self._allow_private = allow_private
        self._guard = guard

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        mapped_host, mapped_port = apply_rules(self._rules, host, port)
        try:
            addresses = await allowed_addresses(
                mapped_host, mapped_port, self._allow_private or not self._guard
            )
        except BlockedAddress as exc:
            raise httpcore.ConnectError(f"refused: {exc}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {mapped_host}: {exc}") from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, mapped_port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {error}")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for captures")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def ssl_context(settings: CaptureSettings) -> ssl.SSLContext:
    """System trust plus the configured extra certificate authorities."""
    context = ssl.create_default_context()
    if settings.extra_ca_file:
        context.load_verify_locations(settings.extra_ca_file)
    return context


def _headers(settings: CaptureSettings) -> dict[str, str]:
    # identity: the body bytes an adapter keeps are the bytes the server sent
    return {"User-Agent": settings.user_agent or USER_AGENT, "Accept-Encoding": "identity"}


def recorded_client(proxy_url: str, ca_file: Path, settings: CaptureSettings) -> httpx.AsyncClient:
    """A client whose traffic goes through a capture's recording proxy (and so into its WARC).

    The recorder applies the network rules itself (mapping, guard, upstream proxy); this client
    only has to trust the recorder's interception CA.
    """
    context = ssl.create_default_context(cafile=str(ca_file))
    return httpx.AsyncClient(
        proxy=proxy_url,
        verify=context,
        headers={**_headers(settings), COMPANION_HEADER: "1"},
        timeout=TIMEOUT,
        follow_redirects=True,
        max_redirects=10,
        trust_env=False,
    )


def make_client(settings: CaptureSettings) -> httpx.AsyncClient:
    """An AsyncClient for adapters; close it (`async with`) when done."""
    transport = httpx.AsyncHTTPTransport(
        verify=ssl_context(settings), proxy=settings.proxy, retries=1
    )
    pool = transport._pool  # noqa: SLF001 - httpx offers no public resolver hook
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpcore version has no pluggable network backend")
    # Through a proxy the proxy resolves names: connect to it freely, refuse literal
    # non-public destinations in the request hook instead.
    pool._network_backend = GuardedBackend(  # noqa: SLF001
        parse_rules(settings.host_resolver_rules),
        settings.allow_private,
        guard=settings.proxy is None,
    )

    async def refuse_private_literals(request: httpx.Request) -> None:
        if settings.proxy and not settings.allow_private:
            reason = literal_blocked(request.url.host)
            if reason:
                raise httpx.ConnectError(f"refused: {reason}", request=request)

    return httpx.AsyncClient(
        transport=transport,
        headers=_headers(settings),
        timeout=TIMEOUT,
        follow_redirects=True,
        max_redirects=10,
        event_hooks={"request": [refuse_private_literals]},
    )
