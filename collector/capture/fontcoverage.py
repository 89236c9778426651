"""Which characters the installed fonts can draw: the union of fontconfig's charsets.

Chromium on Linux finds a fallback font for a character by asking fontconfig, and Skia only
loads TrueType and CFF outlines, so a character that no TrueType or CFF font known to
fontconfig covers is drawn as the missing-glyph box (".notdef"), unless a web font of the page
covers it. `fc-list` prints every font's charset as hexadecimal ranges; their union is read once
per process (about 20 ms for 300 fonts) and kept as merged intervals. No Python library reads
fontconfig's charsets without a C binding to build, and fontTools would have to open every font
file (the CJK collections alone are 100 MB), so the ranges are parsed here.
"""

import bisect
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import cache

FC_LIST_TIMEOUT_S = 20.0
CHROMIUM_FORMATS = frozenset({"TrueType", "CFF"})
"""fontconfig `fontformat` values whose fonts Chromium (Skia) can draw with."""
NOT_DRAWN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
"""Controls, format characters, surrogates and spaces: no glyph is expected for them."""
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): variation
selectors, joiners, tags, fillers. A renderer shows nothing for them, so none counts as missing."""


@dataclass(frozen=True)
class Coverage:
    """Merged, sorted code point intervals that at least one installed font covers."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    fonts: int
    """How many fonts the union was built from."""

    def covers(self, code_point: int) -> bool:
        """True when some installed font has a glyph for `code_point`."""
        index = bisect.bisect_right(self.starts, code_point) - 1
        return index >= 0 and code_point <= self.ends[index]


def needs_glyph(character: str) -> bool:
    """False for characters a renderer draws nothing for (spaces, controls, joiners...)."""
    code_point = ord(character)
    if unicodedata.category(character) in NOT_DRAWN_CATEGORIES:
        return False
    return not any(low <= code_point <= high for low, high in DEFAULT_IGNORABLE)


def parse_charsets(listing: str) -> Coverage:
    """The union of `fc-list --format '%{fontformat}\\t%{charset}\\n'` lines Chromium can use."""
    intervals: list[tuple[int, int]] = []
    fonts = 0
    for line in listing.splitlines():
        font_format, _, charset = line.partition("\t")
        if font_format not in CHROMIUM_FORMATS:
            continue
        fonts += 1
        for item in charset.split():
            low, _, high = item.partition("-")
            intervals.append((int(low, 16), int(high or low, 16)))
    intervals.sort()
    starts: list[int] = []
    ends: list[int] = []
    for low, high in intervals:
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return Coverage(tuple(starts), tuple(ends), fonts)


class CoverageUnknown(Exception):
    """The installed fonts' coverage cannot be read (no fontconfig, or it failed)."""


@cache
def installed_coverage() -> Coverage:
    """The coverage of the installed fonts, read from fontconfig once per process.

    Raises CoverageUnknown when `fc-list` is missing or fails (a failure is not cached)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise CoverageUnknown("fontconfig's fc-list is not installed")
    try:
        listing = subprocess.run(
            [fc_list, "--format", "%{fontformat}\t%{charset}\n"],
            capture_output=True,
            text=True,
            timeout=FC_LIST_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise CoverageUnknown(f"fc-list failed: {exc}") from exc
    return parse_charsets(listing)
