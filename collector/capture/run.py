"""The state of one capture while it runs: clocks, what the page did, what went wrong.

The steps (`steps.py`) and the page watchers (`watch.py`) write it; `assemble.py` turns it into
the CaptureResult.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from collector.capture.recorder import Exchange, Recorder
from collector.capture.result import ArtifactData
from collector.capture.session import CaptureSession
from collector.capture.settings import CaptureSettings

ARTIFACT_RESERVE_S = 5.0
"""Time kept back from the page steps for screenshots and DOM of whatever has loaded."""


class StepOutcome(StrEnum):
    """How one step of a capture ended."""

    OK = "ok"
    TIMED_OUT = "timed_out"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepReport:
    """A step's outcome, why (for anything but ok), and how long it took."""

    name: str
    outcome: StepOutcome
    reason: str | None = None
    seconds: float = 0.0


@dataclass
class CaptureRun:
    """Everything one capture has recorded so far."""

    url: str
    settings: CaptureSettings
    started: datetime
    recorder: Recorder
    t0: float = field(default_factory=time.monotonic)
    problems: list[str] = field(default_factory=list)
    """What makes the capture partial, in the words of its reason."""
    warnings: list[str] = field(default_factory=list)
    """What a reader should know that does not make the capture partial (missing glyphs)."""
    details: dict[str, Any] = field(default_factory=dict)
    """What steps add to the capture's details (`fonts`, `missing_glyphs`)."""
    fatal: str | None = None
    """Why the capture failed (no page at all), once that is known."""
    steps: list[StepReport] = field(default_factory=list)
    artifacts: list[ArtifactData] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    navigations: list[tuple[str, bool, float]] = field(default_factory=list)
    """(url, is an HTTP redirect, seconds since start) of each main-frame navigation."""
    console: list[dict[str, Any]] = field(default_factory=list)
    browser_failures: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"dialogs": [], "popups": [], "downloads": [], "websockets": []}
    )
    title: str | None = None
    download: bool = False
    download_started: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set by the page's `download` event (see `watch`)."""
    page_height: int | None = None
    companion_result: Any = None
    on_screenshots: Callable[[list[ArtifactData]], None] | None = None
    """Called with the screenshots once the screenshots step has ended, so work on them can
    start while the page's other steps run (`collect.imagework`)."""
    session: CaptureSession | None = field(default=None, repr=False)
    """The login the capture runs with (None: logged out)."""

    @property
    def deadline(self) -> float:
        """Monotonic time at which the capture's budget ends."""
        return self.t0 + self.settings.timeout_s

    @property
    def page_deadline(self) -> float:
        """When the page steps must end, keeping time back for screenshots and DOM."""
        return self.deadline - min(ARTIFACT_RESERVE_S, self.settings.timeout_s / 4)

    @property
    def stopped(self) -> bool:
        """True when no further step can run: no page arrived, or the URL is a download."""
        return self.fatal is not None or self.download

    def timed_out(self) -> bool:
        """True when a step has already run out of time."""
        return any(step.outcome is StepOutcome.TIMED_OUT for step in self.steps)

    def main_exchange(self) -> Exchange | None:
        """The exchange that served the last main-frame document."""
        if not self.navigations:
            return None
        url = self.navigations[-1][0].split("#", 1)[0]
        for exchange in reversed(self.recorder.exchanges):
            if exchange.url == url and not exchange.companion:
                return exchange
        return None

    def document_arrived(self) -> bool:
        """True when the last main-frame request got a response that is not a redirect."""
        main = self.main_exchange()
        if main is None or main.response_head is None or main.blocked:
            return False
        return not (300 <= (main.status or 0) < 400 and main.response_head.get("location"))
