"""Browser capture: screenshots, DOM, a byte-faithful WARC, TLS chain and redirect chain.

Public API: `CaptureSettings`, `CaptureEngine`, `capture_many`, `capture_urls`,
`CaptureResult`, and `collector.capture.store.save_capture`.
"""

from collector.capture.engine import CaptureEngine, capture_many, capture_urls
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.settings import CaptureSettings

__all__ = [
    "ArtifactData",
    "CaptureEngine",
    "CaptureResult",
    "CaptureSettings",
    "capture_many",
    "capture_urls",
]
