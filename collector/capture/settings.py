"""Capture settings: defaults < archive `[capture]` section < `EVIDENCE_*` environment < flags.

Every limit a capture obeys lives here, so a capture's budget is one readable object that is
also recorded with the capture.
"""

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archive.errors import EvidenceError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class CaptureSettings:
    """Budgets, limits and browser options for captures."""

    timeout_s: float = 30.0
    """Total time budget of one capture; the capture ends `partial` when it runs out."""
    quiet_s: float = 0.25
    """How long the network must be idle after load before the page counts as settled."""
    long_request_s: float = 10.0
    """A request open longer than this (stream, long poll) no longer holds up settling."""
    scroll_steps: int = 12
    """At most this many viewport-high scroll steps to trigger lazy content."""
    scroll_pause_s: float = 0.05
    max_response_bytes: int = 50 * 1024 * 1024
    """One response larger than this is cut off (recorded truncated; capture `partial`)."""
    max_total_bytes: int = 200 * 1024 * 1024
    """All responses of one capture together; beyond it, requests are refused (`partial`)."""
    max_decoded_bytes: int = 50 * 1024 * 1024
    """One response body decoded (gzip, deflate, br removed) past this is cut off (`partial`):
    a compression bomb ends here, in the recorder, before the browser expands it."""
    max_render_bytes: int = 2 * 1024 * 1024
    """The browser is given at most this much of a page document (as transferred, or decoded);
    the WARC still records up to `max_response_bytes` (capture `partial`): what a renderer
    takes to lay out a document grows faster than the document."""
    max_page_height: int = 20_000
    """Full-page screenshots cover at most this many CSS pixels (taller pages: `partial`)."""
    tile_height: int = 8_000
    """Full-page screenshots taller than this are taken as several tiles."""
    cut_tile_height: int = 1_000
    """The tile height for a page the browser was given only part of (`max_render_bytes`):
    painting a tile costs memory in proportion to its area, and such pages are the costly
    ones (a 2 GiB body's 8,000 px tile took the process tree to ~800 MB, 1,000 px ~560 MB)."""
    viewport_width: int = 1280
    viewport_height: int = 800
    locale: str = "en-US"
    timezone: str = "UTC"
    user_agent: str | None = None
    """None: the browser's own, as a person's Chrome of that build sends it (`HeadlessChrome`
    written as `Chrome`, the version reduced; `presentation.py`)."""
    proxy: str | None = None
    """Upstream proxy for every request: http://host:port or socks5://[user:pass@]host:port."""
    vantage_echo_url: str | None = None
    """A URL that answers with the caller's IP address as plain text, asked through each
    `--vantage` proxy before its capture to record the exit IP (None: not recorded)."""
    allow_private: bool = False
    """Allow loopback, private and link-local addresses (off: server-side request forgery guard)."""
    pdf: bool = False
    concurrency: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    host_resolver_rules: str = ""
    """Chromium-style `MAP host[:port] ip[:port]` rules, comma separated, for every request."""
    extra_ca_file: str | None = None
    """PEM file of extra certificate authorities trusted for upstream TLS (tests, in-house)."""
    chromium: str | None = None
    """Path of the Chromium executable; None: Playwright's own, then the system one."""
    native_cache_dir: str | None = None
    """Folder where what the browser shows natively is kept per executable (`nativecache.py`),
    so a start needs no probe browser; None or empty: probed at every start. The commands set
    it to the home's `cache/` folder."""

    @property
    def viewport(self) -> str:
        """The viewport as WIDTHxHEIGHT."""
        return f"{self.viewport_width}x{self.viewport_height}"

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for recording with a capture (the proxy without its credentials)."""
        return asdict(self) | {"proxy": redacted_proxy(self.proxy)}

    def with_overrides(self, **values: Any) -> "CaptureSettings":
        """A copy with the given non-None values replaced (CLI flags)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_sources(
        cls,
        section: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        **flags: Any,
    ) -> "CaptureSettings":
        """Build from a `[capture]` table, `EVIDENCE_*` variables and explicit flags."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for key, value in (section or {}).items():
            if key not in known:
                raise EvidenceError(f"unknown setting capture.{key} in config.toml")
            values[key] = _coerce(key, value, cls)
        for key in known:
            raw = env.get(f"EVIDENCE_{key.upper()}")
            if raw is not None and raw != "":
                values[key] = _coerce(key, raw, cls)
        if env.get("EVIDENCE_ALLOW_PRIVATE") is not None:
            values["allow_private"] = _coerce("allow_private", env["EVIDENCE_ALLOW_PRIVATE"], cls)
        for key, value in flags.items():
            if key not in known:
                raise TypeError(f"unknown capture setting {key}")
            if value is not None:
                values[key] = _coerce(key, value, cls)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise EvidenceError when a value cannot work."""
        if self.timeout_s <= 0:
            raise EvidenceError("capture timeout must be positive")
        if self.concurrency < 1:
            raise EvidenceError("capture concurrency must be at least 1")
        if self.max_render_bytes < 1:
            raise EvidenceError("max_render_bytes must be positive")
        if self.viewport_width < 100 or self.viewport_height < 100:
            raise EvidenceError("viewport must be at least 100x100")
        if self.proxy and self.proxy.split("://", 1)[0] not in ("http", "socks5", "socks5h"):
            raise EvidenceError(f"unsupported proxy {self.proxy!r}: use http://… or socks5://…")


def redacted_proxy(url: str | None) -> str | None:
    """`url` without the user name and password it may carry: what is stored and shown."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _coerce(key: str, value: Any, cls: type) -> Any:
    default = getattr(cls(), key) if key != "concurrency" else 1
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except (TypeError, ValueError):
        raise EvidenceError(f"capture setting {key}: {value!r} is not a valid value") from None
    return None if value is None else str(value)
