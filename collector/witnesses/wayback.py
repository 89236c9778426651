"""The Wayback Machine: Availability API, CDX index, snapshot URLs and Save Page Now 2.

Endpoints, relative to the configured base (`[witness] wayback_url`): Availability at
`/wayback/available`, CDX at `/cdx/search/cdx` (JSON output: a header row of field names, then
one row per capture; text output: space-separated default fields), snapshots at
`/web/<timestamp>[id_]/<url>`, Save Page Now 2 at `POST /save` and `GET /save/status/<job>`.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from archive.vocabulary import WitnessMethod, WitnessService, WitnessStatus
from collector.witnesses.answer import Memento, WitnessAnswer, failed

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
"""The CDX server's default fields, in its text output's column order."""
WAYBACK = WitnessService.WAYBACK


def parse_timestamp(value: str) -> datetime | None:
    """A capture's Wayback timestamp (`YYYYMMDDhhmmss`, 14 digits) as aware UTC, else None."""
    if not value.isdigit() or len(value) != 14:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def snapshot_url(base: str, timestamp: str, url: str, raw: bool = True) -> str:
    """The URL of one snapshot; `raw` (`id_`) gives the archived bytes without the banner."""
    return f"{base}/web/{timestamp}{'id_' if raw else ''}/{url}"


@dataclass(frozen=True)
class CdxRow:
    """One capture in the CDX index."""

    timestamp: str
    original: str
    statuscode: str
    mimetype: str
    digest: str


def parse_cdx(body: bytes) -> tuple[list[CdxRow], int]:
    """Rows of a CDX answer in JSON or text output, and how many malformed rows were skipped."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return [], 0
    records: list[dict[str, str]] = []
    skipped = 0
    if text.startswith("["):
        try:
            table = json.loads(text)
        except ValueError:
            return [], 1
        if not isinstance(table, list) or not table or not isinstance(table[0], list):
            return [], 1
        header = [str(name) for name in table[0]]
        for row in table[1:]:
            if not isinstance(row, list) or len(row) != len(header):
                skipped += 1
                continue
            records.append(dict(zip(header, (str(cell) for cell in row), strict=True)))
    else:
        for line in text.splitlines():
            cells = line.split()
            if len(cells) != len(CDX_FIELDS):
                skipped += 1
                continue
            records.append(dict(zip(CDX_FIELDS, cells, strict=True)))
    rows = []
    for record in records:
        if parse_timestamp(record.get("timestamp", "")) is None or not record.get("original"):
            skipped += 1
            continue
        rows.append(
            CdxRow(
                record["timestamp"],
                record["original"],
                record.get("statuscode", "-"),
                record.get("mimetype", "-"),
                record.get("digest", "-"),
            )
        )
    return rows, skipped


async def cdx_query(
    client: httpx.AsyncClient, base: str, params: dict[str, str]
) -> tuple[httpx.Response | None, str, str | None]:
    """GET the CDX index with `params` (JSON output); the response, request URL, or error."""
    request = client.build_request(
        "GET", f"{base}/cdx/search/cdx", params={"output": "json", **params}
    )
    try:
        return await client.send(request), str(request.url), None
    except httpx.HTTPError as exc:
        return None, str(request.url), f"{type(exc).__name__}: {exc}"


async def cdx_lookup(client: httpx.AsyncClient, base: str, url: str) -> WitnessAnswer:
    """Every capture the CDX index lists for exactly `url`."""
    response, request_url, error = await cdx_query(client, base, {"url": url})
    method = WitnessMethod.CDX
    if response is None:
        return failed(WAYBACK, method, request_url, url, error or "no answer")
    if response.status_code != 200:
        answer = failed(WAYBACK, method, request_url, url, f"HTTP {response.status_code}")
        answer.http_status, answer.body = response.status_code, response.content
        return answer
    rows, skipped = parse_cdx(response.content)
    mementos = [
        Memento(snapshot_url(base, row.timestamp, row.original, raw=False),
                parse_timestamp(row.timestamp), "web.archive.org")
        for row in rows
    ]  # fmt: skip
    return WitnessAnswer(
        WAYBACK,
        method,
        WitnessStatus.FOUND if mementos else WitnessStatus.NONE,
        request_url,
        url,
        mementos,
        http_status=200,
        body=response.content,
        details={"malformed_rows": skipped} if skipped else {},
    )


async def availability(client: httpx.AsyncClient, base: str, url: str) -> WitnessAnswer:
    """The closest available snapshot the Availability API names for `url`."""
    request = client.build_request("GET", f"{base}/wayback/available", params={"url": url})
    method = WitnessMethod.AVAILABILITY
    try:
        response = await client.send(request)
    except httpx.HTTPError as exc:
        return failed(WAYBACK, method, str(request.url), url, f"{type(exc).__name__}: {exc}")
    answer = WitnessAnswer(
        WAYBACK,
        method,
        WitnessStatus.NONE,
        str(request.url),
        url,
        http_status=response.status_code,
        body=response.content,
    )
    if response.status_code != 200:
        answer.status, answer.error = WitnessStatus.FAILED, f"HTTP {response.status_code}"
        return answer
    try:
        closest = (response.json().get("archived_snapshots") or {}).get("closest") or {}
    except (ValueError, AttributeError):
        answer.status, answer.error = WitnessStatus.FAILED, "the answer is not an Availability JSON"
        return answer
    if closest.get("available") and closest.get("url"):
        when = parse_timestamp(str(closest.get("timestamp", "")))
        answer.mementos = [Memento(str(closest["url"]), when, "web.archive.org")]
        answer.status = WitnessStatus.FOUND
    return answer


@dataclass(frozen=True)
class SaveLimits:
    """How Save Page Now is paced: polling interval, 429 retries and the longest wait."""

    poll_s: float = 5.0
    max_retries: int = 3
    max_retry_after_s: float = 60.0
    deadline_s: float = 120.0


def _retry_after(response: httpx.Response, limits: SaveLimits) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        seconds = limits.poll_s
    return min(max(seconds, 0.0), limits.max_retry_after_s)


async def _paced(
    send: Any, limits: SaveLimits, waits: list[float]
) -> tuple[httpx.Response | None, str | None]:
    """Send, backing off on 429 by its Retry-After, at most `max_retries` times."""
    for attempt in range(limits.max_retries + 1):
        response = await send()
        if response.status_code != 429:
            return response, None
        if attempt == limits.max_retries:
            break
        wait = _retry_after(response, limits)
        waits.append(wait)
        await asyncio.sleep(wait)
    return None, f"rate limited (HTTP 429) after {limits.max_retries} retries"


def _error_text(data: dict[str, Any]) -> str:
    return str(data.get("status_ext") or data.get("message") or "error")


async def save(
    client: httpx.AsyncClient,
    base: str,
    url: str,
    access_key: str,
    secret_key: str,
    limits: SaveLimits = SaveLimits(),
) -> WitnessAnswer:
    """Submit `url` to Save Page Now 2 and poll its job to the memento it made (or its error)."""
    headers = {"Accept": "application/json", "Authorization": f"LOW {access_key}:{secret_key}"}
    request_url = f"{base}/save"
    method = WitnessMethod.SAVE
    waits: list[float] = []
    started = time.monotonic()
    try:
        response, error = await _paced(
            lambda: client.post(request_url, data={"url": url}, headers=headers), limits, waits
        )
        if response is None:
            return _with(failed(WAYBACK, method, request_url, url, error or ""), waits)
        job = _json_object(response)
        if response.status_code != 200 or not job.get("job_id"):
            reason = _error_text(job) if job else f"HTTP {response.status_code}"
            answer = failed(WAYBACK, method, request_url, url, f"not accepted: {reason}")
            answer.http_status, answer.body = response.status_code, response.content
            return _with(answer, waits)
        job_id = str(job["job_id"])
        status_url = f"{base}/save/status/{job_id}"
        while time.monotonic() - started < limits.deadline_s:
            await asyncio.sleep(limits.poll_s)
            polled, error = await _paced(
                lambda: client.get(status_url, headers=headers), limits, waits
            )
            if polled is None:
                return _with(failed(WAYBACK, method, status_url, url, error or ""), waits)
            state = _json_object(polled)
            if state.get("status") == "pending":
                continue
            answer = WitnessAnswer(
                WAYBACK, method, WitnessStatus.FAILED, status_url, url,
                http_status=polled.status_code, body=polled.content,
                details={"job_id": job_id},
            )  # fmt: skip
            if state.get("status") == "success" and state.get("timestamp"):
                original = str(state.get("original_url") or url)
                answer.status = WitnessStatus.SAVED
                answer.mementos = [
                    Memento(
                        snapshot_url(base, str(state["timestamp"]), original, raw=False),
                        parse_timestamp(str(state["timestamp"])),
                        "web.archive.org",
                    )
                ]
            else:
                answer.error = _error_text(state) if state else f"HTTP {polled.status_code}"
            return _with(answer, waits)
        answer = failed(WAYBACK, method, status_url, url, "still pending at the deadline")
        answer.details["job_id"] = job_id
        return _with(answer, waits)
    except httpx.HTTPError as exc:
        return _with(
            failed(WAYBACK, method, request_url, url, f"{type(exc).__name__}: {exc}"), waits
        )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _with(answer: WitnessAnswer, waits: list[float]) -> WitnessAnswer:
    if waits:
        answer.details["backed_off_s"] = waits
    return answer


@dataclass
class CdxListing:
    """One CDX query's request, its raw answer (or error) and the rows it held."""

    request_url: str
    http_status: int | None
    body: bytes | None
    error: str | None
    rows: list[CdxRow]
    malformed: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)


async def cdx_prefix(client: httpx.AsyncClient, base: str, prefix: str) -> CdxListing:
    """Every capture the CDX index lists under a URL prefix (e.g. a handle's status URLs)."""
    response, request_url, error = await cdx_query(
        client, base, {"url": prefix, "matchType": "prefix"}
    )
    if response is None:
        return CdxListing(request_url, None, None, error, [])
    headers = list(response.headers.multi_items())
    if response.status_code != 200:
        error = f"HTTP {response.status_code}"
        return CdxListing(request_url, response.status_code, response.content, error, [],
                          headers=headers)  # fmt: skip
    rows, malformed = parse_cdx(response.content)
    return CdxListing(request_url, 200, response.content, None, rows, malformed, headers)
