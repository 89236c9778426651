"""Acquire one URL: the browser capture and, for platform URLs, the post's own data.

The two run side by side. An adapter whose site is `recorded` (X/Twitter, Telegram, Bluesky;
see `collector.sites`) fetches the post's structured data through the capture's own recording
proxy, so its answers are in the same WARC as the page; yt-dlp sites run beside the capture.
Logged in, both kinds of adapter get the session, and what they return is scrubbed of every
secret the page capture and the adapter's own client saw before anything is kept.
Media and the post's t.co links are then fetched over the adapters' guarded HTTP client
(outside the page's time budget); any other page
gets its metadata (OpenGraph, JSON-LD, cards) read from the HTML the browser capture received,
so a plain link costs one fetch. A failing adapter never loses the browser capture: the error
is kept with the result and stored as a note. A post's platform data is then drawn as its post
card (`post_card.py`) with the engine's browser, whatever the page itself showed.
"""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from collector.capture.client import recorded_client
from collector.capture.engine import CaptureEngine, Companion
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.scrub import Scrubber
from collector.collect.imagework import ImageWork
from collector.collect.post_card import CardRenderer, PostCard, make_post_card
from collector.collect.sessions import SessionPicker, Use, scrub_platform
from collector.platforms import media
from collector.platforms.base import Adapter
from collector.platforms.config import PlatformConfig
from collector.platforms.generic import GenericAdapter, parse_page
from collector.platforms.registry import adapter_for, site_adapter_for
from collector.platforms.result import PlatformResult
from collector.sites.registry import SHORT_LINK_HOSTS

MAX_SHORT_LINKS = 20


async def resolve_short_links(
    result: PlatformResult, client: httpx.AsyncClient
) -> list[dict[str, Any]]:
    """Follow the post's t.co links (and its quoted/parent post's) and record every hop."""
    resolutions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for post in (result, result.quoted, result.reply_to):
        for link in post.links if post else []:
            url = link.url
            if url in seen or httpx.URL(url).host not in SHORT_LINK_HOSTS:
                continue
            seen.add(url)
            if len(seen) > MAX_SHORT_LINKS:
                return resolutions
            resolutions.append(await _resolve(client, url))
    return resolutions


async def _resolve(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        async with client.stream("GET", url) as response:
            hops = [
                {"url": str(r.url), "status": r.status_code, "location": r.headers.get("location")}
                for r in response.history
            ]
            hops.append({"url": str(response.url), "status": response.status_code})
            return {"url": url, "final_url": str(response.url), "chain": hops}
    except httpx.HTTPError as exc:
        return {"url": url, "error": f"{type(exc).__name__}: {exc}"}


@dataclass
class Acquisition:
    """What one URL yielded: the browser capture and the platform data (if any)."""

    url: str
    capture: CaptureResult
    platform: PlatformResult | None = None
    notes: list[str] = field(default_factory=list)
    post_card: PostCard | None = None
    images: ImageWork | None = None
    """The screenshots' checks and thumbnail, started while the page was captured."""
    session: str | None = None
    """The name of the login session the capture was made with, if any."""


class Acquirer:
    """Runs browser captures and platform fetches with shared engine, client and settings."""

    def __init__(
        self,
        engine: CaptureEngine,
        client: httpx.AsyncClient,
        config: PlatformConfig,
        sessions: SessionPicker | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.config = config
        self.sessions = sessions
        self.cards = CardRenderer(engine.browser) if engine is not None else None

    async def session_turn(self, url: str, sessions: SessionPicker | None = None) -> Use | None:
        """The session `url` is captured with (`sessions`, else the acquirer's own picker),
        once its rate limit lets it start; None when it is captured logged out. Callers wait
        for this before taking a browser slot, so a paced session never holds one idle."""
        picker = sessions or self.sessions
        record = picker.record_for(url) if picker is not None else None
        if record is None or picker is None:
            return None
        await picker.wait_turn(record)
        return picker.use(record)

    async def acquire(
        self,
        url: str,
        *,
        platform_data: bool = True,
        sessions: SessionPicker | None = None,
        turn: Use | None = None,
    ) -> Acquisition:
        """Capture `url`, logged in when a session applies (`turn`, from `session_turn`;
        without one it is taken here); never raises for a bad page or a failing platform.
        The screenshots' image checks start as soon as they are taken (`Acquisition.images`)."""
        use = turn or await self.session_turn(url, sessions)
        images = ImageWork()
        acquisition = await self._acquire(url, platform_data, use, images.start)
        acquisition.images = images
        if use is not None:
            acquisition.session = use.record.name
            acquisition.notes.extend(use.picker.after(use.record, acquisition.capture))
        return acquisition

    async def _acquire(
        self,
        url: str,
        platform_data: bool,
        use: Use | None,
        on_shots: Callable[[list[ArtifactData]], None],
    ) -> Acquisition:
        session = use.capture if use is not None else None
        capture_page = functools.partial(
            self.engine.capture, url, session=session, on_screenshots=on_shots
        )
        if not platform_data:
            return Acquisition(url, await capture_page())
        adapter = site_adapter_for(url, self.config)
        if adapter is not None and adapter.recorded():  # the site module says (sites.<site>)
            # what it sends with the login is in the WARC, scrubbed with the page
            adapter.session = use.platform if use is not None else None
            capture = await capture_page(self._recorded_fetch(adapter, url))
            fetched = capture.companion_result
        else:  # beside the page, which is not kept waiting for yt-dlp's answer to `suitable`
            page = asyncio.ensure_future(capture_page())
            try:
                adapter = adapter or await asyncio.to_thread(adapter_for, url, self.config)
            except BaseException:
                page.cancel()
                await asyncio.wait({page})
                raise
            if isinstance(adapter, GenericAdapter):
                capture = await page
                return Acquisition(url, capture, self._page_metadata(capture))
            # yt-dlp: the login in its own cookie jar, in memory (`platforms/ytdlp.py`)
            adapter.session = use.platform if use is not None else None
            capture, fetched = await asyncio.gather(
                page, self._guarded(adapter.fetch(url, self.client))
            )
        if session is not None and isinstance(fetched, PlatformResult):
            fetched = scrub_platform(fetched, session, capture, adapter.seen_secrets)
        if isinstance(fetched, BaseException) or fetched is None:
            reason = f"{type(fetched).__name__}: {fetched}" if fetched else "no answer"
            if session is not None:
                known = session.all_secrets() | capture.session_secrets | adapter.seen_secrets
                reason = Scrubber(set(known)).scrub_text(reason)[0]
            return Acquisition(
                url, capture, None, [f"{adapter.name}: platform data not fetched: {reason}"]
            )
        await self._complete(fetched)
        card = await self._post_card(capture, fetched)
        return Acquisition(url, capture, fetched, post_card=card)

    async def _post_card(self, capture: CaptureResult, result: PlatformResult) -> PostCard | None:
        """The post card, drawn with the capture's browser whatever the page showed; None when
        the platform gave no answer at all (nothing recorded to draw)."""
        if not result.raw or self.cards is None:
            return None
        try:
            return await make_post_card(
                result,
                self.cards,
                self.client,
                self.config,
                captured_at=capture.started_at,
                captured_url=capture.final_url or capture.requested_url,
            )
        except Exception as exc:  # a card bug must not lose the capture; it is recorded
            capture.details["post_card_error"] = f"{type(exc).__name__}: {exc}"
            return None

    def _recorded_fetch(self, adapter: Adapter, url: str) -> Companion:
        settings = self.engine.settings

        async def fetch(proxy_url: str, ca_file: Path) -> PlatformResult:
            async with recorded_client(proxy_url, ca_file, settings) as client:
                return await adapter.fetch(url, client)

        return fetch

    @staticmethod
    async def _guarded(awaitable: Awaitable[PlatformResult]) -> PlatformResult | BaseException:
        try:
            return await awaitable
        except Exception as exc:  # an adapter bug or network failure must not lose the capture
            return exc

    async def _complete(self, result: PlatformResult) -> None:
        """Media downloads and t.co resolution, outside the page's time budget."""
        try:
            await media.download_all(result, self.client, self.config)
        except Exception as exc:  # media failures are recorded per item; this is the rest
            result.notes.append(f"media download stopped: {type(exc).__name__}: {exc}")
        result.extra["link_resolutions"] = await resolve_short_links(result, self.client)

    @staticmethod
    def _page_metadata(capture: CaptureResult) -> PlatformResult | None:
        page = capture.artifact("server-html") or capture.artifact("dom")
        if page is None:
            return None
        result = PlatformResult(platform="generic", url=capture.final_url or capture.requested_url)
        parse_page(page.data.decode("utf-8", errors="replace"), result.url, result)
        return result
