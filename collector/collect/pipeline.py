"""`collect`: one article in, every cited post and link captured, sealed and timestamped.

Named steps, each safe to re-run:

1. `ingest`: capture or read the article, extract its citations, store Source, Citations and
   their Targets (a fresh identical source is reused);
2. `plan`: one work item per distinct Target, posts first; a Target captured completely within
   `fresh_for` is reused unless `recapture`; a signature with no URL goes to `resolve`
   (`collect/resolve.py`): one matching post becomes its Target and is captured, several are
   reported `ambiguous`, none `unresolved`, each with what was tried;
3. `capture`: acquire each Target (browser + platform data) with bounded concurrency and store
   it sealed, while the witnesses (`collect/witnessing.py`) are asked about it; quoted and
   parent posts become their own Targets and are captured too; with `depth >= 1` the links
   inside captured posts are followed once;
4. `finish`: timestamp new manifests and write a signed, timestamped (RFC 3161, and
   OpenTimestamps when calendars are configured) log checkpoint.

An interrupted run leaves complete captures only; the next run reuses them and does the rest.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from archive.archive import Archive
from archive.blobstore import LocalBlobStore
from archive.models import Artifact, Capture, PostSnapshot, Target
from archive.provenance.seal import Finish, finish_writes
from archive.provenance.timestamps import tsa_settings
from archive.timeutil import iso, utcnow
from archive.vocabulary import CaptureStatus, CitationKind, CustodyAction, WitnessStatus
from archive.witness_settings import WitnessSettings, witness_settings
from collector.capture.settings import CaptureSettings
from collector.collect.capturehome import capture_section
from collector.collect.plan import planned_targets, shows_the_page, unresolved_reason
from collector.collect.record import SavedCapture, save_acquisition
from collector.collect.resolve import (
    Resolution,
    ResolutionStatus,
    record_resolution,
    resolve_signature,
)
from collector.collect.sessions import SessionChoice, SessionPicker
from collector.collect.skipped import Skipped
from collector.collect.source import ingest
from collector.collect.stack import CaptureStack, capture_stack
from collector.collect.targets import ensure_target
from collector.collect.vantage import (
    Vantages,
    is_vantage_capture,
    open_vantages,
    vantage_rows,
    vantage_settings,
)
from collector.collect.witnessing import store_answers
from collector.extract import classify_url
from collector.platforms.config import PlatformConfig
from collector.platforms.result import PlatformResult
from collector.sites import twitter
from collector.witnesses.ask import WitnessSlots, ask_witnesses


@dataclass
class CollectOptions:
    """How one collect runs."""

    capture: CaptureSettings
    platforms: PlatformConfig
    case: str | None = None
    recapture: bool = False
    fresh_for: timedelta = timedelta(hours=24)
    depth: int = 0
    vantages: list[CaptureSettings] = field(default_factory=list)
    witness: WitnessSettings = field(default_factory=WitnessSettings)
    sessions: SessionPicker | None = None

    @classmethod
    def for_archive(cls, archive: Archive, **flags: Any) -> "CollectOptions":
        """Options from the archive's `[capture]` / `[platforms]` settings, the environment
        and explicit flags (capture flags: concurrency, proxy, allow_private, timeout_s;
        `vantage`, a list of proxy URLs to capture every target through again; `session` and
        `no_session`, which login session captures use: see `collect/sessions.py`)."""
        capture_flags = {
            key: flags.pop(key)
            for key in ("concurrency", "proxy", "allow_private", "timeout_s")
            if key in flags
        }
        capture = CaptureSettings.from_sources(capture_section(archive.settings), **capture_flags)
        platforms = PlatformConfig.load(archive.settings.section("platforms"))
        vantages = vantage_settings(capture, flags.pop("vantage", None) or [])
        witness = witness_settings(archive.settings)
        named, off = flags.pop("session", None), flags.pop("no_session", False)
        choice = SessionChoice.from_flags(named, off)
        return cls(
            capture=capture,
            platforms=platforms,
            vantages=vantages,
            witness=witness,
            sessions=SessionPicker(archive.home, choice),
            **flags,
        )


@dataclass
class Outcome:
    """What happened to one cited (or discovered) item."""

    target_id: str | None
    url: str | None
    kind: str
    platform: str
    status: str  # a CaptureStatus, or Skipped when nothing was captured
    reason: str | None = None
    capture_id: str | None = None
    manifest_sha256: str | None = None
    screenshot: str | None = None
    screenshot_sha256: str | None = None
    post: dict[str, Any] | None = None
    found_via: str | None = None
    citation: dict[str, Any] | None = None
    vantages: list[dict[str, Any]] = field(default_factory=list)
    witnesses: list[dict[str, Any]] = field(default_factory=list)
    resolution: dict[str, Any] | None = None


@dataclass
class CollectReport:
    """The result of one collect, JSON-ready through `to_dict`."""

    location: str
    source_id: str
    source_reused: bool
    started_at: datetime
    finished_at: datetime | None = None
    article: Outcome | None = None
    items: list[Outcome] = field(default_factory=list)
    timestamps: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Stable keys for `--json`."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return {
            "location": self.location,
            "source_id": self.source_id,
            "source_reused": self.source_reused,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at) if self.finished_at else None,
            "article": asdict(self.article) if self.article else None,
            "items": [asdict(item) for item in self.items],
            "counts": counts,
            "timestamps": self.timestamps,
        }


ProgressFn = Callable[[str, int | None], None]
"""Called with a description and the new total of work items (None: unchanged)."""
ItemFn = Callable[[Outcome, float], None]
"""Called as each item finishes, with its outcome and the seconds it took."""


def _screenshot(archive: Archive, artifacts: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    for role in ("screenshot-full", "screenshot-viewport"):
        for artifact in artifacts:
            if artifact["role"] == role:
                sha = str(artifact["blob_sha256"])
                path = (
                    archive.blobs.path(sha) if isinstance(archive.blobs, LocalBlobStore) else None
                )
                return (str(path) if path else None), sha
    return None, None


def _outcome_from_saved(
    archive: Archive, saved: SavedCapture, target: Target | None, url: str | None = None
) -> Outcome:
    """The outcome of a capture of `target` (or, without one, of the article at `url`)."""
    path, sha = _screenshot(archive, saved.artifacts)
    return Outcome(
        target_id=target.id if target else None,
        url=target.canonical_url if target else url,
        kind=target.kind if target else "article",
        platform=target.platform if target else "web",
        status=saved.status,
        reason=saved.reason,
        capture_id=saved.capture_id,
        manifest_sha256=saved.manifest_sha256,
        screenshot=path,
        screenshot_sha256=sha,
        post=_post_summary(saved.post),
    )


def _post_summary(post: dict[str, Any] | None) -> dict[str, Any] | None:
    if post is None:
        return None
    keys = ("platform", "post_id", "availability", "author_handle", "author_name", "text")
    summary = {key: post.get(key) for key in keys}
    summary["posted_at"] = iso(post["posted_at"]) if post.get("posted_at") else None
    return summary


def _reusable(archive: Archive, target: Target, since: datetime) -> Outcome | None:
    with archive.session() as session:
        newest_first = session.exec(
            select(Capture)
            .where(Capture.target_id == target.id, Capture.status == CaptureStatus.COMPLETE)
            .where(col(Capture.started_at) >= since)
            .order_by(col(Capture.started_at).desc())
        )
        capture = next(
            (
                c
                for c in newest_first
                if not is_vantage_capture(c.details) and shows_the_page(c.details)
            ),
            None,
        )
        if capture is None:
            return None
        artifacts = [
            {"role": a.role, "blob_sha256": a.blob_sha256}
            for a in session.exec(select(Artifact).where(Artifact.capture_id == capture.id))
        ]
        post = session.exec(
            select(PostSnapshot).where(PostSnapshot.capture_id == capture.id).limit(1)
        ).first()
    path, sha = _screenshot(archive, artifacts)
    return Outcome(
        target_id=target.id,
        url=target.canonical_url,
        kind=target.kind,
        platform=target.platform,
        status=Skipped.REUSED,
        reason=f"reused the complete capture of {iso(capture.started_at)}",
        capture_id=capture.id,
        manifest_sha256=capture.manifest_sha256,
        screenshot=path,
        screenshot_sha256=sha,
        post=_post_summary(post.model_dump()) if post else None,
    )


class Collector:
    """Runs the collect steps for one archive with one capture stack and set of options.

    `run` opens its own stack; a queue worker sets `stack` to its shared one instead."""

    def __init__(
        self,
        archive: Archive,
        options: CollectOptions,
        progress: ProgressFn,
        on_item: ItemFn | None = None,
    ) -> None:
        self.archive = archive
        self.options = options
        self.progress = progress
        self.on_item = on_item
        self.total = 0
        self.case_id: str | None = None
        self.stack: CaptureStack | None = None
        self.vantages: Vantages | None = None
        self.related: dict[str, list[tuple[str, PlatformResult]]] = {}
        self.capture_details: dict[str, Any] = {}  # added to every capture's details
        self.witness_slots: WitnessSlots | None = None  # made in the run's event loop

    def _grow(self, count: int, description: str) -> None:
        self.total += count
        self.progress(description, self.total)

    async def run(self, location: str) -> CollectReport:
        """All steps for one source."""
        started = utcnow()
        if self.options.case:
            with self.archive.session() as session:
                self.case_id = self.archive.ensure_case(session, self.options.case).id
        async with (
            capture_stack(
                self.options.capture, self.options.platforms, sessions=self.options.sessions
            ) as stack,
            open_vantages(self.archive, self.options.vantages, self.options.platforms) as points,
        ):
            self.stack, self.vantages = stack, points
            self._grow(1, f"reading {location}")
            started_clock = time.monotonic()
            ingested = await ingest(
                self.archive,
                location,
                stack.acquirer,
                case_id=self.case_id,
                fresh_since=started - self.options.fresh_for,
                recapture=self.options.recapture,
            )
            self.progress("done article", None)
            report = CollectReport(location, ingested.source_id, ingested.reused, started)
            if ingested.capture is not None:
                report.article = _outcome_from_saved(self.archive, ingested.capture, None, location)
                self._finished(report.article, started_clock)
            planned = planned_targets(self.archive, ingested.source_id)
            self._grow(len(planned), "capturing cited items")
            report.items = list(
                await asyncio.gather(
                    *(self._capture(target, citation) for target, citation in planned)
                )
            )
            report.items.extend(await self._follow(report.items))
        self.progress("timestamping and checkpointing", None)
        finish = await asyncio.to_thread(finish_writes, self.archive)
        report.timestamps = _finish_summary(self.archive, finish)
        report.finished_at = utcnow()
        return report

    async def _capture(
        self, target: Target, citation: dict[str, Any] | None, found_via: str | None = None
    ) -> Outcome:
        started = time.monotonic()
        try:
            outcome = await self.capture_target(target, citation, found_via)
        finally:
            self.progress(f"done {target.canonical_url or target.key}", None)
        self._finished(outcome, started)
        return outcome

    def _finished(self, outcome: Outcome, started: float) -> None:
        if self.on_item is not None:
            self.on_item(outcome, time.monotonic() - started)

    async def capture_target(
        self, target: Target, citation: dict[str, Any] | None, found_via: str | None
    ) -> Outcome:
        """Capture one target (or reuse a fresh complete capture); also used by queue workers."""
        if not target.canonical_url:
            return await self._resolve(target, citation, found_via)
        if not self.options.recapture:
            reused = _reusable(self.archive, target, utcnow() - self.options.fresh_for)
            if reused is not None:
                reused.citation, reused.found_via = citation, found_via
                return reused
        assert self.stack is not None, "capture_target needs an open capture stack"
        self.witness_slots = self.witness_slots or WitnessSlots()
        witnessed = asyncio.create_task(
            ask_witnesses(self.stack.acquirer.client, self.options.witness,
                          target.canonical_url, self.witness_slots)
        )  # fmt: skip
        try:
            url, sessions = target.canonical_url, self.options.sessions
            turn = await self.stack.acquirer.session_turn(url, sessions)
            async with self.stack.browser_slots:
                acquisition = await self.stack.acquirer.acquire(url, sessions=sessions, turn=turn)
            saved = await asyncio.to_thread(
                lambda: save_acquisition(
                    self.archive,
                    acquisition,
                    target_id=target.id,
                    case_id=self.case_id,
                    details=self.capture_details,
                )
            )
        except BaseException:
            witnessed.cancel()
            raise
        outcome = _outcome_from_saved(self.archive, saved, target)
        outcome.citation, outcome.found_via = citation, found_via
        if self.vantages is not None:
            compared = await self.vantages.corroborate(
                target.canonical_url,
                saved,
                target_id=target.id,
                case_id=self.case_id,
                details=self.capture_details,
            )
            outcome.vantages = vantage_rows(compared)
        outcome.witnesses = await self._store_witnesses(witnessed, target, saved.capture_id)
        if saved.related:
            self.related[saved.capture_id] = saved.related
        return outcome

    async def _resolve(
        self, target: Target, citation: dict[str, Any] | None, found_via: str | None
    ) -> Outcome:
        """A signature with no URL: find the post it quotes and capture that, or say why not."""
        reason = unresolved_reason(citation)
        resolution: Resolution | None = None
        payload: dict[str, Any] | None = None
        if citation and citation.get("platform") == twitter.NAME and self.stack is not None:
            try:
                resolution = await resolve_signature(
                    self.stack.acquirer.client, self.options.platforms, self.options.witness,
                    citation,
                )  # fmt: skip
                payload = await asyncio.to_thread(
                    record_resolution, self.archive, target.id, resolution
                )
            except Exception as exc:  # noqa: BLE001 - the other targets go on
                reason = f"{reason}; resolving failed: {type(exc).__name__}: {exc}"
        if resolution is not None and resolution.status == ResolutionStatus.RESOLVED:
            match = resolution.matches[0]
            with self.archive.session() as session:
                resolved = ensure_target(
                    self.archive,
                    session,
                    {"kind": CitationKind.POST, "platform": twitter.NAME, "url": match.url,
                     "post_id": match.post_id, "author_handle": resolution.handle},
                )  # fmt: skip
            outcome = await self.capture_target(
                resolved, citation, found_via or f"resolved from {target.id}"
            )
            outcome.resolution = payload
            return outcome
        status = Skipped.UNRESOLVED
        if resolution is not None:
            reason = f"{reason}; {resolution.reason}"
            if resolution.status == ResolutionStatus.AMBIGUOUS:
                status, reason = Skipped.AMBIGUOUS, resolution.reason
        return Outcome(
            target_id=target.id,
            url=None,
            kind=target.kind,
            platform=target.platform,
            status=status,
            reason=reason,
            citation=citation,
            found_via=found_via,
            resolution=payload,
        )

    async def _store_witnesses(
        self, witnessed: "asyncio.Task[list[Any]]", target: Target, capture_id: str
    ) -> list[dict[str, Any]]:
        """The witnesses' answers stored beside the capture; a failure here is reported on the
        outcome, never raised: the capture is already complete and committed."""
        try:
            answers = await witnessed
            rows = await asyncio.to_thread(
                store_answers, self.archive, target.id, capture_id, answers
            )
        except Exception as exc:  # noqa: BLE001 - a witness never fails the capture
            return [{"status": WitnessStatus.FAILED, "error": f"witnesses not stored: {exc}"}]
        return [_witness_summary(row) for row in rows]

    async def _follow(self, outcomes: list[Outcome]) -> list[Outcome]:
        """Quoted and parent posts always; links inside posts when depth >= 1 (one level)."""
        discovered: list[tuple[Target, str]] = []
        for outcome in outcomes:
            related = self.related.get(outcome.capture_id or "", [])
            for relation, result in related:
                discovered.extend(self.targets_for([result.url], outcome, relation))
            if self.options.depth >= 1 and outcome.capture_id:
                discovered.extend(self.targets_for(self.post_links(outcome), outcome, "link"))
        unique = {target.id: (target, via) for target, via in discovered}
        if not unique:
            return []
        self._grow(len(unique), "capturing quoted posts and links found in posts")
        return list(
            await asyncio.gather(
                *(self._capture(target, None, via) for target, via in unique.values())
            )
        )

    def post_links(self, outcome: Outcome) -> list[str]:
        """The links inside the posts an outcome's capture stored."""
        with self.archive.session() as session:
            posts = session.exec(
                select(PostSnapshot).where(PostSnapshot.capture_id == outcome.capture_id)
            ).all()
        urls = []
        for post in posts:
            for link in post.links:
                if link.get("kind", "link") in ("link", "card"):
                    urls.append(str(link.get("expanded_url") or link.get("url")))
        return urls

    def targets_for(
        self, urls: list[str], outcome: Outcome, relation: str
    ) -> list[tuple[Target, str]]:
        """Targets for URLs found in a capture, linked to it by `target.linked` events."""
        found = []
        with self.archive.session() as session:
            for url in urls:
                info = classify_url(url)
                if info is None or info.kind in ("share", "asset"):
                    continue
                citation = {
                    "kind": info.kind,
                    "platform": info.platform,
                    "url": info.canonical_url or url,
                    "post_id": info.post_id,
                    "author_handle": info.handle,
                }
                target = ensure_target(self.archive, session, citation)
                if target.id == outcome.target_id:
                    continue
                self.archive.record(
                    session,
                    CustodyAction.TARGET_LINKED,
                    "target",
                    target.id,
                    {
                        "relation": relation,
                        "from_capture": outcome.capture_id,
                        "from_target": outcome.target_id,
                    },
                )
                found.append((target, f"{relation} in {outcome.capture_id}"))
        return found


def _witness_summary(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "service", "method", "status", "memento_url", "memento_at", "error")
    return {key: row.get(key) for key in keys} | {"copies": len(row.get("mementos") or [])}


def _finish_summary(archive: Archive, finish: Finish) -> dict[str, Any]:
    tsa_urls = tsa_settings(archive).urls
    checkpoint = finish.checkpoint
    return {
        "tsa_urls": tsa_urls,
        "requested": len(finish.tokens),
        "granted": sum(1 for token in finish.tokens if token.status == "ok"),
        "failed": [f"{token.tsa_url}: {token.error}" for token in finish.failed],
        "note": None if tsa_urls else "not timestamped: no TSA configured (EVIDENCE_TSA_URLS)",
        "checkpoint_tree_size": checkpoint.tree_size if checkpoint else None,
        "checkpoint_root": checkpoint.root_hash if checkpoint else None,
    }


def collect(
    archive: Archive,
    location: str,
    options: CollectOptions,
    progress: ProgressFn,
    on_item: ItemFn | None = None,
) -> CollectReport:
    """Run `collect` for one source (blocking); `on_item` hears of each finished item."""
    return asyncio.run(Collector(archive, options, progress, on_item).run(location))
