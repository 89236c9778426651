"""Parse X/Twitter answers into `PlatformResult` fields: syndication `tweet-result`, GraphQL
`TweetResultByRestId` (what x.com itself loads; a browser capture can hand it over), oEmbed,
fxtwitter/vxtwitter-style APIs, and the status page's meta tags.

Every parser reads only what the answer says; nothing is guessed. Unavailable posts are mapped
to an availability value with the platform's own wording kept as the reason.
"""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from archive.vocabulary import Availability
from collector.platforms.html_meta import meta_tags
from collector.platforms.result import Link, MediaItem, PlatformResult
from collector.sites.twitter import post_url

SNOWFLAKE_EPOCH_MS = 1288834974657
_STATUS_RE = re.compile(r"/(?P<handle>[A-Za-z0-9_]{1,15}|i)/status(?:es)?/(?P<id>\d+)")

# Tombstone and unavailable wording → availability (X's own words, matched loosely).
_TOMBSTONE_RULES = (
    ("suspended", Availability.SUSPENDED),
    ("deleted", Availability.DELETED),
    ("no longer available", Availability.DELETED),
    ("doesn’t exist", Availability.NOT_FOUND),
    ("doesn't exist", Availability.NOT_FOUND),
    ("limits who can view", Availability.PROTECTED),
    ("protected", Availability.PROTECTED),
    ("withheld", Availability.WITHHELD),
    ("age-restricted", Availability.AGE_RESTRICTED),
    ("adult content", Availability.AGE_RESTRICTED),
    ("sensitive", Availability.AGE_RESTRICTED),
)
_UNAVAILABLE_REASONS = {
    "suspended": Availability.SUSPENDED,
    "protected": Availability.PROTECTED,
    "nsfwloggedout": Availability.AGE_RESTRICTED,
    "nsfw": Availability.AGE_RESTRICTED,
    "withheld": Availability.WITHHELD,
    "deleted": Availability.DELETED,
    "private": Availability.PROTECTED,
}
_FX_REASONS = {
    "private": Availability.PROTECTED,
    "blocked": Availability.UNKNOWN,
    "unavailable": Availability.UNKNOWN,
}
_AVAILABILITY_WORDS = frozenset(Availability)


def snowflake_time(post_id: str) -> datetime | None:
    """The creation time encoded in a Snowflake id (ids since November 2010); else None."""
    if not post_id.isdigit() or int(post_id) < 10**14:
        return None
    millis = (int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)


def status_id_from_url(url: str | None) -> str | None:
    """The post id in a status URL (also `/photo/1`, `/video/1` forms), or None."""
    found = _STATUS_RE.search(urlsplit(url).path) if url else None
    return found.group("id") if found else None


def classify_tombstone(text: str | None) -> Availability:
    """Availability for a tombstone or notice text; `unknown` when the text says nothing."""
    lowered = (text or "").lower()
    for needle, availability in _TOMBSTONE_RULES:
        if needle in lowered:
            return availability
    return Availability.UNKNOWN


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:  # "Wed Mar 19 18:07:30 +0000 2025"
            moment = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _orig_photo_url(url: str) -> str:
    """The original-size form of a pbs.twimg.com photo URL (`name=orig`)."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.hostname.endswith("twimg.com"):
        return url
    base = re.sub(r":(?:large|medium|small|thumb|orig)$", "", url.split("?")[0])
    return f"{base}?name=orig"


def _video_item(media: dict[str, Any], kind: str) -> MediaItem:
    info = media.get("video_info") or {}
    variants = [
        {
            "url": v.get("url"),
            "content_type": v.get("content_type"),
            "bitrate": v.get("bitrate"),
        }
        for v in info.get("variants") or []
        if v.get("url")
    ]
    mp4s = [v for v in variants if v["content_type"] == "video/mp4"]
    hls = next((v["url"] for v in variants if "mpegurl" in (v["content_type"] or "").lower()), None)
    best = max(mp4s, key=lambda v: v["bitrate"] or 0)["url"] if mp4s else None
    original = media.get("original_info") or {}
    return MediaItem(
        url=best or hls or "",
        kind=kind if best else "m3u8",
        variants=variants,
        width=original.get("width"),
        height=original.get("height"),
        duration_ms=info.get("duration_millis"),
        alt_text=media.get("ext_alt_text"),
        preview_url=media.get("media_url_https"),
        hls_url=hls,
    )


def legacy_media(items: list[dict[str, Any]], post_id: str) -> list[MediaItem]:
    """Media items from `mediaDetails` / `extended_entities.media` (photos at name=orig)."""
    out: list[MediaItem] = []
    for media in items:
        kind = media.get("type")
        if kind == "photo":
            original = media.get("original_info") or {}
            item = MediaItem(
                url=_orig_photo_url(media.get("media_url_https") or media.get("media_url") or ""),
                kind="photo",
                width=original.get("width"),
                height=original.get("height"),
                alt_text=media.get("ext_alt_text"),
                preview_url=media.get("media_url_https"),
            )
        elif kind in ("video", "animated_gif"):
            item = _video_item(media, "gif" if kind == "animated_gif" else "video")
        else:
            continue
        owner = status_id_from_url(media.get("expanded_url"))
        if owner and owner != post_id:
            item.source_post_url = media.get("expanded_url")
        if item.url:
            out.append(item)
    return out


def legacy_links(entities: dict[str, Any]) -> list[Link]:
    """Links from `entities`: URLs (t.co with their expansion) and media (pic.twitter.com)."""
    links = [
        Link(
            url=u.get("url") or u.get("expanded_url"),
            expanded_url=u.get("expanded_url"),
            display_url=u.get("display_url"),
            kind="link",
        )
        for u in entities.get("urls") or []
        if u.get("url") or u.get("expanded_url")
    ]
    seen: set[str] = set()
    for m in entities.get("media") or []:
        if m.get("url") and m["url"] not in seen:
            seen.add(m["url"])
            links.append(
                Link(
                    url=m["url"],
                    expanded_url=m.get("expanded_url"),
                    display_url=m.get("display_url"),
                    kind="media",
                )
            )
    return links


def _metrics(tweet: dict[str, Any]) -> dict[str, Any]:
    names = {
        "favorite_count": "likes",
        "retweet_count": "reposts",
        "reply_count": "replies",
        "quote_count": "quotes",
        "bookmark_count": "bookmarks",
        "conversation_count": "conversation_count",
    }
    out = {new: tweet[old] for old, new in names.items() if isinstance(tweet.get(old), int)}
    views = (tweet.get("views") or {}).get("count")
    if views is not None and str(views).isdigit():
        out["views"] = int(views)
    return out


def parse_legacy_tweet(tweet: dict[str, Any], result: PlatformResult) -> None:
    """Fill `result` from a v1.1-shaped tweet (syndication answer or GraphQL `legacy`)."""
    user = tweet.get("user") or {}
    post_id = str(tweet.get("id_str") or result.post_id or "")
    result.post_id = post_id or None
    result.set_availability(Availability.AVAILABLE)
    result.author_handle = user.get("screen_name")
    result.author_name = user.get("name")
    result.author_id = user.get("id_str")
    result.posted_at = _parse_time(tweet.get("created_at"))
    result.text = tweet.get("full_text") if "full_text" in tweet else tweet.get("text")
    result.language = tweet.get("lang")
    result.reply_to_id = tweet.get("in_reply_to_status_id_str")
    result.reply_to_handle = tweet.get("in_reply_to_screen_name")
    entities = tweet.get("entities") or {}
    result.links = legacy_links(entities)
    media = tweet.get("mediaDetails")
    if media is None:
        media = (tweet.get("extended_entities") or {}).get("media") or entities.get("media") or []
    result.media = legacy_media(media, post_id)
    result.metrics = _metrics(tweet)
    mentions = [m.get("screen_name") for m in entities.get("user_mentions") or []]
    hashtags = [h.get("text") for h in entities.get("hashtags") or []]
    result.extra.update(
        {
            "mentions": [m for m in mentions if m],
            "hashtags": [h for h in hashtags if h],
            "possibly_sensitive": tweet.get("possibly_sensitive"),
            "display_text_range": tweet.get("display_text_range"),
            "edit_tweet_ids": (tweet.get("edit_control") or {}).get("edit_tweet_ids"),
        }
    )
    avatar = user.get("profile_image_url_https") or user.get("profile_image_url")
    if avatar:
        result.extra["author_avatar_url"] = avatar
    card = tweet.get("card")
    if isinstance(card, dict) and card.get("url"):
        result.extra["card"] = {"name": card.get("name"), "url": card.get("url")}
    if result.author_handle and post_id:
        result.url = post_url(result.author_handle, post_id)


def _link_quote(result: PlatformResult, quoted: PlatformResult) -> None:
    result.quoted = quoted
    result.quoted_post_id = quoted.post_id
    if quoted.post_id:
        result.quoted_url = post_url(quoted.author_handle, quoted.post_id)


def parse_syndication(body: Any, result: PlatformResult) -> None:
    """Fill `result` from a `tweet-result` JSON body (react-tweet's reading of the shapes)."""
    if not isinstance(body, dict) or not body:
        result.set_availability(Availability.NOT_FOUND, "syndication answered an empty object")
        return
    typename = body.get("__typename")
    if typename == "TweetTombstone":
        text = ((body.get("tombstone") or {}).get("text") or {}).get("text")
        result.set_availability(
            classify_tombstone(text),
            text or "syndication tombstone (deleted, withheld, age-restricted or protected)",
        )
        return
    if typename not in (None, "Tweet") or "id_str" not in body:
        result.set_availability(Availability.UNKNOWN, f"unexpected syndication answer {typename!r}")
        return
    result.source = "twitter.syndication"
    parse_legacy_tweet(body, result)
    quoted = body.get("quoted_tweet")
    if isinstance(quoted, dict) and quoted:
        inner = PlatformResult(platform="twitter", url=result.url)
        parse_syndication(quoted, inner)
        inner.source = result.source
        _link_quote(result, inner)
    parent = body.get("parent")
    if isinstance(parent, dict) and parent.get("id_str"):
        inner = PlatformResult(platform="twitter", url=result.url)
        parse_syndication(parent, inner)
        result.reply_to = inner
        result.reply_to_id = result.reply_to_id or inner.post_id


def _graphql_user(node: dict[str, Any]) -> dict[str, Any]:
    user = ((node.get("core") or {}).get("user_results") or {}).get("result") or {}
    legacy = dict(user.get("legacy") or {})
    core = user.get("core") or {}  # newer responses move name/screen_name here
    legacy.setdefault("screen_name", core.get("screen_name"))
    legacy.setdefault("name", core.get("name"))
    legacy.setdefault("profile_image_url_https", (user.get("avatar") or {}).get("image_url"))
    legacy["id_str"] = user.get("rest_id")
    return legacy


def parse_graphql_result(node: dict[str, Any], result: PlatformResult) -> None:
    """Fill `result` from a GraphQL tweet result node (Tweet, tombstone or unavailable)."""
    typename = node.get("__typename")
    if typename == "TweetWithVisibilityResults":
        node = node.get("tweet") or {}
        typename = node.get("__typename")
    if typename == "TweetTombstone":
        text = ((node.get("tombstone") or {}).get("text") or {}).get("text")
        result.set_availability(classify_tombstone(text), text or "tombstone without text")
        return
    if typename == "TweetUnavailable":
        reason = str(node.get("reason") or "")
        result.set_availability(
            _UNAVAILABLE_REASONS.get(reason.lower(), Availability.UNKNOWN),
            f"TweetUnavailable: {reason}",
        )
        return
    if typename != "Tweet":
        result.set_availability(Availability.UNKNOWN, f"unexpected GraphQL result {typename!r}")
        return
    legacy = dict(node.get("legacy") or {})
    legacy["id_str"] = node.get("rest_id") or legacy.get("id_str")
    legacy["user"] = _graphql_user(node)
    if node.get("views"):
        legacy["views"] = node["views"]
    note = (((node.get("note_tweet") or {}).get("note_tweet_results") or {}).get("result")) or {}
    if note.get("text"):
        legacy["full_text"] = note["text"]
    result.source = result.source or "twitter.graphql"
    parse_legacy_tweet(legacy, result)
    quoted = (node.get("quoted_status_result") or {}).get("result")
    if isinstance(quoted, dict):
        inner = PlatformResult(platform="twitter", url=result.url, source=result.source)
        parse_graphql_result(quoted, inner)
        if inner.post_id is None:
            inner.post_id = legacy.get("quoted_status_id_str")
        _link_quote(result, inner)
    elif legacy.get("quoted_status_id_str"):
        result.quoted_post_id = legacy["quoted_status_id_str"]
        permalink = legacy.get("quoted_status_permalink") or {}
        result.quoted_url = permalink.get("expanded") or post_url(None, result.quoted_post_id)


def parse_graphql(body: Any, result: PlatformResult) -> None:
    """Fill `result` from a whole `TweetResultByRestId` answer."""
    data = (body or {}).get("data") if isinstance(body, dict) else None
    node = ((data or {}).get("tweetResult") or {}).get("result")
    if not isinstance(node, dict):
        result.set_availability(Availability.NOT_FOUND, "GraphQL answer has no tweet result")
        return
    result.source = "twitter.graphql"
    parse_graphql_result(node, result)


def _block_text(node: Any) -> str:
    """Text of an HTML node with <br> as newlines."""
    html = node.html or ""
    html = re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE)
    return HTMLParser(html).text(separator="").strip()


_SIGNATURE_DATE = re.compile(r"(\w+ \d{1,2}, \d{4})\s*$")


def parse_oembed(body: Any, result: PlatformResult, post_id: str) -> None:
    """Fill `result` from an oEmbed answer: author, text, language, links, day of posting.

    oEmbed carries no exact time; a Snowflake id gives it to the millisecond, otherwise only
    the signature's day is kept (in `extra["posted_date"]`, never made up to a time).
    """
    if not isinstance(body, dict) or "html" not in body:
        result.set_availability(Availability.UNKNOWN, "oEmbed answer without html")
        return
    result.source = result.source or "twitter.oembed"
    result.set_availability(Availability.AVAILABLE)
    result.post_id = post_id
    result.author_name = body.get("author_name")
    author_url = body.get("author_url") or ""
    result.author_handle = urlsplit(author_url).path.strip("/") or None
    tree = HTMLParser(body["html"])
    paragraph = tree.css_first("blockquote p")
    if paragraph is not None:
        result.text = _block_text(paragraph)
        result.language = paragraph.attributes.get("lang")
        for anchor in paragraph.css("a"):
            href = anchor.attributes.get("href") or ""
            shown = anchor.text().strip()
            if not href or shown.startswith(("@", "#", "$")):
                continue
            kind = "media" if shown.startswith("pic.twitter.com") else "link"
            result.links.append(Link(url=href.split("?ref_src")[0], display_url=shown, kind=kind))
    anchors = tree.css("blockquote > a")
    if anchors:
        found = _SIGNATURE_DATE.search(anchors[-1].text().strip())
        if found:
            try:
                day = datetime.strptime(found.group(1), "%B %d, %Y").date()
                result.extra["posted_date"] = day.isoformat()
            except ValueError:
                result.extra["posted_date_text"] = found.group(1)
    result.posted_at = snowflake_time(post_id)
    if result.posted_at is not None:
        result.extra["posted_at_from"] = "snowflake id"
    if result.author_handle:
        result.url = post_url(result.author_handle, post_id)


def parse_api(body: Any, result: PlatformResult) -> None:
    """Fill `result` from an fxtwitter (`{code, tweet|status}`) or vxtwitter (flat) answer."""
    if not isinstance(body, dict):
        result.set_availability(Availability.UNKNOWN, "API answer is not a JSON object")
        return
    if "tweetID" in body:
        _parse_vx(body, result)
        return
    status = body.get("status") or body.get("tweet")
    if isinstance(status, dict):
        _parse_fx(status, result)
        return
    code = body.get("code")
    message = str(body.get("message") or "")
    if code == 404:
        result.set_availability(Availability.NOT_FOUND, f"API: {message or 'not found'}")
    elif code in (401, 403):
        result.set_availability(classify_tombstone(message), f"API: {message}")
    else:
        result.set_availability(Availability.UNKNOWN, f"API answered code {code!r}: {message}")


def _parse_vx(body: dict[str, Any], result: PlatformResult) -> None:
    result.source = "twitter.api"
    result.set_availability(Availability.AVAILABLE)
    result.post_id = str(body["tweetID"])
    result.author_handle = body.get("user_screen_name")
    result.author_name = body.get("user_name")
    if body.get("user_profile_image_url"):
        result.extra["author_avatar_url"] = body["user_profile_image_url"]
    epoch = body.get("date_epoch")
    if isinstance(epoch, int | float):
        result.posted_at = datetime.fromtimestamp(epoch, UTC)
    else:
        result.posted_at = _parse_time(body.get("date"))
    result.text = body.get("text")
    result.language = body.get("lang")
    result.reply_to_id = body.get("replyingToID")
    result.reply_to_handle = body.get("replyingTo")
    quoted = body.get("qrtURL")
    if quoted:
        result.quoted_url = quoted
        result.quoted_post_id = status_id_from_url(quoted)
    kinds = {"image": "photo", "video": "video", "gif": "gif"}
    for media in body.get("media_extended") or []:
        size = media.get("size") or {}
        result.media.append(
            MediaItem(
                url=_orig_photo_url(media["url"]) if media.get("type") == "image" else media["url"],
                kind=kinds.get(media.get("type"), "video"),
                width=size.get("width"),
                height=size.get("height"),
                duration_ms=media.get("duration_millis"),
                alt_text=media.get("altText"),
                preview_url=media.get("thumbnail_url"),
            )
        )
    names = {"likes": "likes", "retweets": "reposts", "replies": "replies", "views": "views"}
    result.metrics = {new: body[old] for old, new in names.items() if body.get(old) is not None}
    if body.get("retweetURL"):
        result.extra["retweet_of"] = body["retweetURL"]
    if body.get("pollData"):
        result.extra["poll"] = body["pollData"]
    result.url = body.get("tweetURL") or result.url


def _parse_fx(status: dict[str, Any], result: PlatformResult) -> None:
    if status.get("type") == "tombstone":
        reason = str(status.get("reason") or "")
        fallback = reason if reason in _AVAILABILITY_WORDS else Availability.UNKNOWN
        result.set_availability(_FX_REASONS.get(reason, fallback), f"API tombstone: {reason}")
        return
    author = status.get("author") or {}
    result.source = "twitter.api"
    result.set_availability(Availability.AVAILABLE)
    result.post_id = str(status.get("id") or result.post_id)
    result.author_handle = author.get("screen_name")
    result.author_name = author.get("name")
    result.author_id = author.get("id")
    if author.get("avatar_url"):
        result.extra["author_avatar_url"] = author["avatar_url"]
    stamp = status.get("created_timestamp")
    result.posted_at = datetime.fromtimestamp(stamp, UTC) if stamp else None
    result.text = status.get("text")
    result.language = status.get("lang")
    replying = status.get("replying_to") or {}
    if isinstance(replying, dict):
        result.reply_to_id = replying.get("status")
        result.reply_to_handle = replying.get("screen_name")
    quote = status.get("quote")
    if isinstance(quote, dict) and quote.get("id"):
        inner = PlatformResult(platform="twitter", url=quote.get("url") or result.url)
        _parse_fx(quote, inner)
        _link_quote(result, inner)
    media = status.get("media") or {}
    for photo in media.get("photos") or []:
        result.media.append(
            MediaItem(
                url=_orig_photo_url(photo["url"]),
                kind="photo",
                width=photo.get("width"),
                height=photo.get("height"),
                alt_text=photo.get("altText"),
            )
        )
    for video in media.get("videos") or []:
        result.media.append(
            MediaItem(
                url=video["url"],
                kind="gif" if video.get("type") == "gif" else "video",
                width=video.get("width"),
                height=video.get("height"),
                preview_url=video.get("thumbnail_url"),
            )
        )
    names = ("likes", "reposts", "replies", "quotes", "views", "bookmarks")
    result.metrics = {n: status[n] for n in names if status.get(n) is not None}
    result.url = status.get("url") or result.url


INTERSTITIAL_REASON = (
    "x.com served its JavaScript migrate interstitial: the page holds no post content"
)


def is_x_interstitial(html: str) -> bool:
    """True for the page x.com serves a plain HTTP client: a `/x/migrate` redirect, no post."""
    return "/x/migrate" in html and "og:description" not in html


def parse_status_page(html: str, result: PlatformResult) -> None:
    """Fill what a status page's meta tags say (author name, text); detect the interstitial."""
    if is_x_interstitial(html):
        result.set_availability(Availability.UNKNOWN, INTERSTITIAL_REASON)
        return
    meta = meta_tags(HTMLParser(html))
    description = meta.get("og:description")
    if not description:
        result.set_availability(Availability.UNKNOWN, "status page without og:description")
        return
    result.source = result.source or "twitter.status_page"
    result.set_availability(Availability.AVAILABLE, "read from the status page's meta tags")
    title = meta.get("og:title") or ""
    found = re.match(r"^(?P<name>.*?)(?: \(@(?P<handle>\w{1,15})\))? on (?:X|Twitter)\b", title)
    if found:
        result.author_name = found.group("name")
        result.author_handle = found.group("handle") or result.author_handle
    result.text = description.strip().strip('“”"')
    image = meta.get("og:image")
    if image and "profile_images" in image:  # a post without media shows its author's picture
        result.extra["author_avatar_url"] = image
    elif image:
        result.extra["og_image"] = image
        if "pbs.twimg.com/media/" in image:
            result.media.append(MediaItem(url=_orig_photo_url(image), kind="photo"))
        elif "pbs.twimg.com/tweet_video_thumb/" in image:
            # the GIF's still frame; the page's meta tags do not name the video itself
            result.media.append(MediaItem(url=_orig_photo_url(image), kind="photo"))
