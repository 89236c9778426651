"""The page verdict: did the capture record the page, or something standing in its place?

Judged once per capture from what was recorded (`archive.vocabulary.PageVerdict`):

1. `bot-challenge`: the page response or its markup is a bot manager's interstitial
   (`challenges.py`: Cloudflare, Akamai, DataDome, PerimeterX, CAPTCHA-only pages);
2. `login-wall` / `unavailable`: the page is on a site whose module (`collector.sites.<site>`,
   `Platform.page_rules`) recognises its own login wall or "this post is unavailable" page,
   by the final URL's path (walls that redirect), the title or the site's wording; on any
   other site, a `login-wall` is a sign-in form (a form with a password field) that is the
   page: on a sign-in path (`/login`, `/signin`, ...) or with little other text;
3. `blank`: every tile of the full-page screenshot is one and the same colour (a page whose
   scripts did not run, as an x.com status page without X's scripts);
4. else `page`.

The first that holds is the verdict; `signals` lists what matched (header names and values,
markup markers, the path, the screenshot's colour), so a reader can check it against the
stored artifacts. Anything but `page` keeps the capture from being `complete`. A capture
made with a session (logged in) that lands on a login wall says "session expired".
"""

import io
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from archive.vocabulary import PageVerdict
from collector.capture.artifacts import body_prefix
from collector.capture.challenges import find_challenge
from collector.capture.pagetext import PageText, read_page
from collector.capture.recorder import Exchange
from collector.capture.run import CaptureRun
from collector.sites.classify import base_host
from collector.sites.model import PageRule
from collector.sites.registry import platform_for_host

LOGIN_FORM = "form input[type=password]"
"""A sign-in form: a form with a password field."""
LOGIN_PATH = re.compile(
    r"(?i)/(log-?in|sign-?in|sign_in|logon|auth|authenticate|session/new|accounts/login)"
    r"(/|\.[a-z]+|$)"
)
"""Paths a site's sign-in page lives on (where a wall that redirects lands)."""
LOGIN_FORM_TEXT_CHARS = 600
"""A page with a sign-in form and at most this much visible text is the form itself."""
SESSION_EXPIRED = "session expired"


@dataclass(frozen=True)
class Verdict:
    """What the page showed, why, and what matched."""

    verdict: PageVerdict
    reason: str | None = None
    signals: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The form stored in `Capture.details["page_verdict"]`."""
        return {"verdict": self.verdict, "reason": self.reason, "signals": self.signals}


@dataclass(frozen=True)
class PageRecord:
    """What a verdict is judged from: the page response and what the browser rendered."""

    final_url: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    server_html: str = ""
    dom: str = ""
    title: str | None = None
    full_shots: list[bytes] = field(default_factory=list)
    """The full-page screenshot, one PNG per tile."""
    viewport_shot: bytes | None = None


def judge(record: PageRecord) -> Verdict:
    """The verdict on one captured page."""
    rules = _site_rules(record.final_url)
    page = read_page(
        record.dom or record.server_html,
        record.title,
        frozenset(s for rule in rules for s in rule.unless) | {LOGIN_FORM},
    )
    markup = f"{record.server_html}\n{record.dom}"
    challenge = find_challenge(record.status, record.headers, markup, page)
    if challenge is not None:
        return Verdict(PageVerdict.BOT_CHALLENGE, challenge.reason, challenge.signals)
    path = urlsplit(record.final_url).path or "/"
    for rule in rules:
        signals = _rule_signals(rule, path, page)
        if signals:
            return Verdict(rule.verdict, rule.reason, signals)
    if not rules:
        form = _login_form(path, page)
        if form is not None:
            return form
    colour = blank_colour(record.full_shots, record.viewport_shot)
    if colour is not None:
        return Verdict(
            PageVerdict.BLANK,
            f"the full-page screenshot is one uniform colour ({colour})",
            [f"screenshot: every pixel {colour}"],
        )
    return Verdict(PageVerdict.PAGE)


def _site_rules(url: str) -> tuple[PageRule, ...]:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    platform = platform_for_host(host, base_host(host)) if host else None
    return platform.page_rules if platform is not None else ()


def _rule_signals(rule: PageRule, path: str, page: PageText) -> list[str]:
    if any(selector in page.selectors for selector in rule.unless):
        return []
    signals = []
    if any(re.search(pattern, path) for pattern in rule.paths):
        signals.append(f"path: {path}")
    if any(re.search(pattern, page.title) for pattern in rule.titles):
        signals.append(f"title: {page.title}")
    signals += [f"text: {phrase}" for phrase in rule.phrases if phrase in page.text]
    return signals


def _login_form(path: str, page: PageText) -> Verdict | None:
    """A sign-in form standing for the page on a site without rules of its own."""
    if LOGIN_FORM not in page.selectors:
        return None
    signals = ["markup: a form with a password field"]
    if LOGIN_PATH.search(path):
        signals.append(f"path: {path}")
    elif len(page.text) <= LOGIN_FORM_TEXT_CHARS:
        signals.append(f"text: {len(page.text)} characters beside the form")
    else:
        return None
    return Verdict(PageVerdict.LOGIN_WALL, "the page is a sign-in form", signals)


def session_verdict(verdict: Verdict) -> Verdict:
    """The verdict of a capture made logged in: a login wall means the session expired."""
    if verdict.verdict is not PageVerdict.LOGIN_WALL:
        return verdict
    reason = f"{SESSION_EXPIRED}: {verdict.reason}"
    return Verdict(verdict.verdict, reason, [*verdict.signals, "a session was used"])


def uniform_colour(png: bytes) -> str | None:
    """`#rrggbb` when every pixel of the image has that one colour, else None (also for a
    screenshot that cannot be decoded: it is not called blank)."""
    try:
        return _uniform_colour(png)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _uniform_colour(png: bytes) -> str | None:
    with Image.open(io.BytesIO(png)) as image:
        extrema = image.getextrema()
        bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
        if any(low != high for low, high in bands):  # type: ignore[misc]
            return None
        red, green, blue = image.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    return f"#{red:02x}{green:02x}{blue:02x}"


def blank_colour(full_shots: list[bytes], viewport_shot: bytes | None) -> str | None:
    """The one colour of the whole full-page screenshot (every tile), or None.

    The viewport shot is looked at first: a page whose first screen has two colours is not
    blank, and the larger tiles need not be decoded. Without a full-page screenshot the
    viewport shot is all there is to judge."""
    if viewport_shot is not None and uniform_colour(viewport_shot) is None:
        return None
    shots = full_shots or ([viewport_shot] if viewport_shot is not None else [])
    colours = {uniform_colour(shot) for shot in shots}
    if len(colours) != 1 or None in colours:
        return None
    return colours.pop()


SERVER_HTML_BYTES = 262_144
"""How much of the server's decoded body is read for challenge markers."""


def judge_run(run: CaptureRun, main: Exchange | None, chain: list[dict[str, Any]]) -> Verdict:
    """The verdict on a finished run: its page response (`main`, None when the last main-frame
    navigation left HTTP, as t.me's script does for `tg://`), the DOM and the screenshots.

    The URL judged is the page's own when its DOM was taken (a single-page app may move to its
    login route without a navigation, as x.com does with `history.replaceState`), else the
    last hop of the redirect chain that the server answered."""
    answered = [hop["url"] for hop in chain if hop.get("status") is not None]
    head = main.response_head if main is not None else None
    dom = next((a for a in run.artifacts if a.role == "dom"), None)
    shown = dom.original_url if dom is not None else None
    if shown is None or urlsplit(shown).scheme not in ("http", "https"):
        shown = answered[-1] if answered else run.url
    verdict = judge(
        PageRecord(
            final_url=shown,
            status=main.status if main is not None else None,
            headers=list(head.headers) if head is not None else [],
            server_html=_server_html(main),
            dom=dom.data.decode("utf-8", errors="replace") if dom is not None else "",
            title=run.title,
            full_shots=[a.data for a in run.artifacts if a.role == "screenshot-full"],
            viewport_shot=next(
                (a.data for a in run.artifacts if a.role == "screenshot-viewport"), None
            ),
        )
    )
    return session_verdict(verdict) if run.session is not None else verdict


def _server_html(main: Exchange | None) -> str:
    if main is None or main.response_head is None:
        return ""
    return body_prefix(main, SERVER_HTML_BYTES).decode("utf-8", errors="replace")
