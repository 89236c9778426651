"""Pick the adapter for a URL: the first whose site module (or yt-dlp) takes it, else generic."""

from collector.platforms.base import Adapter
from collector.platforms.bluesky import BlueskyAdapter
from collector.platforms.config import PlatformConfig
from collector.platforms.generic import GenericAdapter
from collector.platforms.telegram import TelegramAdapter
from collector.platforms.twitter import TwitterAdapter
from collector.platforms.ytdlp import YtdlpAdapter

ADAPTERS: tuple[type[Adapter], ...] = (
    TwitterAdapter,
    TelegramAdapter,
    BlueskyAdapter,
    YtdlpAdapter,
)


def adapter_class_for(url: str) -> type[Adapter]:
    """The adapter class for `url` (GenericAdapter when no platform matches)."""
    for adapter in ADAPTERS:
        if adapter.suitable(url):
            return adapter
    return GenericAdapter


def adapter_for(url: str, config: PlatformConfig | None = None) -> Adapter:
    """An adapter instance ready to `fetch(url, client)`."""
    return adapter_class_for(url)(config)
