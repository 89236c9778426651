"""Adapters with the investigator's login: X's GraphQL asked signed in (auth_token + ct0 as
cookies, ct0 again as x-csrf-token), the account probe, and platform data scrubbed of the
session before anything is drawn or stored from it."""

import json
from datetime import UTC, datetime

import httpx

from archive.vocabulary import Availability, RedactionReason
from collector.capture.result import CaptureResult
from collector.capture.session import session_from_state
from collector.collect.sessions import scrub_platform
from collector.platforms.config import PlatformConfig
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.session import PlatformSession
from collector.platforms.twitter import TwitterAdapter
from collector.platforms.twitter_login import account_handle
from tests.platforms.conftest import load_json, run
from tests.platforms.fakeweb import FakeWeb

AUTH = "auth-token-0123456789abcdef0123"
CT0 = "ct0-csrf-0123456789abcdefABCDEF"
POST = "https://x.com/jack/status/20"


def _x_session() -> PlatformSession:
    base = {"domain": ".x.com", "path": "/", "expires": -1, "secure": True, "sameSite": "Lax"}
    cookies = (
        {"name": "auth_token", "value": AUTH, "httpOnly": True, **base},
        {"name": "ct0", "value": CT0, "httpOnly": False, **base},
    )
    return PlatformSession("puppet", "@puppet", cookies)


def _fetch(web: FakeWeb, session: PlatformSession | None) -> tuple[PlatformResult, list]:
    sent: list[httpx.Request] = []

    async def go() -> PlatformResult:
        async with web.client() as client:
            client.event_hooks["request"] = [_keep(sent)]
            adapter = TwitterAdapter(PlatformConfig.load({}, env={}))
            adapter.session = session
            return await adapter.fetch(POST, client)

    return run(go()), sent


def _keep(sent: list[httpx.Request]):
    async def hook(request: httpx.Request) -> None:
        sent.append(request)

    return hook


def test_graphql_signed_in_first(web: FakeWeb) -> None:
    body = json.dumps(load_json("twitter-graphql", "fxembed__TweetResultByRestId_20.json"))
    web.add(PlatformConfig().twitter_graphql_url, body, content_type="application/json")
    result, sent = _fetch(web, _x_session())
    assert result.source == "twitter.graphql" and result.availability == Availability.AVAILABLE
    assert result.author_handle == "jack" and result.text and "twttr" in result.text
    (request,) = sent
    assert request.headers["x-csrf-token"] == CT0
    assert request.headers["cookie"] == f"auth_token={AUTH}; ct0={CT0}"
    assert request.headers["authorization"].startswith("Bearer ")
    assert json.loads(request.url.params["variables"])["tweetId"] == "20"


def test_no_graphql_without_session_or_x_login(web: FakeWeb) -> None:
    _result, sent = _fetch(web, None)
    assert not any("graphql" in str(r.url) for r in sent)
    result, sent = _fetch(web, PlatformSession("other", None, ()))
    assert not any("graphql" in str(r.url) for r in sent)
    assert any("has no X login" in note for note in result.notes)


def test_account_probe_names_the_handle(web: FakeWeb) -> None:
    url = PlatformConfig().twitter_account_url
    web.add(url, '{"screen_name": "puppet", "language": "en"}', content_type="application/json")

    async def go():
        async with web.client() as client:
            return await account_handle(client, PlatformConfig.load({}, env={}), _x_session())

    logged_in, handle, why = run(go())
    assert logged_in is True and handle == "@puppet" and AUTH not in why


def test_account_probe_logged_out(web: FakeWeb) -> None:
    url = PlatformConfig().twitter_account_url
    web.add(url, '{"errors": [{"code": 32}]}', status=401, content_type="application/json")

    async def go():
        async with web.client() as client:
            return await account_handle(client, PlatformConfig.load({}, env={}), _x_session())

    assert run(go())[:2] == (False, None)


def test_platform_data_scrubbed_of_the_session() -> None:
    storage = {"cookies": [dict(c) for c in _x_session().cookies], "origins": []}
    session = session_from_state("puppet", storage, "@puppet")
    rotated = "rotated-ct0-value-9876543210"
    raw = RawResponse(
        "twitter.graphql", f"https://x.com/i/api/graphql/q?ct0={CT0}", 200,
        [("content-type", "application/json"), ("set-cookie", f"ct0={rotated}; Path=/")],
        json.dumps({"echo": AUTH, "again": rotated}).encode(), "application/json",
        datetime.now(UTC),
    )  # fmt: skip
    result = PlatformResult("twitter", POST, "20", text=f"token {CT0}", raw=[raw])
    result.extra["debug"] = {"ct0": CT0}
    capture = CaptureResult.__new__(CaptureResult)
    capture.details = {"redactions": [{"artifact": "dom", "field": "content", "reason": "x"}]}
    clean = scrub_platform(result, session, capture)
    everything = repr(clean).encode() + clean.raw[0].body
    for secret in (AUTH, CT0, rotated):
        assert secret.encode() not in everything
    assert ("set-cookie", "[redacted:set-cookie]") in clean.raw[0].headers
    assert len(clean.raw[0].body) == len(raw.body), "same-length markers keep offsets"
    reasons = {r["reason"] for r in capture.details["redactions"][1:]}
    assert {RedactionReason.SET_COOKIE, RedactionReason.SESSION_VALUE} <= reasons
    assert all(set(r) >= {"artifact", "field", "reason"} for r in capture.details["redactions"])


def test_platform_data_scrubbed_of_what_the_page_rotated() -> None:
    storage = {"cookies": [dict(c) for c in _x_session().cookies], "origins": []}
    session = session_from_state("puppet", storage, "@puppet")
    rotated_in_page = "page-rotated-auth-token-5550123"
    result = PlatformResult("twitter", POST, "20", text=f"echoed {rotated_in_page}")
    capture = CaptureResult.__new__(CaptureResult)
    capture.details = {}
    capture.session_secrets = frozenset({rotated_in_page})  # learned by the capture's scrubber
    clean = scrub_platform(result, session, capture)
    assert rotated_in_page not in (clean.text or "")
    assert len(clean.text or "") == len(result.text or "")
