"""What a site module declares: a `Platform` (hosts, URL rules, post-id scope, how its adapter
fetches, URL examples) and the `UrlInfo` its rules return for one URL.

Everything here is pure: no network, no heavy imports, so the extractor, the adapters' routing
and the CLI's startup can all read it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from archive.vocabulary import CitationKind, PageVerdict


class NotCitation(StrEnum):
    """URL kinds that are never citations: the extractor drops them."""

    SHARE = "share"  # share buttons and intents
    ASSET = "asset"  # widget scripts, stylesheets, fonts


UrlKind = CitationKind | NotCitation
NOT_CITATIONS = frozenset(NotCitation)


@dataclass(frozen=True, slots=True)
class UrlInfo:
    """What a URL points at."""

    platform: str
    kind: UrlKind
    post_id: str | None = None
    handle: str | None = None
    canonical_url: str | None = None


Query = dict[str, list[str]]
Rules = Callable[[str, list[str], Query, str], UrlInfo | None]
"""A site's URL rules: (base host, path segments, query, absolute URL) → what it names; None
for the site's home page or a path it does not know (then a plain link of that platform). A
result without a canonical URL gets the URL's w3lib canonical form (`classify_url`)."""


@dataclass(frozen=True)
class UrlExample:
    """One URL a site module promises to understand, checked by tests/sites."""

    url: str
    kind: UrlKind
    post_id: str | None = None
    canonical: str | None = None
    adapter: str = "generic"  # the adapter that acquires it (see platforms.registry)


@dataclass(frozen=True)
class EmbedAttribute:
    """An embed element whose attribute holds the embedded post: `url` and `raw` are templates
    for the attribute's value (the post's URL, and the occurrence's raw text)."""

    attribute: str
    url: str
    example: str  # a value of the attribute, embedded by tests/sites
    raw: str = "{}"
    tag: str | None = None  # only on this element (None: any but blockquote, read apart)
    class_word: str | None = None  # only when its class attribute holds this word
    digits: bool = False  # only when the value is all digits


@dataclass(frozen=True)
class PageRule:
    """How a site's own login wall or "this post is unavailable" page is told from its content.

    It matches a captured page of the site when its final URL's path matches one of `paths`
    (a wall that redirects, as x.com to `/i/flow/login`), or when its title matches one of
    `titles` or its visible text holds one of `phrases` (compared case-folded, with typographic
    apostrophes made plain) and the rendered DOM has none of the `unless` selectors (the
    content itself, when the site shows it beside such wording).
    """

    verdict: PageVerdict
    reason: str
    """Named in the capture's status reason, e.g. "X asked to log in"."""
    paths: tuple[str, ...] = ()
    """Regular expressions searched in the final URL's path."""
    titles: tuple[str, ...] = ()
    """Regular expressions searched in the document title."""
    phrases: tuple[str, ...] = ()
    """The site's own wording, searched in the page's visible text."""
    unless: tuple[str, ...] = ()
    """CSS selectors of the content: when one is in the DOM, titles and phrases do not count."""


@dataclass(frozen=True)
class Platform:
    """One site: its hosts, URL rules and how its posts are identified and fetched."""

    name: str
    hosts: frozenset[str]
    rules: Rules
    host_prefixes: tuple[str, ...] = ()
    """Other hosts by their first labels (`nitter.` instances)."""
    host_suffixes: tuple[str, ...] = ()
    """Other hosts by their last labels (`.tiktok.com` regional hosts)."""
    global_post_ids: bool = False
    """Post ids are unique across the whole platform, so the id alone names the post."""
    recorded: bool = False
    """Its adapter only calls APIs and pages: the exchanges go through the capture's recording
    proxy into the capture's WARC (yt-dlp sites do their own networking beside the capture)."""
    fragment_routes: bool = False
    """`#!/path` fragments are the path (old single-page-app links)."""
    short_link_hosts: frozenset[str] = frozenset()
    """Hosts of its link shortener: the adapter's result lists them, acquisition follows them."""
    video_redirect_hosts: frozenset[str] = frozenset()
    """Hosts whose links only redirect to one of its videos (`fb.watch`): no yt-dlp extractor
    claims them, but yt-dlp follows the redirect to the one that does, so yt-dlp acquires them."""
    embed_selectors: tuple[str, ...] = ()
    """CSS selectors of the elements its embeds are made of in article HTML."""
    embed_attributes: tuple[EmbedAttribute, ...] = ()
    page_rules: tuple[PageRule, ...] = ()
    """Its login wall and "unavailable" pages, for the capture's page verdict."""
    examples: tuple[UrlExample, ...] = field(default=())
