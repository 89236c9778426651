"""`evidence session check`: is a stored session still logged in?

A probe per platform where one is known (X: the account-settings endpoint, which also names
the account's handle). Otherwise the session's check URL (or each bound host's front page) is
fetched twice over the guarded client, with the session's cookies and without any, and
judged by the capture's own page verdict:

- with the session, a 401/403, a login wall or a landing on a sign-in path: logged out;
- logged in only on positive evidence: without the session the page is a login wall (401/403,
  a sign-in form, a sign-in path) while with it it is not; or, with it, the server sets or
  keeps one of the session's own cookies and the page's visible text differs materially from
  the one shown without it;
- anything else is "cannot tell" (a public page looks the same either way): never a false
  "logged in". No usable answer at all (a network error, a 5xx) is "unknown".

Nothing is stored as evidence; the session's state records a logged-in or logged-out result
(a logged-out session stays marked for a check).
"""

import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie
from urllib.parse import urlsplit

import httpx

from archive.sessions import SessionRecord, SessionStore
from archive.vocabulary import PageVerdict, SessionCheck
from collector.capture.client import make_client
from collector.capture.pagetext import read_page
from collector.capture.scrub import Scrubber
from collector.capture.session import state_values
from collector.capture.settings import CaptureSettings
from collector.capture.verdict import LOGIN_PATH, PageRecord, judge
from collector.platforms.config import PlatformConfig
from collector.platforms.session import PlatformSession
from collector.platforms.twitter_login import account_handle
from collector.sites import twitter

MAX_HOSTS = 3
PAGE_BYTES = 262_144
SAME_TEXT_RATIO = 0.9
"""Visible texts at least this similar (difflib's ratio over their words) do not differ
materially: a clock, a nonce or a rotating teaser is not a logged-in page."""
DENIED = (401, 403)
EXIT_CODES = {
    SessionCheck.LOGGED_IN: 0,
    SessionCheck.LOGGED_OUT: 1,
    SessionCheck.CANNOT_TELL: 3,
    SessionCheck.UNKNOWN: 4,
}
"""`evidence session check`'s exit code for each result (2 is the command line's usage error)."""


@dataclass
class CheckResult:
    """What one check found (no secret in any field)."""

    name: str
    result: SessionCheck
    reason: str
    url: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class _Seen:
    """One fetch of a probe URL: where it ended, how, and what it showed."""

    url: str
    status: int
    wall: str | None
    """Why the answer is a login wall (401/403, sign-in form, sign-in path), else None."""
    text: str
    kept: frozenset[str]
    """The names of the cookies the answer set and did not expire."""

    @property
    def page(self) -> bool:
        """A 2xx page that is no login wall."""
        return 200 <= self.status < 300 and self.wall is None


def _cookie_jar(record: SessionRecord) -> httpx.Cookies:
    jar = httpx.Cookies()
    for cookie in record.cookies:
        jar.set(cookie["name"], cookie["value"], domain=cookie["domain"], path=cookie["path"])
    return jar


def _probe_urls(record: SessionRecord) -> list[str]:
    if record.check_url:
        return [record.check_url]
    return [f"https://{host}/" for host in record.scope[:MAX_HOSTS]]


def _kept_cookies(response: httpx.Response) -> frozenset[str]:
    """The cookies each answer of the chain set without expiring them at once."""
    kept = set()
    for answer in [*response.history, response]:
        for header in answer.headers.get_list("set-cookie"):
            try:
                jar: SimpleCookie = SimpleCookie(header)
            except CookieError:
                continue
            kept.update(name for name, morsel in jar.items() if _lasting(morsel))
    return frozenset(kept)


def _lasting(morsel: Morsel[str]) -> bool:
    """False for a cookie the answer deletes (empty, `Max-Age` <= 0, `Expires` past)."""
    if not morsel.value:
        return False
    max_age = morsel["max-age"].strip()
    if max_age.lstrip("-").isdigit() and int(max_age) <= 0:
        return False
    try:
        expires = parsedate_to_datetime(morsel["expires"]) if morsel["expires"] else None
    except (TypeError, ValueError):
        expires = None
    return expires is None or expires.timestamp() > time.time()


async def _fetch(client: httpx.AsyncClient, url: str) -> _Seen | str:
    """What `url` showed to `client`, or why there is no answer."""
    try:
        response = await client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        return f"{url}: {type(exc).__name__}"
    final = str(response.url)
    html = response.content[:PAGE_BYTES].decode("utf-8", errors="replace")
    verdict = judge(
        PageRecord(final, response.status_code, list(response.headers.items()), html, html)
    )
    wall = None
    if response.status_code in DENIED:
        wall = f"HTTP {response.status_code}"
    elif verdict.verdict == PageVerdict.LOGIN_WALL:
        wall = f"a login wall ({verdict.reason})"
    elif LOGIN_PATH.search(urlsplit(final).path) and final != url:
        wall = "sent to a sign-in path"
    text = read_page(html, None).text
    return _Seen(final, response.status_code, wall, text, _kept_cookies(response))


def _material(one: str, other: str) -> bool:
    """True when two visible texts differ by more than a clock or a nonce would."""
    return SequenceMatcher(None, one.split(), other.split()).ratio() < SAME_TEXT_RATIO


def _judge(with_it: _Seen | str, without: _Seen | str, names: set[str]) -> tuple[SessionCheck, str]:
    """What the fetches of one URL with and without the session tell, and why."""
    if isinstance(with_it, str):
        return SessionCheck.UNKNOWN, with_it
    if with_it.wall is not None:
        return SessionCheck.LOGGED_OUT, f"{with_it.url} with the session: {with_it.wall}"
    if not with_it.page:
        return SessionCheck.UNKNOWN, f"{with_it.url} answered HTTP {with_it.status}"
    shown = f"with the session {with_it.url} answered HTTP {with_it.status}"
    if isinstance(without, str):
        return SessionCheck.CANNOT_TELL, f"{shown}; without it: {without}"
    if without.wall is not None:
        return SessionCheck.LOGGED_IN, f"{shown}; without it, {without.url}: {without.wall}"
    kept = sorted(with_it.kept & names)
    if kept and _material(with_it.text, without.text):
        return SessionCheck.LOGGED_IN, (
            f"{shown}, keeping the session's cookie {', '.join(kept)}, and its page differs "
            "from the one shown without the session"
        )
    why = "the same page" if not _material(with_it.text, without.text) else "a different page"
    return SessionCheck.CANNOT_TELL, (
        f"{shown}; without the session it shows {why} and no login wall: nothing shows the "
        "session is logged in (give a members-only page with --check-url)"
    )


async def _plain_probe(record: SessionRecord, settings: CaptureSettings) -> CheckResult:
    """The two-fetch probe of each probe URL until one tells."""
    names = {str(c["name"]) for c in record.cookies}
    found, why, url = SessionCheck.UNKNOWN, "nothing to probe", None
    async with make_client(settings) as signed, make_client(settings) as anonymous:
        signed.cookies = _cookie_jar(record)
        for url in _probe_urls(record):
            with_it = await _fetch(signed, url)
            without = await _fetch(anonymous, url)
            result, reason = _judge(with_it, without, names)
            if result in (SessionCheck.LOGGED_IN, SessionCheck.LOGGED_OUT):
                return CheckResult(record.name, result, reason, url)
            if found == SessionCheck.UNKNOWN or result == SessionCheck.CANNOT_TELL:
                found, why = result, reason
    return CheckResult(record.name, found, why, url)


async def probe(
    record: SessionRecord, settings: CaptureSettings, platforms: PlatformConfig
) -> CheckResult:
    """Check one session over the guarded client (same network rules as captures)."""
    if record.covers(twitter.CANONICAL_HOST) and not record.check_url:
        session = PlatformSession(record.name, record.handle, tuple(record.cookies))
        async with make_client(settings) as client:
            logged_in, handle, why = await account_handle(client, platforms, session)
        if logged_in is not None:
            found = SessionCheck.LOGGED_IN if logged_in else SessionCheck.LOGGED_OUT
            return CheckResult(record.name, found, why, platforms.twitter_account_url, handle)
    return await _plain_probe(record, settings)


async def check_session(
    store: SessionStore, name: str, settings: CaptureSettings, platforms: PlatformConfig
) -> CheckResult:
    """Probe the session `name`, record the outcome in its state (and a handle learned)."""
    record = store.get(name)
    result = await probe(record, settings, platforms)
    scrubber = Scrubber(set(state_values(record.storage_state)))
    result.reason = scrubber.scrub_text(result.reason)[0]
    result.url = scrubber.scrub_text(result.url)[0] if result.url else None
    if result.result in (SessionCheck.LOGGED_IN, SessionCheck.LOGGED_OUT):
        store.mark_checked(name, result.result == SessionCheck.LOGGED_IN, result.reason)
    if result.handle and result.result == SessionCheck.LOGGED_IN:
        store.update_handle(name, result.handle)
    return result
