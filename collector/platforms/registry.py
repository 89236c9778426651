"""Pick the adapter for a URL: the first whose site module (or yt-dlp) takes it, else generic."""

from collector.platforms.base import Adapter
from collector.platforms.bluesky import BlueskyAdapter
from collector.platforms.config import PlatformConfig
from collector.platforms.generic import GenericAdapter
from collector.platforms.telegram import TelegramAdapter
from collector.platforms.twitter import TwitterAdapter
from collector.platforms.ytdlp import YtdlpAdapter, extractors

SITE_ADAPTERS: tuple[type[Adapter], ...] = (TwitterAdapter, TelegramAdapter, BlueskyAdapter)
"""The adapters whose URLs their site modules know: asking them imports nothing."""
ADAPTERS: tuple[type[Adapter], ...] = (*SITE_ADAPTERS, YtdlpAdapter)


def adapter_class_for(url: str) -> type[Adapter]:
    """The adapter class for `url` (GenericAdapter when no platform matches)."""
    for adapter in ADAPTERS:
        if adapter.suitable(url):
            return adapter
    return GenericAdapter


def site_adapter_for(url: str, config: PlatformConfig | None = None) -> Adapter | None:
    """The adapter `adapter_for` gives when one of SITE_ADAPTERS takes `url`; None when the
    choice is yt-dlp's or no one's (asking yt-dlp imports its extractors, 0.3 s cold)."""
    for adapter in SITE_ADAPTERS:
        if adapter.suitable(url):
            return adapter(config)
    return None


def load_adapters() -> None:
    """Import what choosing an adapter and reading a generic page load on first use (yt-dlp's
    extractors, extruct with lxml), so that a caller can do it ahead of the first capture."""
    import extruct  # noqa: F401  (imported for its side effect: the import itself)

    extractors()


def adapter_for(url: str, config: PlatformConfig | None = None) -> Adapter:
    """An adapter instance ready to `fetch(url, client)`."""
    return adapter_class_for(url)(config)
