"""X/Twitter posts from the public endpoints real tools use.

Signed in (a session with an X login, see `twitter_login.py`), X's own GraphQL answer comes
first, and stands when it shows the post. Then, in order: the syndication endpoint
(`<EVIDENCE_TWITTER_SYNDICATION_URL>/tweet-result?id=&token=`,
full data incl. media variants, quotes and parents); an fxtwitter/vxtwitter-style API when
`EVIDENCE_TWITTER_API_URL` is set; oEmbed (`EVIDENCE_TWITTER_OEMBED_URL`; author, text, links,
day); last, the status page itself (which a plain client gets as x.com's migrate interstitial).
Each answer is kept as a raw response whatever it says; why a step was skipped or failed is
in `result.notes`.
"""

import httpx

from archive.vocabulary import Availability
from collector.platforms import twitter_parse as parse
from collector.platforms.base import Adapter
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.twitter_login import fetch_graphql
from collector.platforms.twitter_token import syndication_token
from collector.sites import twitter

# Query react-tweet sends (see the fixtures' unavailable_and_tombstone_shapes.json).
SYNDICATION_FEATURES = (
    "tfw_timeline_list:;tfw_follower_count_sunset:true;tfw_tweet_edit_backend:on;"
    "tfw_refsrc_session:on;tfw_fosnr_soft_interventions_enabled:on;"
    "tfw_show_birdwatch_pivots_enabled:on;tfw_show_business_verified_badge:on;"
    "tfw_duplicate_scribes_to_settings:on;tfw_use_profile_image_shape_enabled:on;"
    "tfw_show_blue_verified_badge:on;tfw_legacy_timeline_sunset:true;"
    "tfw_show_gov_verified_badge:on;tfw_show_business_affiliate_badge:on;"
    "tfw_tweet_edit_frontend:on"
)
OEMBED_STATUS_URL = "https://twitter.com/{handle}/status/{post_id}"
"""The status URL oEmbed is asked about: the form publish.twitter.com documents and the stored
oEmbed recordings were made with (results carry the canonical x.com URL)."""
_RESTRICTIONS = (
    Availability.PROTECTED,
    Availability.WITHHELD,
    Availability.AGE_RESTRICTED,
    Availability.SUSPENDED,
    Availability.DELETED,
)


class TwitterAdapter(Adapter):
    """X/Twitter status URLs on every host `collector.sites.twitter` knows."""

    name = "twitter"
    site = twitter.PLATFORM

    async def fetch(self, url: str, client: httpx.AsyncClient) -> PlatformResult:
        found = self.match(url)
        if found is None or found.post_id is None:
            raise ValueError(f"not an X/Twitter status URL: {url}")
        post_id, handle = found.post_id, found.handle
        result = PlatformResult(
            platform=twitter.NAME, url=twitter.post_url(handle, post_id), post_id=post_id
        )
        if self.session is not None:
            await self._signed_in(client, result, post_id)
            if result.availability == Availability.AVAILABLE:
                return result
        await self._syndication(client, result, post_id)
        if result.availability != Availability.AVAILABLE and self.config.twitter_api_url:
            await self._api(client, result, post_id)
        if result.availability != Availability.AVAILABLE:
            await self._oembed(client, result, handle, post_id)
        if result.availability == Availability.UNKNOWN and result.source is None:
            await self._status_page(client, result, url)
        return result

    async def _signed_in(
        self, client: httpx.AsyncClient, result: PlatformResult, post_id: str
    ) -> None:
        """X's own GraphQL answer, asked as the session's account."""
        raw = await fetch_graphql(client, result, self.config, self.session, post_id)
        body = self._ok_json(result, raw) if raw is not None else None
        if body is not None:
            parse.parse_graphql(body, result)

    @staticmethod
    def _json(result: PlatformResult, raw: RawResponse) -> object | None:
        try:
            return raw.json()
        except ValueError:
            result.notes.append(f"{raw.name}: HTTP {raw.status} answer is not JSON")
            return None

    @classmethod
    def _ok_json(cls, result: PlatformResult, raw: RawResponse) -> object | None:
        """The JSON body of a 200 answer; None (and a note) for any other."""
        if raw.status != 200:
            result.notes.append(f"{raw.name}: HTTP {raw.status}")
            return None
        return cls._json(result, raw)

    async def _syndication(
        self, client: httpx.AsyncClient, result: PlatformResult, post_id: str
    ) -> None:
        params = {
            "id": post_id,
            "lang": "en",
            "features": SYNDICATION_FEATURES,
            "token": syndication_token(post_id),
        }
        endpoint = f"{self.config.twitter_syndication_url}/tweet-result"
        raw = await self.get(client, result, "twitter.syndication", endpoint, params=params)
        if raw is None:
            return
        if raw.status == 404:
            result.set_availability(Availability.NOT_FOUND, "syndication answered 404")
            return
        body = self._ok_json(result, raw)
        if body is not None:
            parse.parse_syndication(body, result)

    async def _api(self, client: httpx.AsyncClient, result: PlatformResult, post_id: str) -> None:
        endpoint = f"{self.config.twitter_api_url}/status/{post_id}"
        raw = await self.get(client, result, "twitter.api", endpoint)
        if raw is None:
            return
        body = self._json(result, raw)
        if body is None:
            return
        before = (result.availability, result.availability_reason)
        parse.parse_api(body, result)
        self._keep_restriction(result, before)

    async def _oembed(
        self, client: httpx.AsyncClient, result: PlatformResult, handle: str | None, post_id: str
    ) -> None:
        params = {
            "url": OEMBED_STATUS_URL.format(handle=handle or "i", post_id=post_id),
            "omit_script": "1",
            "dnt": "true",
        }
        raw = await self.get(
            client, result, "twitter.oembed", self.config.twitter_oembed_url, params=params
        )
        if raw is None:
            return
        if raw.status == 404:
            if result.availability in (Availability.UNKNOWN, Availability.NOT_FOUND):
                earlier = result.availability_reason
                reason = "oEmbed answered 404" + (f" (before: {earlier})" if earlier else "")
                result.set_availability(Availability.NOT_FOUND, reason)
            return
        if raw.status != 200:
            body = self._json(result, raw)
            result.notes.append(f"twitter.oembed: HTTP {raw.status} {body or ''}".strip())
            return
        body = self._json(result, raw)
        if body is None:
            return
        before = (result.availability, result.availability_reason)
        parse.parse_oembed(body, result, post_id)
        self._keep_restriction(result, before)

    @staticmethod
    def _keep_restriction(result: PlatformResult, before: tuple[str, str | None]) -> None:
        """A restriction seen earlier (e.g. age-restricted) stays the availability."""
        if before[0] in _RESTRICTIONS and result.availability == Availability.AVAILABLE:
            result.set_availability(*before)
            result.notes.append(f"content read from {result.source} despite: {before[1]}")

    async def _status_page(
        self, client: httpx.AsyncClient, result: PlatformResult, url: str
    ) -> None:
        raw = await self.get(client, result, "twitter.status_page", url)
        if raw is None or raw.status != 200:
            return
        parse.parse_status_page(raw.text(), result)
