"""The capture stack: one browser engine, one guarded HTTP client, the acquirer over both, and
the semaphore that bounds how many captures are in the browser at once.

Every way of capturing (`collect`, `capture`, `recheck`, `extract --render`, the queue worker
and `collect --queue`) opens it through `capture_stack`, so the set-up and tear-down order,
and the network rules the engine and client enforce, are written once.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from collector.capture.client import make_client
from collector.capture.engine import CaptureEngine
from collector.capture.lifecycle import Prelaunch
from collector.capture.settings import CaptureSettings
from collector.collect.acquire import Acquirer
from collector.collect.sessions import SessionPicker
from collector.platforms.config import PlatformConfig


@dataclass
class CaptureStack:
    """What an open capture stack offers: the acquirer (engine + client) and the browser slots."""

    acquirer: Acquirer
    browser_slots: asyncio.Semaphore

    @property
    def engine(self) -> CaptureEngine:
        """The open capture engine (raises when the stack was opened without a browser)."""
        if self.acquirer.engine is None:
            raise RuntimeError("this capture stack was opened without a browser")
        return self.acquirer.engine


@contextlib.asynccontextmanager
async def capture_stack(
    settings: CaptureSettings,
    platforms: PlatformConfig,
    *,
    browser: bool = True,
    slots: int | None = None,
    sessions: SessionPicker | None = None,
    prelaunch: Prelaunch | None = None,
) -> AsyncIterator[CaptureStack]:
    """Open the engine (unless `browser=False`: only reading a file needs none) and the client.

    `slots` bounds the captures in the browser at once (default: `settings.concurrency`);
    `sessions` picks the login session of each capture (None: every capture logged out);
    `prelaunch`, the browser's launch begun earlier with the same settings, is adopted by the
    engine. Both are closed on leaving, in reverse order, whatever happened inside.
    """
    async with contextlib.AsyncExitStack() as stack:
        engine = (
            await stack.enter_async_context(CaptureEngine(settings, prelaunch)) if browser else None
        )
        client = await stack.enter_async_context(make_client(settings))
        acquirer = Acquirer(engine, client, platforms, sessions)  # type: ignore[arg-type]
        yield CaptureStack(acquirer, asyncio.Semaphore(max(1, slots or settings.concurrency)))
