"""Response headers that keep archived (hostile) content from acting on the viewer.

Viewer pages get a strict Content-Security-Policy (no inline script, nothing from elsewhere).
Archived bytes are served with `CSP: sandbox` and no scripts, so an archived page, SVG or HTML
file opens in an opaque origin that cannot read the viewer's cookies or call its API.
"""

VIEWER_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
ARCHIVED_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src 'self'"
)

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}

INLINE_MEDIA_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "application/json",
        "text/plain",
    }
)


def archived_headers(media_type: str, filename: str) -> dict[str, str]:
    """Headers for serving archived bytes: sandboxed, and downloaded unless inert to view."""
    headers = {"Content-Security-Policy": ARCHIVED_CSP}
    if media_type not in INLINE_MEDIA_TYPES:
        safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "artifact"
        headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return headers
