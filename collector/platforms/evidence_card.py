"""The evidence card: a PNG of the screenshot with a footer stating what it is.

Footer lines: URL, capture time (UTC), SHA-256 of the screenshot bytes, capture id. The hash is
computed here from the exact screenshot bytes given, so the card can be checked against the
screenshot artifact. Investigators paste the card into reports.

When the page itself was blank or a wall, the caller gives the post card (the tool's rendering
of recorded platform data) instead of the screenshot, with `image_label="Post card"` and
`notes` saying why: the footer then names the image it hashes, and the notes follow the facts.
"""

import hashlib
import io
import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from archive.timeutil import iso
from collector.platforms.imaging import ImageRejected, open_checked

if TYPE_CHECKING:
    from PIL import ImageFont

MAX_WIDTH = 1600
MAX_SCREEN_HEIGHT = 6000
PADDING = 16
LINE_GAP = 6
FOREGROUND = (20, 20, 20)
BACKGROUND = (245, 245, 240)
RULE = (160, 160, 160)


def _font(size: int) -> "ImageFont.ImageFont | ImageFont.FreeTypeFont":
    from PIL import ImageFont  # Pillow on first use: importing this module stays cheap

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType support for the default font
        return ImageFont.load_default()


def card_lines(
    url: str,
    captured_at: datetime,
    image_sha256: str,
    capture_id: str,
    image_label: str = "Screenshot",
    notes: Sequence[str] = (),
) -> list[str]:
    """The footer text, one fact a line; `image_label` names what the image above is."""
    return [
        f"URL: {url}",
        f"Captured (UTC): {iso(captured_at)}",
        f"{image_label} SHA-256: {image_sha256}",
        f"Capture id: {capture_id}",
        *notes,
    ]


def render_card(
    screenshot_png: bytes,
    url: str,
    captured_at: datetime,
    capture_id: str,
    max_pixels: int = 100_000_000,
    *,
    image_label: str = "Screenshot",
    notes: Sequence[str] = (),
) -> bytes:
    """Return the card PNG: the image (scaled to at most 1600 px wide, tall ones cut at 6000 px
    with a note) above the footer. ImageRejected when the image does not decode."""
    from PIL import Image, ImageDraw

    sha256 = hashlib.sha256(screenshot_png).hexdigest()
    shot = open_checked(screenshot_png, max_pixels)
    try:
        shot.load()
    except OSError as exc:
        raise ImageRejected(f"screenshot does not decode: {exc}") from exc
    shot = shot.convert("RGB")
    if shot.width > MAX_WIDTH:
        shot = shot.resize((MAX_WIDTH, round(shot.height * MAX_WIDTH / shot.width)))
    lines = card_lines(url, captured_at, sha256, capture_id, image_label, notes)
    if shot.height > MAX_SCREEN_HEIGHT:
        shot = shot.crop((0, 0, shot.width, MAX_SCREEN_HEIGHT))
        lines.append(
            f"({image_label.lower()} cut at the card's height limit; see its own artifact)"
        )
    width = max(shot.width, 900)
    font = _font(18)
    chars = max(40, (width - 2 * PADDING) // 10)
    wrapped = [part for line in lines for part in textwrap.wrap(line, chars) or [""]]
    line_height = font.getbbox("Ag")[3] + LINE_GAP
    footer = 2 * PADDING + line_height * len(wrapped)
    card = Image.new("RGB", (width, shot.height + footer + 1), BACKGROUND)
    card.paste(shot, (0, 0))
    draw = ImageDraw.Draw(card)
    draw.line([(0, shot.height), (width, shot.height)], fill=RULE, width=1)
    y = shot.height + 1 + PADDING
    for line in wrapped:
        draw.text((PADDING, y), line, fill=FOREGROUND, font=font)
        y += line_height
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()
