"""Bot-manager interstitials: whether a captured page is a vendor's challenge or block page.

Written by hand because the libraries of the field answer another question: presence
detectors (wafw00f, is-antibot) say that a vendor *protects* a site (a `cf-ray` header, an
`_abck` cookie, a reCAPTCHA script anywhere), which is true of most pages that were served in
full. Here only the vendor's own interstitial counts, by what its documentation and peers'
recordings show of it:

- Cloudflare: the `cf-mitigated: challenge` response header, which Cloudflare documents as set
  on every challenge page and only there (developers.cloudflare.com, "Detect a Challenge Page
  response"); or the challenge markup (`<title>Just a moment...</title>` with the
  `/cdn-cgi/challenge-platform/` script or `window._cf_chl_opt`); its block page
  ("Sorry, you have been blocked", `cf-error-details`);
- Akamai: the edge's "Access Denied" page (`Server: AkamaiGHost`, "Reference #...", a link to
  errors.edgesuite.net) and Bot Manager's crypto challenge (`/_sec/cp_challenge/`,
  `sec-if-cpt-container`);
- DataDome: the captcha/interstitial page's `var dd={...}` pointing at `captcha-delivery.com`
  (as in is-antibot's recorded DataDome page);
- PerimeterX / HUMAN: the block page's `px-captcha` element with its app id or captcha script
  (is-antibot's recorded "Robot or human?" page; wafw00f's PerimeterX rule);
- hCaptcha, reCAPTCHA, Turnstile: a widget on a page that has almost no other text (the CAPTCHA
  *is* the page; a comment form's reCAPTCHA under an article is not), and Google's own
  "unusual traffic" page.
"""

import re
from dataclasses import dataclass

from collector.capture.pagetext import PageText

INTERSTITIAL_TEXT_CHARS = 600
"""A page with a CAPTCHA widget and at most this much visible text is the CAPTCHA itself."""


@dataclass(frozen=True)
class Challenge:
    """A recognised interstitial: whose, why, and what matched."""

    vendor: str
    reason: str
    signals: list[str]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value.strip() for key, value in headers if key.lower() == name), None)


def _markers(markup: str, patterns: dict[str, str]) -> list[str]:
    return [f"markup: {label}" for label, pattern in patterns.items() if re.search(pattern, markup)]


_CF_CHALLENGE = {
    "/cdn-cgi/challenge-platform/": r"/cdn-cgi/challenge-platform/",
    "window._cf_chl_opt": r"_cf_chl_opt",
}
_CF_BLOCK_ELEMENT = r"\bcf-error-details\b"
_CF_BLOCK_TEXT = "sorry, you have been blocked"
_AKAMAI_CHALLENGE = {
    "/_sec/cp_challenge/": r"/_sec/cp_challenge/",
    "sec-if-cpt-container": r"\bsec-if-cpt-container\b",
}
_DATADOME = {
    "var dd={... captcha-delivery.com}": r"var\s+dd\s*=\s*\{[^}]*captcha-delivery\.com",
    "ct.captcha-delivery.com/c.js": r"ct\.captcha-delivery\.com/[a-z]\.js",
}
_PX_ELEMENT = r"""id\s*=\s*["']px-captcha["']"""
_PX_CONTEXT = {
    "window._pxAppId": r"_pxAppId",
    "captcha.px-cdn.net": r"captcha\.px-cdn\.net",
    "/captcha/captcha.js": r"/captcha/captcha\.js",
}
_WIDGETS = {
    "reCAPTCHA": {
        "g-recaptcha element": r"""class\s*=\s*["'][^"']*\bg-recaptcha\b""",
        "reCAPTCHA frame": r"""src\s*=\s*["'][^"']*(?:google\.com|recaptcha\.net)/recaptcha/""",
    },
    "hCaptcha": {
        "h-captcha element": r"""class\s*=\s*["'][^"']*\bh-captcha\b""",
        "hCaptcha frame": r"""src\s*=\s*["'][^"']*hcaptcha\.com/""",
    },
    "Cloudflare Turnstile": {
        "cf-turnstile element": r"""class\s*=\s*["'][^"']*\bcf-turnstile\b""",
        "Turnstile frame": r"""src\s*=\s*["'][^"']*challenges\.cloudflare\.com/""",
    },
}
_GOOGLE_SORRY = "our systems have detected unusual traffic from your computer network"


def find_challenge(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    """The interstitial the page is, if it is one.

    `headers` are the page response's fields, `markup` the server's HTML and the rendered DOM
    together, `page` the rendered page's title and visible text."""
    for rule in (_cloudflare, _akamai, _datadome, _perimeterx, _captcha):
        found = rule(status, headers, markup, page)
        if found is not None:
            return found
    return None


def _status_signal(status: int | None) -> list[str]:
    return [f"status {status}"] if status is not None else []


def _cloudflare(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    if (_header(headers, "cf-mitigated") or "").lower() == "challenge":
        signals = ["header cf-mitigated: challenge", *_status_signal(status)]
        if page.title:
            signals.append(f"title: {page.title}")
        reason = "Cloudflare challenge page (cf-mitigated: challenge)"
        return Challenge("Cloudflare", reason, signals)
    markers = _markers(markup, _CF_CHALLENGE)
    if markers and re.match(r"(?i)just a moment", page.title):
        signals = [f"title: {page.title}", *markers, *_status_signal(status)]
        return Challenge("Cloudflare", 'Cloudflare "Just a moment..." challenge', signals)
    if re.search(_CF_BLOCK_ELEMENT, markup) and _CF_BLOCK_TEXT in page.text:
        signals = ["markup: cf-error-details", f"text: {_CF_BLOCK_TEXT}", *_status_signal(status)]
        return Challenge("Cloudflare", "Cloudflare block page", signals)
    return None


def _akamai(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    challenge = _markers(markup, _AKAMAI_CHALLENGE)
    if challenge:
        return Challenge("Akamai", "Akamai Bot Manager challenge", challenge)
    server = next((v for k, v in headers if k.lower() == "server" and "akamai" in v.lower()), "")
    edge = bool(server) or "errors.edgesuite.net" in markup
    denied = page.title.lower() == "access denied" and re.search(r"reference #[\d.a-f]+", page.text)
    if edge and denied:
        signals = [f"title: {page.title}", "text: Reference #..."]
        if server:
            signals.append(f"header server: {server}")
        if "errors.edgesuite.net" in markup:
            signals.append("markup: errors.edgesuite.net")
        return Challenge("Akamai", "Akamai edge denied access", [*signals, *_status_signal(status)])
    return None


def _datadome(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    markers = _markers(markup, _DATADOME)
    if not markers:
        return None
    signals = [*markers, *_status_signal(status)]
    if (blocked := _header(headers, "x-dd-b")) is not None:
        signals.append(f"header x-dd-b: {blocked}")
    return Challenge("DataDome", "DataDome captcha page", signals)


def _perimeterx(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    if not re.search(_PX_ELEMENT, markup):
        return None
    context = _markers(markup, _PX_CONTEXT)
    if not context:
        return None
    signals = ["markup: px-captcha element", *context, *_status_signal(status)]
    return Challenge("PerimeterX", "PerimeterX (HUMAN) block page", signals)


def _captcha(
    status: int | None, headers: list[tuple[str, str]], markup: str, page: PageText
) -> Challenge | None:
    for vendor, patterns in _WIDGETS.items():
        widget = _markers(markup, patterns)
        if not widget:
            continue
        if _GOOGLE_SORRY in page.text:
            signals = [*widget, f"text: {_GOOGLE_SORRY}", *_status_signal(status)]
            return Challenge("Google", "Google's unusual-traffic CAPTCHA page", signals)
        if len(page.text) <= INTERSTITIAL_TEXT_CHARS:
            signals = [*widget, f"visible text: {len(page.text)} characters"]
            return Challenge(vendor, f"{vendor} interstitial", signals)
    return None
