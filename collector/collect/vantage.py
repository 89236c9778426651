"""Second vantage points (`--vantage PROXY`): capture a target again through another network
exit and record, as corroboration, whether what was served agrees with the normal capture.

Each vantage proxy gets its own capture stack (`capture_stack` with the proxy as the settings'
upstream proxy), so the page, the platform data and the media all travel through that exit.
The vantage capture is stored as a capture of its own (its details say which vantage, by the
proxy URL without credentials, its exit IP when an echo URL is configured and answered, and
which capture it corroborates; they are in its signed manifest), and one `vantage.compared`
custody event ties both capture ids to the comparison (`collector.collect.corroboration`).
A vantage that fails (proxy down, refused, timing out) is a failed vantage capture with its
reason; it never changes the normal capture's outcome.

The exit IP comes from `[capture] vantage_echo_url` (`EVIDENCE_VANTAGE_ECHO_URL`), off by
default: asking a service publishes that a capture is under way. It is asked through the
vantage's own client just before its capture; the answer must parse as an IP address.
"""

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.vocabulary import CaptureStatus, CustodyAction
from collector.capture.settings import CaptureSettings, redacted_proxy
from collector.collect.corroboration import Observation, compare, observe
from collector.collect.record import SavedCapture, save_acquisition
from collector.collect.stack import CaptureStack, capture_stack
from collector.platforms.config import PlatformConfig

MAX_ECHO_BYTES = 100

VANTAGE_DETAILS_KEY = "vantage"
"""The key of a vantage capture's own details that says which vantage and what it corroborates."""


def is_vantage_capture(details: dict[str, Any] | None) -> bool:
    """Whether a capture (by its details) was made through a vantage, not as the normal one.

    Reuse and rechecks compare against normal captures only: a vantage may have been served
    another version on purpose (another country), which is a finding, not a change."""
    return bool((details or {}).get(VANTAGE_DETAILS_KEY))


def vantage_settings(base: CaptureSettings, proxies: list[str]) -> list[CaptureSettings]:
    """One settings object per vantage proxy; EvidenceError for an unusable proxy URL."""
    chosen = []
    for proxy in proxies:
        proxy = proxy.strip()
        if not proxy:
            raise EvidenceError("--vantage needs a proxy URL (http://… or socks5://…)")
        settings = base.with_overrides(proxy=proxy)
        settings.validate()
        chosen.append(settings)
    return chosen


async def seen_exit_ip(client: httpx.AsyncClient, echo_url: str | None) -> dict[str, Any]:
    """The exit IP an echo service saw (asked through the vantage's own client), with where it
    came from; an unusable answer is recorded as such, never guessed."""
    if not echo_url:
        return {"exit_ip": None}
    try:
        async with client.stream("GET", echo_url) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ECHO_BYTES:
                    raise ValueError(f"answer longer than {MAX_ECHO_BYTES} bytes")
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        answer = body.decode("ascii", errors="replace").strip()
        return {"exit_ip": str(ipaddress.ip_address(answer)), "exit_ip_source": echo_url}
    except Exception as exc:  # the echo is a courtesy: it never stops the vantage capture
        return {"exit_ip": None, "exit_ip_error": f"{echo_url}: {type(exc).__name__}: {exc}"}


@dataclass
class VantagePoint:
    """One open vantage: its capture stack and the proxy as it may be shown."""

    label: str
    stack: CaptureStack


def saved_observation(saved: SavedCapture) -> Observation:
    """The observation of a capture just stored."""
    return observe(saved.capture_id, saved.status, saved.artifacts, saved.post)


class Vantages:
    """The open vantage points of one command; `corroborate` runs after each normal capture."""

    def __init__(self, archive: Archive, points: list[VantagePoint]) -> None:
        self.archive = archive
        self.points = points

    async def corroborate(
        self,
        url: str,
        main: SavedCapture,
        *,
        target_id: str | None = None,
        case_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Capture `url` through every vantage and record each comparison with `main`."""
        return list(
            await asyncio.gather(
                *(
                    self._one(point, url, main, target_id, case_id, details or {})
                    for point in self.points
                )
            )
        )

    async def _one(
        self,
        point: VantagePoint,
        url: str,
        main: SavedCapture,
        target_id: str | None,
        case_id: str | None,
        details: dict[str, Any],
    ) -> dict[str, Any]:
        stack = point.stack
        exit_ip = await seen_exit_ip(stack.acquirer.client, stack.engine.settings.vantage_echo_url)
        vantage = {"proxy": point.label, **exit_ip, "corroborates": main.capture_id}
        saved: SavedCapture | None = None
        try:
            async with stack.browser_slots:
                acquisition = await stack.acquirer.acquire(url)
            saved = await asyncio.to_thread(
                lambda: save_acquisition(
                    self.archive,
                    acquisition,
                    target_id=target_id,
                    case_id=case_id,
                    details={**details, VANTAGE_DETAILS_KEY: vantage},
                )
            )
            status, reason = saved.status, saved.reason
            observed = saved_observation(saved)
        except Exception as exc:  # a vantage must never fail the normal capture
            status, reason = CaptureStatus.FAILED, f"vantage not captured: {exc}"
            observed = Observation(None, status)
        payload = {
            "url": url,
            "capture_id": main.capture_id,
            "vantage_capture_id": saved.capture_id if saved else None,
            "vantage": {"proxy": point.label, **exit_ip},
            "vantage_status": status,
            "vantage_reason": reason,
            "comparison": compare(saved_observation(main), observed),
        }
        await asyncio.to_thread(self._record, main.capture_id, payload)
        return payload

    def _record(self, capture_id: str, payload: dict[str, Any]) -> None:
        with self.archive.session() as session:
            self.archive.record(
                session, CustodyAction.VANTAGE_COMPARED, "capture", capture_id, payload
            )


def vantage_rows(comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The short form of `vantage.compared` payloads for a command's output rows."""
    return [
        {
            "corroborates": c["capture_id"],
            "proxy": c["vantage"]["proxy"],
            "exit_ip": c["vantage"].get("exit_ip"),
            "capture_id": c["vantage_capture_id"],
            "status": c["vantage_status"],
            "reason": c["vantage_reason"],
            "agrees": c["comparison"]["agrees"],
            "post_agrees": c["comparison"]["post"]["agrees"],
            "server_html_equal": c["comparison"]["server_html"]["agrees"],
            "screenshot_phash_distance": c["comparison"]["screenshot_phash_distance"],
        }
        for c in comparisons
    ]


@contextlib.asynccontextmanager
async def open_vantages(
    archive: Archive, settings: list[CaptureSettings], platforms: PlatformConfig
) -> AsyncIterator[Vantages | None]:
    """Open one capture stack per vantage setting (None when there are none), closed on exit."""
    if not settings:
        yield None
        return
    async with contextlib.AsyncExitStack() as stack:
        points = [
            VantagePoint(
                redacted_proxy(each.proxy) or "",
                await stack.enter_async_context(capture_stack(each, platforms)),
            )
            for each in settings
        ]
        yield Vantages(archive, points)
