"""Compare what two captures of the same target were served: the normal capture and one made
through another network exit (a vantage, `collector.collect.vantage`).

Pure functions over stored rows (artifact dicts and the post snapshot's fields), so the
comparison is the same whether it runs right after the captures or later from the archive.
Three independent findings, each stated with the values compared so a reader can re-check them:

- post data: platform, post id, text, author and the SHA-256 set of the downloaded media;
- server HTML: the SHA-256 of the page body as the server sent it;
- screenshot: the Hamming distance between the viewport screenshots' perceptual hashes (pHash,
  64 bits, computed by imagehash when the capture was stored).
"""

from dataclasses import asdict, dataclass, field
from typing import Any

POST_FIELDS = ("platform", "post_id", "text", "author_handle", "author_name")
SCREENSHOT_ROLES = ("screenshot-viewport", "screenshot-full")
MEDIA_ROLE = "media"
SIMILAR_PHASH_DISTANCE = 8
"""At most this many of the 64 pHash bits differ for two screenshots to count as the same
picture (imagehash's usual threshold for near-duplicates)."""


@dataclass(frozen=True)
class Observation:
    """What one capture saw, reduced to the values that are compared."""

    capture_id: str | None
    status: str
    post: dict[str, Any] | None = None
    media_sha256: tuple[str, ...] = ()
    server_html_sha256: str | None = None
    screenshot_role: str | None = None
    screenshot_phash: str | None = None


@dataclass(frozen=True)
class Finding:
    """One comparison: whether it agrees (None: not comparable) and the values behind it."""

    agrees: bool | None
    main: Any = None
    vantage: Any = None
    note: str | None = None
    differences: list[str] = field(default_factory=list)


def observe(
    capture_id: str | None,
    status: str,
    artifacts: list[dict[str, Any]],
    post: dict[str, Any] | None,
) -> Observation:
    """The observation of a stored capture from its artifact rows and its main post snapshot."""
    by_role: dict[str, dict[str, Any]] = {}
    for artifact in artifacts:
        by_role.setdefault(str(artifact["role"]), artifact)
    shot_role = next((role for role in SCREENSHOT_ROLES if role in by_role), None)
    image = (by_role[shot_role].get("details") or {}).get("image") if shot_role else None
    html = by_role.get("server-html")
    media = sorted({str(a["blob_sha256"]) for a in artifacts if a["role"] == MEDIA_ROLE})
    return Observation(
        capture_id=capture_id,
        status=status,
        post={key: post.get(key) for key in POST_FIELDS} if post else None,
        media_sha256=tuple(media),
        server_html_sha256=str(html["blob_sha256"]) if html else None,
        screenshot_role=shot_role if image else None,
        screenshot_phash=image.get("phash") if image else None,
    )


def compare_posts(main: Observation, vantage: Observation) -> Finding:
    """Post data agreement: every compared field and the media set equal."""
    if main.post is None or vantage.post is None:
        missing = "either capture" if main.post is vantage.post else "one capture"
        return Finding(None, main.post, vantage.post, f"no post data in {missing}")
    differences = [key for key in POST_FIELDS if main.post.get(key) != vantage.post.get(key)]
    if main.media_sha256 != vantage.media_sha256:
        differences.append("media_sha256")
    return Finding(
        not differences,
        {**main.post, "media_sha256": list(main.media_sha256)},
        {**vantage.post, "media_sha256": list(vantage.media_sha256)},
        differences=differences,
    )


def compare_server_html(main: Observation, vantage: Observation) -> Finding:
    """Whether the server sent byte-identical HTML (by SHA-256)."""
    a, b = main.server_html_sha256, vantage.server_html_sha256
    if a is None or b is None:
        return Finding(None, a, b, "no server HTML in " + ("either capture" if a == b else "one"))
    return Finding(a == b, a, b)


def phash_distance(first: str, second: str) -> int:
    """Bits that differ between two hex pHashes (imagehash's own Hamming distance)."""
    import imagehash  # numpy underneath: only when a comparison runs

    return int(imagehash.hex_to_hash(first) - imagehash.hex_to_hash(second))


def compare_screenshots(main: Observation, vantage: Observation) -> Finding:
    """Perceptual distance of the screenshots; they agree within SIMILAR_PHASH_DISTANCE."""
    a, b = main.screenshot_phash, vantage.screenshot_phash
    if a is None or b is None:
        return Finding(
            None, a, b, "no screenshot pHash in " + ("either capture" if a == b else "one")
        )
    if main.screenshot_role != vantage.screenshot_role:
        note = f"{main.screenshot_role} against {vantage.screenshot_role}"
    else:
        note = main.screenshot_role
    distance = phash_distance(a, b)
    return Finding(
        distance <= SIMILAR_PHASH_DISTANCE,
        a,
        b,
        f"{note}: pHash distance {distance} of 64 (same picture at most {SIMILAR_PHASH_DISTANCE})",
    )


def compare(main: Observation, vantage: Observation) -> dict[str, Any]:
    """The comparison as JSON-ready data: each finding, the distance, and overall agreement.

    `agrees` is true only when every comparable finding agrees and at least one was comparable;
    false when any disagrees; None when nothing could be compared (a failed vantage capture)."""
    findings = {
        "post": compare_posts(main, vantage),
        "server_html": compare_server_html(main, vantage),
        "screenshot": compare_screenshots(main, vantage),
    }
    verdicts = [f.agrees for f in findings.values() if f.agrees is not None]
    distance = None
    if main.screenshot_phash and vantage.screenshot_phash:
        distance = phash_distance(main.screenshot_phash, vantage.screenshot_phash)
    return {
        "agrees": all(verdicts) if verdicts else None,
        "screenshot_phash_distance": distance,
        **{name: asdict(finding) for name, finding in findings.items()},
    }
