"""The resolve step of a collect: which X post a pasted signature with no link quotes.

A post id is a Snowflake, so the stated day gives an id range (the whole day in every time
zone). The Wayback Machine's CDX index lists the handle's status URLs (twitter.com and x.com);
ids in range are candidates. Each candidate's text comes from the platform adapter, or, when
the post is gone, from its archived copy (`<wayback>/web/<timestamp>id_/<url>`); it is scored
against the quote (`collector.extract.quotes`). One match resolves the signature; several
leave it `ambiguous`; none leave it `unresolved`. Every query, its answer's SHA-256 (the bytes
are stored as blobs, and every exchange in one WARC, `warc_sha256`), every candidate and its
score are recorded in a `target.resolved` custody event on the signature's Target.

X's own search (`from:handle since:… until:…`) needs an X session, which this tool does not
have yet: it is not a route here.
"""

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from archive.archive import Archive
from archive.timeutil import utcnow
from archive.vocabulary import Availability, CustodyAction
from archive.witness_settings import WitnessSettings
from collector.collect.exchange_warc import Exchange, exchanges_warc
from collector.extract.quotes import MATCH_SCORE, quote_score
from collector.platforms.config import PlatformConfig
from collector.platforms.html_meta import meta_tags
from collector.platforms.twitter import TwitterAdapter
from collector.sites import snowflake, twitter
from collector.witnesses.wayback import CdxListing, cdx_prefix, snapshot_url

MAX_CANDIDATES = 20
"""Candidates fetched at most; more in range is reported, not fetched."""
STATUS_HOSTS = ("twitter.com", "x.com")


class ResolutionStatus(StrEnum):
    """How a signature's resolution ended."""

    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    UNRESOLVED = "unresolved"


@dataclass
class Candidate:
    """A post in the id range, where its text came from and how well it matches."""

    post_id: str
    url: str
    posted_at: str | None
    text: str | None = None
    text_from: str | None = None  # the platform adapter's source, or "archived copy <url>"
    score: float = 0.0
    error: str | None = None


@dataclass
class Resolution:
    """What the resolve step tried and found; `queries` keep each answer's bytes for storing."""

    status: ResolutionStatus
    method: str
    reason: str
    handle: str | None = None
    stated_date: str | None = None
    id_range: list[str] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def matches(self) -> list[Candidate]:
        """The candidates that scored as a match."""
        return [c for c in self.candidates if c.score >= MATCH_SCORE]

    def payload(self) -> dict[str, Any]:
        """The custody event's payload (without the raw bytes, which are stored as blobs)."""
        data = asdict(self)
        data.pop("exchanges")
        return data

    def keep(self, exchange: Exchange, query: dict[str, Any] | None = None) -> None:
        """Keep an answer for the WARC and the blob store; `query` points at it."""
        self.exchanges.append(exchange)
        if query is not None:
            query["answer_index"] = len(self.exchanges) - 1


def _stated_day(posted_at: str | None) -> date | None:
    try:
        return date.fromisoformat((posted_at or "")[:10])
    except ValueError:
        return None


async def _listings(client: httpx.AsyncClient, base: str, handle: str) -> list[CdxListing]:
    prefixes = [f"{host}/{handle}/status/" for host in STATUS_HOSTS]
    return list(await asyncio.gather(*(cdx_prefix(client, base, p) for p in prefixes)))


def _in_range(listings: list[CdxListing], low: int, high: int) -> dict[str, tuple[str, str]]:
    """Post id -> (newest snapshot timestamp, original URL) for ids in range."""
    found: dict[str, tuple[str, str]] = {}
    for listing in listings:
        for row in listing.rows:
            post_id = _post_id(row.original)
            if post_id is None or snowflake.post_time(post_id) is None:
                continue
            if low <= int(post_id) <= high and (
                post_id not in found or row.timestamp > found[post_id][0]
            ):
                found[post_id] = (row.timestamp, row.original)
    return found


def _post_id(url: str) -> str | None:
    path = url.split("?", 1)[0].rstrip("/")
    head, _, last = path.rpartition("/")
    return last if head.endswith("/status") and last.isdigit() else None


def _archived_text(html: bytes) -> str | None:
    tags = meta_tags(LexborHTMLParser(html.decode("utf-8", "replace")))
    text = tags.get("og:description") or tags.get("twitter:description") or tags.get("description")
    return text.strip().strip('“”"') if text else None


async def _candidate_text(
    client: httpx.AsyncClient,
    adapter: TwitterAdapter,
    witness: WitnessSettings,
    candidate: Candidate,
    snapshot: tuple[str, str],
    resolution: Resolution,
) -> None:
    try:
        result = await asyncio.wait_for(adapter.fetch(candidate.url, client), witness.timeout_s)
        for raw in result.raw:
            resolution.keep(
                Exchange(raw.url, raw.status, list(raw.headers), raw.body, raw.fetched_at)
            )
        if result.availability == Availability.AVAILABLE and result.text:
            candidate.text, candidate.text_from = result.text, result.source or "platform"
            return
        candidate.error = f"platform: {result.availability}"
    except (TimeoutError, httpx.HTTPError, ValueError) as exc:
        candidate.error = f"platform: {type(exc).__name__}: {exc}"
    archived = snapshot_url(witness.wayback_url, snapshot[0], snapshot[1], raw=True)
    query: dict[str, Any] = {"url": archived, "purpose": f"archived copy of {candidate.post_id}"}
    try:
        response = await asyncio.wait_for(client.get(archived), witness.timeout_s)
        query["http_status"] = response.status_code
        headers = list(response.headers.multi_items())
        exchange = Exchange(archived, response.status_code, headers, response.content, utcnow())
        resolution.keep(exchange, query)
        if response.status_code == 200:
            text = _archived_text(response.content)
            if text:
                candidate.text, candidate.text_from = text, f"archived copy {archived}"
    except (TimeoutError, httpx.HTTPError) as exc:
        query["error"] = f"{type(exc).__name__}: {exc}"
    resolution.queries.append(query)


async def resolve_signature(
    client: httpx.AsyncClient,
    platforms: PlatformConfig,
    witness: WitnessSettings,
    citation: dict[str, Any],
) -> Resolution:
    """Find the post a URL-less signature quotes (see the module docstring)."""
    handle, quoted = citation.get("author_handle"), citation.get("text") or ""
    resolution = Resolution(
        ResolutionStatus.UNRESOLVED, "snowflake+cdx", "", handle, citation.get("posted_at")
    )
    day = _stated_day(citation.get("posted_at"))
    if not handle or day is None or not quoted.strip():
        missing = "handle" if not handle else ("full date" if day is None else "quoted text")
        resolution.reason = f"cited without a URL; the signature states no {missing} to search by"
        return resolution
    if not witness.wayback_url:
        resolution.reason = "cited without a URL; the Wayback lookup is off (wayback_url)"
        return resolution
    low, high = snowflake.id_range(day)
    resolution.id_range = [str(low), str(high)]
    listings = await _listings(client, witness.wayback_url, handle)
    for listing in listings:
        query: dict[str, Any] = {"url": listing.request_url, "http_status": listing.http_status,
                                 "rows": len(listing.rows), "malformed_rows": listing.malformed,
                                 "error": listing.error}  # fmt: skip
        if listing.body is not None:
            exchange = Exchange(listing.request_url, listing.http_status or 0, listing.headers,
                                listing.body, utcnow())  # fmt: skip
            resolution.keep(exchange, query)
        resolution.queries.append(query)
    in_range = _in_range(listings, low, high)
    adapter = TwitterAdapter(platforms)
    for post_id in sorted(in_range)[:MAX_CANDIDATES]:
        posted = snowflake.post_time(post_id)
        candidate = Candidate(
            post_id, twitter.post_url(handle, post_id), posted.isoformat() if posted else None
        )
        await _candidate_text(client, adapter, witness, candidate, in_range[post_id], resolution)
        candidate.score = quote_score(quoted, candidate.text) if candidate.text else 0.0
        resolution.candidates.append(candidate)
    matches = resolution.matches
    tried = (
        f"{len(in_range)} of the handle's archived status URLs fall on {day.isoformat()} "
        f"(ids {low}..{high}, UTC-12 to UTC+14)"
    )
    if len(matches) == 1:
        resolution.status = ResolutionStatus.RESOLVED
        resolution.reason = f"resolved to {matches[0].url} (score {matches[0].score}); {tried}"
    elif matches:
        resolution.status = ResolutionStatus.AMBIGUOUS
        listed = ", ".join(f"{m.url} ({m.score})" for m in matches)
        resolution.reason = f"{len(matches)} posts match the quote: {listed}; {tried}"
    else:
        errors = [q["error"] for q in resolution.queries if q.get("error")]
        resolution.reason = f"cited without a URL; no post matched the quote: {tried}" + (
            f"; lookups failed: {'; '.join(errors)}" if errors else ""
        )
    return resolution


def record_resolution(archive: Archive, target_id: str, resolution: Resolution) -> dict[str, Any]:
    """Store every answer as a blob, all of them as one WARC (`warc_sha256`), and the
    resolution as a `target.resolved` custody event."""
    payload = resolution.payload()
    with archive.session() as session:
        digests = [archive.store_blob(session, ex.body).sha256 for ex in resolution.exchanges]
        if resolution.exchanges:
            warc = exchanges_warc(resolution.exchanges, f"resolving a signature of {target_id}")
            payload["warc_sha256"] = archive.store_blob(session, warc).sha256
        for query in payload["queries"]:
            index = query.pop("answer_index", None)
            if index is not None:
                query["answer_sha256"] = digests[index]
        archive.record(session, CustodyAction.TARGET_RESOLVED, "target", target_id, payload)
    return payload
