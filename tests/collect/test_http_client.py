"""The adapters' HTTP client obeys the capture network rules: mapping, CA, SSRF guard, proxy."""

import asyncio

import httpx
import pytest

from collector.capture.client import make_client
from collector.capture.settings import CaptureSettings
from tests.world.server import World


def _get(settings: CaptureSettings, url: str) -> httpx.Response:
    async def run() -> httpx.Response:
        async with make_client(settings) as client:
            return await client.get(url)

    return asyncio.run(run())


def test_mapped_real_hostname_over_tls_with_test_ca(test_world: World) -> None:
    settings = CaptureSettings(
        host_resolver_rules=test_world.resolver_rules,
        extra_ca_file=str(test_world.ca_file),
        allow_private=True,
    )
    response = _get(settings, "https://t.co/abc123")
    assert [str(r.url) for r in response.history] == [
        "https://t.co/abc123",
        "https://bit.ly/3xYz",
        "https://x.com/i/web/status/1234567890",
    ]
    assert str(response.url) == "https://www.example.test/static/page.html?n=short"
    assert response.status_code == 200


def test_unknown_ca_is_refused(test_world: World) -> None:
    settings = CaptureSettings(host_resolver_rules=test_world.resolver_rules, allow_private=True)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _get(settings, "https://x.com/")


def test_private_addresses_refused_by_default(test_world: World) -> None:
    with pytest.raises(httpx.ConnectError, match="loopback address"):
        _get(CaptureSettings(), test_world.http("/static/page.html"))
    mapped = CaptureSettings(
        host_resolver_rules=test_world.resolver_rules, extra_ca_file=str(test_world.ca_file)
    )
    with pytest.raises(httpx.ConnectError, match="loopback address"):
        _get(mapped, "https://x.com/")
    assert _get(
        CaptureSettings(allow_private=True), test_world.http("/static/page.html")
    ).is_success


def test_literal_private_destination_refused_through_proxy() -> None:
    settings = CaptureSettings(proxy="http://127.0.0.1:9")
    with pytest.raises(httpx.ConnectError, match="refused: 10.0.0.1 is a private address"):
        _get(settings, "http://10.0.0.1/")
