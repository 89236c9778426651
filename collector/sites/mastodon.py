"""Mastodon URLs: posts on any instance (`/@user/<id>`, `/users/<user>/statuses/<id>`).

Instances are not a host list, so these rules read the path of hosts no other site claims.
"""

import re

from archive.vocabulary import CitationKind
from collector.sites.model import UrlExample, UrlInfo

NAME = "mastodon"
_POST = re.compile(r"^/@([A-Za-z0-9_]{1,30})(?:@[\w.-]+)?/(\d{15,20})/?$")
_STATUS = re.compile(r"^/users/([A-Za-z0-9_]{1,30})/statuses/(\d{15,20})/?$")


def might_be_post(path: str) -> bool:
    """A cheap test before `post`: the path has the shape of a Mastodon post path."""
    return "@" in path or "/statuses/" in path


def post(host: str, path: str) -> UrlInfo | None:
    """The Mastodon post at `path` on `host`, or None."""
    m = _POST.match(path) or _STATUS.match(path)
    if not m:
        return None
    user, post_id = m.group(1), m.group(2)
    canonical = f"https://{host}/@{user}/{post_id}"
    return UrlInfo(NAME, CitationKind.POST, post_id, f"{user}@{host}", canonical)


EXAMPLES = (
    UrlExample(
        "https://mastodon.social/@Gargron/109318821117356215",
        CitationKind.POST,
        "109318821117356215",
        "https://mastodon.social/@Gargron/109318821117356215",
    ),
    UrlExample(
        "https://mastodon.social/users/Gargron/statuses/109318821117356215",
        CitationKind.POST,
        "109318821117356215",
        "https://mastodon.social/@Gargron/109318821117356215",
    ),
)
