"""The adapter interface: `suitable(url)`, `match(url)` and `async fetch(url, client)`.

An adapter fetches the posts of one site: which URLs those are is the site module's
(`collector.sites.<site>`), the same rules the extractor classifies citations with, so a URL
the extractor calls a post of that site is exactly a URL its adapter takes.
"""

from abc import ABC, abstractmethod
from typing import ClassVar

import httpx

from archive.vocabulary import CitationKind
from collector.platforms.config import PlatformConfig
from collector.platforms.fetching import fetch_into
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.session import PlatformSession
from collector.sites.classify import classify_url
from collector.sites.model import Platform, UrlInfo


class Adapter(ABC):
    """One platform: which URLs it takes and how it turns one into a `PlatformResult`."""

    name: ClassVar[str]
    site: ClassVar[Platform | None] = None
    """The site whose posts this adapter fetches."""

    def __init__(self, config: PlatformConfig | None = None) -> None:
        self.config = config or PlatformConfig.load()
        self.session: PlatformSession | None = None
        """The investigator's login, when the capture uses one (`collect/acquire.py`)."""
        self.seen_secrets: set[str] = set()
        """Credential values the adapter's own client held or was sent outside the recording
        proxy (yt-dlp's cookie jar after a fetch): kept in memory only, so the platform data
        can be scrubbed of them too."""

    @classmethod
    def recorded(cls) -> bool:
        """True when its requests go through the capture's recording proxy (see `Platform`)."""
        return cls.site is not None and cls.site.recorded

    @classmethod
    def match(cls, url: str) -> UrlInfo | None:
        """The post `url` names when it is a post of this adapter's site, else None."""
        site = cls.site
        if site is None:
            return None
        info = classify_url(url.strip())
        if info is None or info.platform != site.name or info.kind != CitationKind.POST:
            return None
        return info

    @classmethod
    def suitable(cls, url: str) -> bool:
        """True when this adapter handles `url`."""
        return cls.match(url) is not None

    @abstractmethod
    async def fetch(self, url: str, client: httpx.AsyncClient) -> PlatformResult:
        """Fetch and parse the post at `url`; never raises for a dead post (that is data)."""

    async def get(
        self,
        client: httpx.AsyncClient,
        result: PlatformResult,
        name: str,
        url: str,
        params: dict[str, str] | None = None,
        ok_only: bool = False,
    ) -> RawResponse | None:
        """GET within the response limit; the answer lands in `result.raw`, a failure in notes.

        With `ok_only`, a non-200 answer is kept but noted and None is returned.
        """
        limit = self.config.response_max_bytes
        raw = await fetch_into(result, client, name, url, max_bytes=limit, params=params)
        if ok_only and raw is not None and raw.status != 200:
            result.notes.append(f"{name}: HTTP {raw.status}")
            return None
        return raw
