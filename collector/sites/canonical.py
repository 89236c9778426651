"""URL canonicalization for citations: one spelling per target.

Built on w3lib (`safe_url_string`, `canonicalize_url`: percent-encoding, IDN, query order).
What w3lib leaves to the caller is done here: relative and scheme-less URLs, default ports,
tracking parameters, and fragments that do not address content (kept: `#!/...` and `#/...`
routes of single-page sites).
"""

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3_canonicalize
from w3lib.url import safe_url_string

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "ncid",
        "spm",
        "__twitter_impression",
        "smid",
        "smtyp",
        "cid",
        "share_id",
        "rdt",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")
HOST_TRACKING = {
    # host suffix -> parameters that only track on that host
    "twitter.com": frozenset({"s", "t", "src", "ref", "lang", "cxt"}),
    "x.com": frozenset({"s", "t", "src", "ref", "lang", "cxt"}),
    "youtube.com": frozenset({"si", "feature", "pp", "ab_channel"}),
    "youtu.be": frozenset({"si", "feature"}),
    "instagram.com": frozenset({"img_index", "hl", "utm_medium"}),
    "tiktok.com": frozenset({"is_from_webapp", "sender_device", "web_id", "_r", "_t", "lang"}),
    "t.me": frozenset({"embed", "mode", "single", "comment", "userpic", "dark"}),
    "facebook.com": frozenset({"mibextid", "rdid", "__cft__[0]", "__tn__", "ref", "sfnsn"}),
    "reddit.com": frozenset({"share_id", "utm_name", "context", "ref", "ref_source"}),
    "threads.net": frozenset({"igshid", "xmt", "slof"}),
    "threads.com": frozenset({"igshid", "xmt", "slof"}),
    "bsky.app": frozenset({"ref_src"}),
}
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "blob:", "sms:", "file:")
MAX_URL_LENGTH = 8192
PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[A-Za-z0-9\-._~/?&=%+,;:@!$*()]*)?\Z")
"""URLs that `safe_url_string` splits into the parts they already have (lowercase ASCII host,
no port, no character it would quote): most links, which then skip it."""
_SEGMENT = r"/[\w~+,:@!$*()-][\w.~+,:@!$*()-]*"
ALREADY_CANONICAL = re.compile(
    rf"https?://[a-z0-9.-]*[a-z0-9-](?:(?:{_SEGMENT})*/|(?:{_SEGMENT})+)\Z", re.ASCII
)
"""URLs that are their own canonical form: lowercase host without a trailing dot or port, a
path of plain segments (none starting with a dot, no `;` parameters), no query or fragment.
Canonicalizing them is skipped (tests/extract/test_canonical.py holds this to w3lib)."""


def _host_params(host: str) -> frozenset[str]:
    """The tracking parameters of `host` or the nearest parent domain in HOST_TRACKING."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        params = HOST_TRACKING.get(".".join(labels[i:]))
        if params is not None:
            return params
    return frozenset()


def _without_tracking(query: str, host_params: frozenset[str]) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if not _is_tracking(k, host_params)])


def _is_tracking(name: str, host_params: frozenset[str]) -> bool:
    lowered = name.lower()
    return (
        lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES) or name in host_params
    )


def absolute_url(raw: str, base_url: str | None = None) -> str | None:
    """`raw` made absolute (http/https only), or None for other schemes and junk."""
    url = raw.strip().strip("\"'<>")
    if not url or len(url) > MAX_URL_LENGTH or url.lower().startswith(_SKIP_SCHEMES):
        return None
    if url.startswith("//"):
        url = "https:" + url
    elif "://" not in url[:12]:
        if base_url:
            url = urljoin(base_url, url)
        elif not url.startswith(("/", "#", "?", ".")):
            url = "https://" + url
        else:
            return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def canonicalize_url(raw: str, base_url: str | None = None) -> str | None:
    """The canonical form of a web URL (idempotent), or None when it is not an http(s) URL."""
    url = absolute_url(raw, base_url)
    return None if url is None else canonical_form(url)


def canonical_form(url: str) -> str | None:
    """`canonicalize_url` of a URL `absolute_url` has already accepted (parsed once less)."""
    if ALREADY_CANONICAL.match(url):
        return url
    try:
        parts = urlsplit(url if PLAIN_URL.match(url) else safe_url_string(url))
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port in (None, 80 if scheme == "http" else 443) else f"{shown}:{port}"
    query = parts.query and _without_tracking(parts.query, _host_params(host))
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, fragment))
    try:
        return w3_canonicalize(rebuilt, keep_fragments=bool(fragment))
    except ValueError:
        return None
