"""The adapter interface: URL patterns, `suitable(url)` and `async fetch(url, client)`.

In the spirit of yt-dlp's extractors each adapter owns its URL patterns (compiled regexes with
named groups such as `post_id`, `handle`, `channel`), so the registry needs nothing else.
"""

import re
from abc import ABC, abstractmethod
from typing import ClassVar

import httpx

from collector.platforms.config import PlatformConfig
from collector.platforms.fetching import fetch_into
from collector.platforms.result import PlatformResult, RawResponse


class Adapter(ABC):
    """One platform: which URLs it takes and how it turns one into a `PlatformResult`."""

    name: ClassVar[str]
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = ()

    def __init__(self, config: PlatformConfig | None = None) -> None:
        self.config = config or PlatformConfig.load()

    @classmethod
    def match(cls, url: str) -> re.Match[str] | None:
        """The first pattern match for `url`, or None."""
        for pattern in cls.url_patterns:
            found = pattern.match(url.strip())
            if found:
                return found
        return None

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
