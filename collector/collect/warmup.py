"""What the first capture of a process would otherwise load on its critical path, loaded
beforehand in a thread while the browser launches (or, when `evidence capture` began the
launch before its imports, while the first page loads).

A cold `evidence capture URL` spent about 0.5 s between the browser being up and the page
being asked for (choosing the adapter imports yt-dlp's extractors, reading the page's
metadata imports extruct with lxml), 0.6 s in the fonts step (fontconfig's charsets, read once
per process) and the first save's image code (Pillow's codecs, imagehash with numpy and
scipy, pdqhash, the card's font). `warm_up` does each once per process, whichever thread asks
first; a failure here is left for the capture that needs the piece to report with its reason.
"""

import contextlib
import threading

from archive.timeutil import utcnow
from collector.capture.fontcoverage import CoverageUnknown, installed_coverage
from collector.collect.imagework import IMAGE_MAX_PIXELS
from collector.platforms.evidence_card import render_card
from collector.platforms.imaging import analyze_with_thumbnail
from collector.platforms.registry import load_adapters

WARM_UP_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS"
    b"\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00\x00\x00IEND\xaeB`\x82"
)
"""A 1x1 white PNG."""

_LOCK = threading.Lock()
_DONE = threading.Event()


def warm_up() -> None:
    """Load, once per process, what choosing an adapter, reading a page's fonts and metadata
    and saving the first capture need: the adapters' libraries, fontconfig's charsets, and
    the image code (a 1x1 PNG checked, thumbnailed and carded; nothing is stored)."""
    with _LOCK:
        if _DONE.is_set():
            return
        with contextlib.suppress(Exception):
            load_adapters()
        with contextlib.suppress(CoverageUnknown):
            installed_coverage()
        with contextlib.suppress(Exception):
            analyze_with_thumbnail(WARM_UP_PNG, IMAGE_MAX_PIXELS)
            render_card(WARM_UP_PNG, "about:blank", utcnow(), "warm-up", IMAGE_MAX_PIXELS)
        _DONE.set()
