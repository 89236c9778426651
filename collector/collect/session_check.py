"""`evidence session check`: is a stored session still logged in?

A probe per platform where one is known (X: the account-settings endpoint, which also names
the account's handle), else a plain GET of the session's check URL (or of each bound host's
front page) with its cookies, judged by the capture's own page verdict: a sign-in form or a
login wall, a 401 or 403, is logged out; a page is logged in. Nothing is stored as evidence;
the session's state records the result (a logged-out session stays marked for a check).
"""

from dataclasses import dataclass

import httpx

from archive.sessions import SessionRecord, SessionStore
from archive.vocabulary import PageVerdict, SessionCheck
from collector.capture.client import make_client
from collector.capture.scrub import Scrubber
from collector.capture.session import state_values
from collector.capture.settings import CaptureSettings
from collector.capture.verdict import PageRecord, judge
from collector.platforms.config import PlatformConfig
from collector.platforms.session import PlatformSession
from collector.platforms.twitter_login import account_handle
from collector.sites import twitter

MAX_HOSTS = 3
PAGE_BYTES = 262_144


@dataclass
class CheckResult:
    """What one check found (no secret in any field)."""

    name: str
    result: SessionCheck
    reason: str
    url: str | None = None
    handle: str | None = None


def _cookie_jar(record: SessionRecord) -> httpx.Cookies:
    jar = httpx.Cookies()
    for cookie in record.cookies:
        jar.set(cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"])
    return jar


def _probe_urls(record: SessionRecord) -> list[str]:
    if record.check_url:
        return [record.check_url]
    return [f"https://{host}/" for host in record.scope[:MAX_HOSTS]]


async def _fetch_and_judge(client: httpx.AsyncClient, url: str) -> tuple[SessionCheck, str]:
    try:
        response = await client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        return SessionCheck.UNKNOWN, f"{url}: {type(exc).__name__}"
    final = str(response.url)
    if response.status_code in (401, 403):
        return SessionCheck.LOGGED_OUT, f"{final} answered HTTP {response.status_code}"
    html = response.content[:PAGE_BYTES].decode("utf-8", errors="replace")
    verdict = judge(
        PageRecord(final, response.status_code, list(response.headers.items()), html, html)
    )
    if verdict.verdict == PageVerdict.LOGIN_WALL:
        return SessionCheck.LOGGED_OUT, f"{final} is a login wall ({verdict.reason})"
    if 200 <= response.status_code < 300:
        answered = f"{final} answered HTTP {response.status_code}, no login wall"
        return SessionCheck.LOGGED_IN, answered
    return SessionCheck.UNKNOWN, f"{final} answered HTTP {response.status_code}"


async def probe(
    record: SessionRecord, settings: CaptureSettings, platforms: PlatformConfig
) -> CheckResult:
    """Check one session over the guarded client (same network rules as captures)."""
    async with make_client(settings) as client:
        if record.covers(twitter.CANONICAL_HOST) and not record.check_url:
            session = PlatformSession(record.name, record.handle, tuple(record.cookies))
            logged_in, handle, why = await account_handle(client, platforms, session)
            if logged_in is not None:
                found = SessionCheck.LOGGED_IN if logged_in else SessionCheck.LOGGED_OUT
                return CheckResult(record.name, found, why, platforms.twitter_account_url, handle)
        client.cookies = _cookie_jar(record)
        found, why, url = SessionCheck.UNKNOWN, "nothing to probe", None
        for url in _probe_urls(record):
            found, why = await _fetch_and_judge(client, url)
            if found != SessionCheck.UNKNOWN:
                break
        return CheckResult(record.name, found, why, url)


async def check_session(
    store: SessionStore, name: str, settings: CaptureSettings, platforms: PlatformConfig
) -> CheckResult:
    """Probe the session `name`, record the outcome in its state (and a handle learned)."""
    record = store.get(name)
    result = await probe(record, settings, platforms)
    scrubber = Scrubber(set(state_values(record.storage_state)))
    result.reason = scrubber.scrub_text(result.reason)[0]
    result.url = scrubber.scrub_text(result.url)[0] if result.url else None
    if result.result != SessionCheck.UNKNOWN:
        store.mark_checked(name, result.result == SessionCheck.LOGGED_IN, result.reason)
    if result.handle and result.result == SessionCheck.LOGGED_IN:
        store.update_handle(name, result.handle)
    return result
