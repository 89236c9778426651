"""Browser capture: screenshots, DOM, a byte-faithful WARC, TLS chain and redirect chain.

Public API: `CaptureSettings`, `CaptureEngine`, `capture_many`, `capture_urls`,
`CaptureResult`, and `collector.capture.store.save_capture`. The names are loaded on first
use (PEP 562), so that importing one light module of the package (`settings`, `browser`,
`lifecycle`) does not import the whole engine: a cold `evidence capture` starts Chromium
before the rest is imported (`lifecycle.py`).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collector.capture.engine import CaptureEngine, capture_many, capture_urls
    from collector.capture.result import ArtifactData, CaptureResult
    from collector.capture.settings import CaptureSettings

_PUBLIC = {
    "ArtifactData": "collector.capture.result",
    "CaptureEngine": "collector.capture.engine",
    "CaptureResult": "collector.capture.result",
    "CaptureSettings": "collector.capture.settings",
    "capture_many": "collector.capture.engine",
    "capture_urls": "collector.capture.engine",
}

__all__ = [
    "ArtifactData",
    "CaptureEngine",
    "CaptureResult",
    "CaptureSettings",
    "capture_many",
    "capture_urls",
]


def __getattr__(name: str) -> Any:
    """The public names, imported from their modules on first use."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'collector.capture' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
