"""Telegram URLs: public channel posts (`t.me/<channel>/<id>`, `/s/` previews), private
channel posts (`t.me/c/<chat id>/<id>`, readable only by members), channels and share links.

Post ids are per channel, so the post id is `<channel>/<id>` (`c/<chat id>/<id>` for a private
channel) and the target key is the canonical URL.
"""

import re

from archive.vocabulary import CitationKind, PageVerdict
from collector.sites.model import (
    EmbedAttribute,
    NotCitation,
    PageRule,
    Platform,
    Query,
    UrlExample,
    UrlInfo,
)
from collector.sites.urlparts import DIGITS

NAME = "telegram"
PRIVATE_PREFIX = "c/"
_RESERVED = frozenset({"share", "joinchat", "addstickers", "proxy", "socks", "iv", "login"})
_CHANNEL = re.compile(r"^[A-Za-z0-9_]{3,64}$")


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a t.me URL names."""
    if not segs:
        return None
    if segs[0] == "s" and len(segs) >= 2:
        segs = segs[1:]
    first = segs[0].lower()
    if first in _RESERVED:
        return UrlInfo(NAME, NotCitation.SHARE if first == "share" else CitationKind.LINK)
    if first == "c" and len(segs) >= 3 and DIGITS.match(segs[1]) and DIGITS.match(segs[2]):
        post = f"{PRIVATE_PREFIX}{segs[1]}/{segs[2]}"
        return UrlInfo(NAME, CitationKind.POST, post, None, f"https://t.me/{post}")
    channel = segs[0]
    if not _CHANNEL.match(channel):
        return None
    if len(segs) >= 2 and DIGITS.match(segs[1]):
        post = f"{channel}/{segs[1]}"
        return UrlInfo(NAME, CitationKind.POST, post, channel, f"https://t.me/{post}")
    return UrlInfo(NAME, CitationKind.PROFILE, None, channel, f"https://t.me/{channel}")


_MESSAGE = ".tgme_widget_message_text"
PAGE_RULES = (
    # A private channel's post (t.me/c/<chat>/<post>) is shown to its members, in the app.
    PageRule(
        PageVerdict.LOGIN_WALL,
        "Telegram shows this private channel's posts to its members only",
        paths=(r"^/c/\d+/\d+",),
        unless=(_MESSAGE,),
    ),
    # The post widget's error ("Post not found"), shown for deleted or never-existing posts.
    PageRule(
        PageVerdict.UNAVAILABLE,
        "Telegram says the post was not found",
        phrases=("post not found",),
        unless=(_MESSAGE,),
    ),
)

PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"t.me", "telegram.me", "telegram.dog"}),
    rules=rules,
    recorded=True,
    embed_selectors=("[data-telegram-post]",),
    embed_attributes=(EmbedAttribute("data-telegram-post", "https://t.me/{}", "durov/42"),),
    page_rules=PAGE_RULES,
    examples=(
        UrlExample(
            "https://t.me/durov/42",
            CitationKind.POST,
            "durov/42",
            "https://t.me/durov/42",
            "telegram",
        ),
        UrlExample(
            "https://t.me/s/durov/42?embed=1",
            CitationKind.POST,
            "durov/42",
            "https://t.me/durov/42",
            "telegram",
        ),
        UrlExample(
            "https://telegram.me/c/1234567/89",
            CitationKind.POST,
            "c/1234567/89",
            "https://t.me/c/1234567/89",
            "telegram",
        ),
        UrlExample("https://t.me/durov", CitationKind.PROFILE, None, "https://t.me/durov"),
        UrlExample("https://t.me/share/url?url=https://example.org/", NotCitation.SHARE),
    ),
)
