"""Settings, the request forgery guard, host rules and HTTP framing, without a browser."""

import asyncio

import pytest

from archive.errors import EvidenceError
from collector.capture import browser, httpwire, netguard
from collector.capture.settings import CaptureSettings


def test_settings_layers_section_env_and_flags():
    settings = CaptureSettings.from_sources(
        {"timeout_s": 12, "locale": "de-DE", "pdf": True},
        env={"EVIDENCE_TIMEOUT_S": "9.5", "EVIDENCE_ALLOW_PRIVATE": "1"},
        concurrency=3,
        pdf=None,
    )
    assert settings.timeout_s == 9.5
    assert settings.locale == "de-DE" and settings.pdf is True
    assert settings.allow_private is True and settings.concurrency == 3


@pytest.mark.parametrize(
    ("section", "env"),
    [
        ({"timeout_s": "soon"}, {}),
        ({"nonsense": 1}, {}),
        ({}, {"EVIDENCE_ALLOW_PRIVATE": "maybe"}),
        ({"proxy": "ftp://proxy:21"}, {}),
        ({"concurrency": 0}, {}),
    ],
)
def test_bad_settings_are_clear_errors(section, env):
    with pytest.raises(EvidenceError):
        CaptureSettings.from_sources(section, env=env)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public"),
    ],
)
def test_guard_refuses_non_public_addresses(address, label):
    assert label in netguard.blocked_reason(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "151.101.1.69"])
def test_guard_allows_public_addresses(address):
    assert netguard.blocked_reason(address) is None


def test_guard_checks_resolved_names():
    with pytest.raises(netguard.BlockedAddress, match="loopback"):
        asyncio.run(netguard.allowed_addresses("localhost", 80, allow_private=False))
    assert asyncio.run(netguard.allowed_addresses("localhost", 80, allow_private=True))


def test_host_rules_map_names_and_ports():
    rules = netguard.parse_rules("MAP t.co:443 127.0.0.1:8443, MAP x.com 10.0.0.1")
    assert netguard.apply_rules(rules, "T.CO", 443) == ("127.0.0.1", 8443)
    assert netguard.apply_rules(rules, "t.co", 80) == ("t.co", 80)
    assert netguard.apply_rules(rules, "x.com", 80) == ("10.0.0.1", 80)
    with pytest.raises(EvidenceError):
        netguard.parse_rules("EXCLUDE x.com")


def _relay(raw: bytes, framing: httpwire.Framing) -> tuple[bytes, bool]:
    async def run() -> tuple[bytes, bool]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        out = bytearray()

        async def emit(data: bytes) -> bool:
            out.extend(data)
            return True

        ended = await httpwire.relay_body(reader, framing, emit)
        return bytes(out), ended

    return asyncio.run(run())


def test_chunked_body_is_relayed_byte_for_byte():
    body = b"5;ext=1\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n"
    assert _relay(body + b"NEXT", httpwire.Framing("chunked")) == (body, True)


def test_length_body_stops_at_its_length_and_close_reads_to_the_end():
    assert _relay(b"abcdefgh", httpwire.Framing("length", 3)) == (b"abc", True)
    assert _relay(b"abcdefgh", httpwire.Framing("close")) == (b"abcdefgh", True)
    with pytest.raises(httpwire.WireError):
        _relay(b"ab", httpwire.Framing("length", 3))


def test_response_framing_rules():
    head = httpwire.parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    assert httpwire.response_framing(head, "GET") == httpwire.Framing("length", 10)
    assert httpwire.response_framing(head, "HEAD").kind == "none"
    chunked = httpwire.parse_head(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n"
    )
    assert httpwire.response_framing(chunked, "GET").kind == "chunked"
    bare = httpwire.parse_head(b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\n")
    assert httpwire.response_framing(bare, "GET").kind == "close"
    not_modified = httpwire.parse_head(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n")
    assert httpwire.response_framing(not_modified, "GET").kind == "none"
    with pytest.raises(httpwire.WireError):
        httpwire.response_framing(
            httpwire.parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"), "GET"
        )


def test_chromium_choice_order(tmp_path):
    bundled = tmp_path / "chrome"
    settings = CaptureSettings()
    system = browser.choose_chromium(str(bundled), settings, env={})
    assert system.origin == "system" and system.name.startswith("Chromium")
    bundled.write_text("")
    assert browser.choose_chromium(str(bundled), settings, env={}) == browser.BrowserChoice(
        None, "playwright"
    )
    chosen = browser.choose_chromium(
        str(bundled), settings, env={"EVIDENCE_CHROMIUM": str(bundled)}
    )
    assert chosen == browser.BrowserChoice(str(bundled), "EVIDENCE_CHROMIUM")
    with pytest.raises(EvidenceError, match="not a file"):
        browser.choose_chromium(str(bundled), CaptureSettings(chromium=str(tmp_path / "no")))
