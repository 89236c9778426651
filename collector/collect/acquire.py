"""Acquire one URL: the browser capture and, for platform URLs, the post's own data.

The two run side by side. A platform adapter (X/Twitter, Telegram, Bluesky, yt-dlp sites)
fetches the post's structured data and media over the adapters' HTTP client; any other page
gets its metadata (OpenGraph, JSON-LD, cards) read from the HTML the browser capture received,
so a plain link costs one fetch. A failing adapter never loses the browser capture: the error
is kept with the result and stored as a note.
"""

import asyncio
from dataclasses import dataclass, field

import httpx

from collector.capture.engine import CaptureEngine
from collector.capture.result import CaptureResult
from collector.platforms import media
from collector.platforms.base import Adapter
from collector.platforms.config import PlatformConfig
from collector.platforms.generic import GenericAdapter, parse_page
from collector.platforms.registry import adapter_for
from collector.platforms.result import PlatformResult


@dataclass
class Acquisition:
    """What one URL yielded: the browser capture and the platform data (if any)."""

    url: str
    capture: CaptureResult
    platform: PlatformResult | None = None
    notes: list[str] = field(default_factory=list)


class Acquirer:
    """Runs browser captures and platform fetches with shared engine, client and settings."""

    def __init__(
        self, engine: CaptureEngine, client: httpx.AsyncClient, config: PlatformConfig
    ) -> None:
        self.engine = engine
        self.client = client
        self.config = config

    async def acquire(self, url: str, *, platform_data: bool = True) -> Acquisition:
        """Capture `url`; never raises for a bad page or a failing platform."""
        adapter = adapter_for(url, self.config)
        if not platform_data:
            return Acquisition(url, await self.engine.capture(url))
        if isinstance(adapter, GenericAdapter):
            capture = await self.engine.capture(url)
            return Acquisition(url, capture, self._page_metadata(capture))
        capture, fetched = await asyncio.gather(
            self.engine.capture(url), self._fetch(adapter, url), return_exceptions=False
        )
        platform, notes = fetched
        return Acquisition(url, capture, platform, notes)

    async def _fetch(self, adapter: Adapter, url: str) -> tuple[PlatformResult | None, list[str]]:
        try:
            result = await adapter.fetch(url, self.client)
        except Exception as exc:  # an adapter bug or network failure must not lose the capture
            reason = f"{type(exc).__name__}: {exc}"
            return None, [f"{adapter.name}: platform data not fetched: {reason}"]
        try:
            await media.download_all(result, self.client, self.config)
        except Exception as exc:  # media failures are recorded per item; this is the rest
            result.notes.append(f"media download stopped: {type(exc).__name__}: {exc}")
        return result, []

    @staticmethod
    def _page_metadata(capture: CaptureResult) -> PlatformResult | None:
        page = capture.artifact("server-html") or capture.artifact("dom")
        if page is None:
            return None
        result = PlatformResult(platform="generic", url=capture.final_url or capture.requested_url)
        parse_page(page.data.decode("utf-8", errors="replace"), result.url, result)
        return result
