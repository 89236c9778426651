"""`extract --render`: a page's DOM after its scripts ran, read through the capture engine.

Rendering goes through `CaptureEngine`, not a browser of its own, so it obeys every network
rule a capture obeys: the proxy, host resolver rules, extra CA and the private-address guard.
The capture made for it is not stored: `extract` records a source and its citations, and only
the DOM feeds the extraction (it is kept with the source as its rendered HTML).
"""

import asyncio

from archive.errors import EvidenceError
from archive.vocabulary import CaptureStatus
from collector.capture.engine import CaptureEngine
from collector.capture.settings import CaptureSettings


async def _render(url: str, settings: CaptureSettings) -> str:
    async with CaptureEngine(settings) as engine:
        result = await engine.capture(url)
    dom = result.artifact("dom")
    if result.status == CaptureStatus.FAILED or dom is None:
        raise EvidenceError(f"cannot render {url}: {result.status_reason or 'no page arrived'}")
    return dom.data.decode("utf-8", errors="replace")


def render_dom(url: str, settings: CaptureSettings) -> str:
    """The rendered DOM of `url`; EvidenceError when no page arrived (refused, unreachable)."""
    return asyncio.run(_render(url, settings))
