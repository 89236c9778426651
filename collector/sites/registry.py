"""Every site module, and the lookups the classifier and target keys need."""

from collector.sites import (
    bluesky,
    facebook,
    instagram,
    mastodon,
    reddit,
    telegram,
    threads,
    tiktok,
    twitter,
    vk,
    web,
    youtube,
)
from collector.sites.model import EmbedAttribute, Platform, UrlExample

PLATFORMS: tuple[Platform, ...] = (
    twitter.PLATFORM,
    telegram.PLATFORM,
    youtube.PLATFORM,
    instagram.PLATFORM,
    tiktok.PLATFORM,
    bluesky.PLATFORM,
    reddit.PLATFORM,
    facebook.PLATFORM,
    threads.PLATFORM,
    vk.PLATFORM,
)
BY_HOST: dict[str, Platform] = {host: p for p in PLATFORMS for host in p.hosts}
BY_NAME: dict[str, Platform] = {p.name: p for p in PLATFORMS}
GLOBAL_POST_IDS = frozenset(p.name for p in PLATFORMS if p.global_post_ids)
"""Platforms whose post ids name a post on their own (target key `<platform>:post:<id>`)."""
SHORT_LINK_HOSTS = frozenset(host for p in PLATFORMS for host in p.short_link_hosts)
"""Link-shortener hosts whose redirects are followed and recorded for a captured post."""
VIDEO_REDIRECT_HOSTS = frozenset(host for p in PLATFORMS for host in p.video_redirect_hosts)
"""Hosts whose links redirect to a platform's video: yt-dlp follows them (see `Platform`)."""
EMBED_SELECTORS = tuple(selector for p in PLATFORMS for selector in p.embed_selectors)
"""CSS selectors of the platforms' own embed elements (generic ones are the extractor's)."""
EMBED_ATTRIBUTES: tuple[EmbedAttribute, ...] = tuple(
    rule for p in PLATFORMS for rule in p.embed_attributes
)

_PREFIXES = tuple((prefix, p) for p in PLATFORMS for prefix in p.host_prefixes)
_SUFFIXES = tuple((suffix, p) for p in PLATFORMS for suffix in p.host_suffixes)


def platform_for_host(host: str, base_host: str) -> Platform | None:
    """The platform that owns `host` (or its `base_host`, `www.` and the like removed)."""
    found = BY_HOST.get(base_host) or BY_HOST.get(host)
    if found is not None:
        return found
    for prefix, platform in _PREFIXES:
        if base_host.startswith(prefix):
            return platform
    for suffix, platform in _SUFFIXES:
        if host.endswith(suffix):
            return platform
    return None


def all_examples() -> list[tuple[str, UrlExample]]:
    """(site name, example) for every URL example of every site module."""
    pairs = [(p.name, example) for p in PLATFORMS for example in p.examples]
    pairs += [(mastodon.NAME, example) for example in mastodon.EXAMPLES]
    return pairs + [(web.NAME, example) for example in web.EXAMPLES]
