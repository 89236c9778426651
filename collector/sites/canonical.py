"""URL canonicalization for citations: one spelling per target.

Built on w3lib (`safe_url_string`, `canonicalize_url`: percent-encoding, IDN, query order).
What w3lib leaves to the caller is done here: relative and scheme-less URLs, default ports,
tracking parameters, and fragments that do not address content (kept: `#!/...` and `#/...`
routes of single-page sites).
"""

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


def _host_params(host: str) -> frozenset[str]:
    for suffix, params in HOST_TRACKING.items():
        if host == suffix or host.endswith("." + suffix):
            return params
    return frozenset()


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
    if url is None:
        return None
    try:
        parts = urlsplit(safe_url_string(url))
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    scheme = parts.scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port in (None, 80 if scheme == "http" else 443) else f"{shown}:{port}"
    host_params = _host_params(host)
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(k, host_params)
        ]
    )
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, fragment))
    try:
        return w3_canonicalize(rebuilt, keep_fragments=bool(fragment))
    except ValueError:
        return None
