"""What the archive can say about a citation from its stored row alone (shared by the collect
plan, which reports it, and the export report, which prints it)."""

from typing import Any


def unresolved_reason(citation: dict[str, Any] | None) -> str:
    """Why a citation without a URL stays unresolved (its failed link resolutions, if any)."""
    errors = [
        f"{link.get('url')}: {link['resolution_error']}"
        for link in (citation or {}).get("links") or []
        if link.get("resolution_error")
    ]
    if errors:
        return "cited without a URL; its links could not be followed: " + "; ".join(errors)
    return "cited without a URL, and no pic.twitter.com or t.co link in it led to a post"
