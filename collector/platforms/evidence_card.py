"""The evidence card: a PNG of the screenshot with a footer stating what it is.

Footer lines: URL, capture time (UTC), SHA-256 of the screenshot bytes, capture id. The hash is
computed here from the exact screenshot bytes given, so the card can be checked against the
screenshot artifact. Investigators paste the card into reports.

When the page itself was blank or a wall, the caller gives the post card (the tool's rendering
of recorded platform data) instead of the screenshot, with `image_label="Post card"` and
`notes` saying why: the footer then names the image it hashes, and the notes follow the facts.

Pillow draws each line with one font and has no fallback, and its default font covers Latin
only; a line with other characters (an internationalized URL in Cyrillic, Chinese, Arabic...)
is drawn with the installed fonts fontconfig picks for them (`fc-match` for all its characters,
then for those the first font lacks, as their character maps read by fontTools say; cached),
in runs of one font each, cut by drawn width, so it shows text instead of boxes. Colour emoji
fonts are bitmaps without an 18 px size, so emoji in a URL stay boxes.
"""

import contextlib
import hashlib
import io
import subprocess
import textwrap
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from archive.timeutil import iso
from collector.platforms.imaging import ImageRejected, open_checked

if TYPE_CHECKING:
    from PIL import ImageFont

    Font = ImageFont.ImageFont | ImageFont.FreeTypeFont

MAX_WIDTH = 1600
MAX_SCREEN_HEIGHT = 6000
PADDING = 16
LINE_GAP = 6
FOREGROUND = (20, 20, 20)
BACKGROUND = (245, 245, 240)
RULE = (160, 160, 160)
FONT_SIZE = 18
FC_MATCH_TIMEOUT_S = 10
MAX_FONTS = 4
"""Fonts tried for one footer line."""
PNG_COMPRESS_LEVEL = 3
"""zlib level of the card's PNG. Pillow's default (6) took 40 ms for a 1280 x 945 px card of a
news page and made it larger (162 KB) than level 3 does in 24 ms (153 KB); the pixels are the
same at any level (`benchmarks/capture.py --profile`, "evidence card")."""


def _font(size: int) -> "Font":
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


@lru_cache(maxsize=256)
def font_file_for(characters: frozenset[str]) -> tuple[str, int] | None:
    """(file, face index) of the installed font fontconfig picks for drawing `characters`, or
    None without fontconfig."""
    codes = " ".join(f"{ord(c):x}" for c in sorted(characters))
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}", f"sans-serif:charset={codes}"],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = found.partition("\t")
    return (path, int(index or 0)) if path else None


@lru_cache(maxsize=64)
def _cmap(path: str, index: int) -> frozenset[int]:
    """The code points a font file's face covers (empty when it does not parse)."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # noqa: BLE001  an unreadable font is just not used
        return frozenset()


def _line_fonts(line: str) -> list[tuple["Font", frozenset[int]]]:
    """Installed fonts that together cover the line's characters, with their coverage: the
    best for all of them first, then the best for what is left (at most MAX_FONTS)."""
    from PIL import ImageFont

    left = frozenset(line) - {" "}
    fonts: list[tuple[Font, frozenset[int]]] = []
    tried: set[tuple[str, int]] = set()
    while left and len(tried) < MAX_FONTS:
        found = font_file_for(left)
        if found is None or found in tried:
            break
        tried.add(found)
        covered = _cmap(*found)
        with contextlib.suppress(OSError):  # a bitmap-only font (colour emoji): no 18 px size
            fonts.append((ImageFont.truetype(found[0], FONT_SIZE, index=found[1]), covered))
        left = frozenset(c for c in left if ord(c) not in covered)
    return fonts


Run = list[tuple[str, "Font"]]


def _runs(line: str, default: "Font", chars: int, width: int) -> list[Run]:
    """The line cut into drawn lines of (text, font) runs: a Latin line in the default font,
    cut by characters; another with fonts covering its characters, cut by drawn width."""
    fonts = _line_fonts(line) if not line.isascii() else []
    if not fonts:
        return [[(part, default)] for part in textwrap.wrap(line, chars) or [""]]
    lines: list[Run] = [[]]
    used = 0.0
    for character in line:
        font = next((f for f, covered in fonts if ord(character) in covered), fonts[0][0])
        advance = font.getlength(character)
        if lines[-1] and used + advance > width:
            lines.append([])
            used = 0.0
        run = lines[-1]
        if run and run[-1][1] is font:
            run[-1] = (run[-1][0] + character, font)
        else:
            run.append((character, font))
        used += advance
    return lines


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
    if shot.mode != "RGB":  # a screenshot is RGB already: no copy of it
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
    default = _font(FONT_SIZE)
    chars = max(40, (width - 2 * PADDING) // 10)
    wrapped = []
    for line in lines:
        for runs in _runs(line, default, chars, width - 2 * PADDING):
            height = max(font.getbbox("Ag")[3] for font in [default, *(f for _, f in runs)])
            wrapped.append((runs, height + LINE_GAP))
    footer = 2 * PADDING + sum(height for _, height in wrapped)
    card = Image.new("RGB", (width, shot.height + footer + 1), BACKGROUND)
    card.paste(shot, (0, 0))
    draw = ImageDraw.Draw(card)
    draw.line([(0, shot.height), (width, shot.height)], fill=RULE, width=1)
    y = shot.height + 1 + PADDING
    for runs, height in wrapped:
        x = float(PADDING)
        for text, font in runs:
            draw.text((x, y), text, fill=FOREGROUND, font=font)
            x += font.getlength(text)
        y += height
    out = io.BytesIO()
    card.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()
