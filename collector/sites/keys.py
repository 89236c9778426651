"""Target keys: the archive-wide identity of what a citation points at.

Every way of citing the same thing lands on one key: where post ids are global (X/Twitter,
YouTube, ...) `twitter.com/a/status/1`, `x.com/i/status/1` and an embed of post 1 share the key
`twitter:post:1`; other URLs are keyed by their canonical URL; a pasted signature with no URL
is keyed by what it states (handle, date and a hash of its text), so the same signature cited
twice is one target.
"""

import hashlib
from collections.abc import Mapping
from typing import Any

from archive.errors import EvidenceError
from archive.vocabulary import CitationKind
from collector.sites.registry import GLOBAL_POST_IDS

KEY_FIELDS = ("platform", "kind", "post_id", "url", "author_handle", "text", "posted_at")
"""What `target_key` reads of a citation."""


def target_key(citation: Mapping[str, Any]) -> str:
    """The archive-wide identity of what a citation points at."""
    platform = citation.get("platform") or "web"
    kind = citation.get("kind") or CitationKind.LINK
    post_id = citation.get("post_id")
    url = citation.get("url")
    if kind == CitationKind.POST and post_id and platform in GLOBAL_POST_IDS:
        return f"{platform}:post:{post_id}"
    if url:
        return str(url)
    handle = (citation.get("author_handle") or "").lstrip("@").lower()
    text = " ".join((citation.get("text") or "").split())
    if not (handle or text):
        raise EvidenceError("a citation with neither URL, handle nor text cannot be a target")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{platform}:signature:{handle}:{citation.get('posted_at') or ''}:{digest}"
