"""Platform settings: endpoint base URLs and limits.

Defaults < the `[platforms]` table of config.toml < `EVIDENCE_*` environment variables. Every
endpoint is configurable so anyone can point an adapter at a mirror or a local test server.

| field | environment | `[platforms]` key |
|---|---|---|
| twitter_syndication_url | EVIDENCE_TWITTER_SYNDICATION_URL | twitter_syndication_url |
| twitter_oembed_url | EVIDENCE_TWITTER_OEMBED_URL | twitter_oembed_url |
| twitter_api_url | EVIDENCE_TWITTER_API_URL (fx/vxtwitter style; empty = off) | twitter_api_url |
| twitter_graphql_url | EVIDENCE_TWITTER_GRAPHQL_URL (signed in only) | twitter_graphql_url |
| twitter_account_url | EVIDENCE_TWITTER_ACCOUNT_URL (X probe) | twitter_account_url |
| telegram_url | EVIDENCE_TELEGRAM_URL | telegram_url |
| bluesky_api_url | EVIDENCE_BLUESKY_API_URL | bluesky_api_url |
| media_max_bytes | EVIDENCE_MEDIA_MAX_BYTES | media_max_bytes |
| response_max_bytes | EVIDENCE_RESPONSE_MAX_BYTES | response_max_bytes |
| image_max_pixels | EVIDENCE_IMAGE_MAX_PIXELS | image_max_pixels |
| ytdlp_max_bytes | EVIDENCE_YTDLP_MAX_BYTES | ytdlp_max_bytes |
| ytdlp_timeout | EVIDENCE_YTDLP_TIMEOUT (seconds) | ytdlp_timeout |
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from archive.errors import EvidenceError


@dataclass(frozen=True)
class PlatformConfig:
    """Resolved platform settings."""

    twitter_syndication_url: str = "https://cdn.syndication.twimg.com"
    twitter_oembed_url: str = "https://publish.twitter.com/oembed"
    twitter_api_url: str = ""
    twitter_graphql_url: str = (
        "https://x.com/i/api/graphql/xOhkmRac04YFZmOzU9PJHg/TweetResultByRestId"
    )
    twitter_account_url: str = "https://api.x.com/1.1/account/settings.json"
    telegram_url: str = "https://t.me"
    bluesky_api_url: str = "https://public.api.bsky.app"
    media_max_bytes: int = 512 * 1024 * 1024
    response_max_bytes: int = 20 * 1024 * 1024
    image_max_pixels: int = 100_000_000
    ytdlp_max_bytes: int = 2 * 1024 * 1024 * 1024
    ytdlp_timeout: float = 600.0

    @classmethod
    def load(
        cls, section: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> "PlatformConfig":
        """Build from a `[platforms]` table and the environment (which wins)."""
        env = os.environ if env is None else env
        section = section or {}
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = section.get(spec.name)
            env_value = env.get(f"EVIDENCE_{spec.name.upper()}")
            if env_value not in (None, ""):
                raw = env_value
            if raw is None:
                continue
            values[spec.name] = _convert(spec.name, raw, spec.type)
        return cls(**values)


def _convert(name: str, raw: Any, kind: Any) -> Any:
    if kind in (int, "int", float, "float"):
        target = int if kind in (int, "int") else float
        try:
            value = target(raw)
        except (TypeError, ValueError) as exc:
            raise EvidenceError(f"platform setting {name} must be a number, got {raw!r}") from exc
        if value <= 0:
            raise EvidenceError(f"platform setting {name} must be positive, got {raw!r}")
        return value
    if not isinstance(raw, str):
        raise EvidenceError(f"platform setting {name} must be a string, got {raw!r}")
    return raw.rstrip("/") if raw.startswith(("http://", "https://")) else raw
