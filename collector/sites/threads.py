"""Threads URLs: posts (`/@<user>/post/<code>`) and profiles."""

from archive.vocabulary import CitationKind
from collector.sites.model import Platform, Query, UrlExample, UrlInfo

NAME = "threads"


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a Threads URL names."""
    if not segs or not segs[0].startswith("@"):
        return None
    user = segs[0][1:]
    if len(segs) >= 3 and segs[1] == "post":
        canonical = f"https://www.threads.net/@{user}/post/{segs[2]}"
        return UrlInfo(NAME, CitationKind.POST, segs[2], user, canonical)
    return UrlInfo(NAME, CitationKind.PROFILE, None, user, f"https://www.threads.net/@{user}")


PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"threads.net", "threads.com"}),
    rules=rules,
    examples=(
        UrlExample(
            "https://www.threads.com/@zuck/post/C1a2b3",
            CitationKind.POST,
            "C1a2b3",
            "https://www.threads.net/@zuck/post/C1a2b3",
        ),
        UrlExample(
            "https://www.threads.net/@zuck",
            CitationKind.PROFILE,
            None,
            "https://www.threads.net/@zuck",
        ),
    ),
)
