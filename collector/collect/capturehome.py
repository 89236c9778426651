"""What an archive home sets for its captures, read without loading the capture stack (a cold
`evidence capture` needs the settings to start Chromium before the rest is imported)."""

from typing import Any

from archive.config import Settings

CACHE_FOLDER = "cache"
"""The home's folder for what can be read again at any time (the browser's native answers)."""


def capture_section(home: Settings) -> dict[str, Any]:
    """The home's `[capture]` table, over the defaults that depend on the home: what the
    browser shows natively is kept in its `cache/` folder (`native_cache_dir`)."""
    return {"native_cache_dir": str(home.home / CACHE_FOLDER), **home.section("capture")}
