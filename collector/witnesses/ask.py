"""Ask every configured witness about one URL, each under its own time limit.

Lookups (Wayback Availability and CDX, the Memento aggregator's TimeMap, archive.today's
TimeMap) run for every URL whose service has a base URL; Save Page Now only when `witnesses`
names `wayback` and both keys are given. Whatever goes wrong (a time-out, a refused
connection, an unreadable answer) becomes a `failed` answer with the error: never an exception.
"""

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field

import httpx

from archive.vocabulary import WitnessMethod, WitnessService
from archive.witness_settings import WitnessSettings
from collector.witnesses import archive_today, memento, wayback
from collector.witnesses.answer import WitnessAnswer, failed

SAVE_DEADLINE_FACTOR = 6
"""A submission may take this many lookup time limits: Save Page Now needs tens of seconds."""


@dataclass
class WitnessSlots:
    """How many questions are in flight at once across all targets of a run: a collect of
    hundreds of posts must not flood the archives, and Save Page Now limits concurrent jobs."""

    lookups: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))
    saves: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


async def _bounded(
    slot: asyncio.Semaphore,
    question: Awaitable[WitnessAnswer],
    seconds: float,
    service: WitnessService,
    method: WitnessMethod,
    request_url: str,
    url: str,
) -> WitnessAnswer:
    try:
        async with slot:  # waiting for a slot does not count against the time limit
            return await asyncio.wait_for(question, timeout=seconds)
    except TimeoutError:
        return failed(service, method, request_url, url, f"no answer within {seconds:g} s")
    except Exception as exc:  # noqa: BLE001 - a witness never fails the capture
        return failed(service, method, request_url, url, f"{type(exc).__name__}: {exc}")


async def ask_witnesses(
    client: httpx.AsyncClient,
    settings: WitnessSettings,
    url: str,
    slots: WitnessSlots | None = None,
) -> list[WitnessAnswer]:
    """Every configured witness's answer about `url`, in a stable order; `slots` are shared
    by every call of one run (a fresh set when not given)."""
    slots = slots or WitnessSlots()
    limit = settings.timeout_s
    asked: list[Awaitable[WitnessAnswer]] = []

    def ask(
        service: WitnessService,
        method: WitnessMethod,
        request_url: str,
        question: Awaitable[WitnessAnswer],
        seconds: float = limit,
    ) -> None:
        slot = slots.saves if method == WitnessMethod.SAVE else slots.lookups
        asked.append(_bounded(slot, question, seconds, service, method, request_url, url))

    if base := settings.wayback_url:
        ask(
            WitnessService.WAYBACK,
            WitnessMethod.AVAILABILITY,
            f"{base}/wayback/available",
            wayback.availability(client, base, url),
        )
        ask(
            WitnessService.WAYBACK,
            WitnessMethod.CDX,
            f"{base}/cdx/search/cdx",
            wayback.cdx_lookup(client, base, url),
        )
    if base := settings.timemap_url:
        ask(
            WitnessService.MEMENTO,
            WitnessMethod.TIMEMAP,
            f"{base}/{url}",
            memento.timemap(client, base, url),
        )
    if base := settings.archive_today_url:
        ask(
            WitnessService.ARCHIVE_TODAY,
            WitnessMethod.TIMEMAP,
            f"{base}/timemap/{url}",
            archive_today.lookup(client, base, url),
        )
    if settings.submits_to_wayback:
        base, deadline = settings.wayback_url, limit * SAVE_DEADLINE_FACTOR
        limits = wayback.SaveLimits(deadline_s=deadline)
        keys = (settings.wayback_access_key, settings.wayback_secret_key)
        ask(
            WitnessService.WAYBACK,
            WitnessMethod.SAVE,
            f"{base}/save",
            wayback.save(client, base, url, *keys, limits),
            deadline + limit,
        )
    return list(await asyncio.gather(*asked))  # fmt: skip
