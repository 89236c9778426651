"""`evidence collect --queue`: ingest the source here, then one capture job per target.

The source is read (or captured, for a URL) and its citations and targets stored exactly as a
local `collect` does; then every planned target with a URL becomes a `capture_target` job and
the source's own capture is timestamped and checkpointed. Workers do the rest.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from archive.archive import Archive
from archive.provenance.seal import finish_writes
from archive.timeutil import utcnow
from collector.collect.locations import is_url
from collector.collect.pipeline import CollectOptions
from collector.collect.plan import planned_targets, unresolved_reason
from collector.collect.source import ingest
from collector.collect.stack import capture_stack
from collector.queue.app import CAPTURE_TASK, conninfo, ensure_schema, make_app
from collector.queue.tasks import job_options


@dataclass
class QueuedCollect:
    """What `collect --queue` did."""

    source_id: str
    source_reused: bool
    jobs: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Stable keys for `--json`."""
        return {
            "source_id": self.source_id,
            "source_reused": self.source_reused,
            "jobs": self.jobs,
            "unresolved": self.unresolved,
        }


async def _ingest_and_enqueue(
    archive: Archive, location: str, options: CollectOptions
) -> QueuedCollect:
    app = make_app(archive.settings.database_url)
    case_id = None
    if options.case:
        with archive.session() as session:
            case_id = archive.ensure_case(session, options.case).id
    # a file or stdin is only read: no browser is started for it
    stack = capture_stack(
        options.capture, options.platforms, browser=is_url(location), sessions=options.sessions
    )
    async with app.open_async(), stack as opened:
        await ensure_schema(app)
        ingested = await ingest(
            archive,
            location,
            opened.acquirer,
            case_id=case_id,
            fresh_since=utcnow() - options.fresh_for,
            recapture=options.recapture,
        )
        report = QueuedCollect(ingested.source_id, ingested.reused)
        planned = await asyncio.to_thread(planned_targets, archive, ingested.source_id)
        to_queue = [target for target, _citation in planned if target.canonical_url]
        report.unresolved = [
            {"target_id": target.id, "reason": unresolved_reason(citation), "citation": citation}
            for target, citation in planned
            if not target.canonical_url
        ]
        task = app.tasks[CAPTURE_TASK]
        args = job_options(options)
        job_ids = (
            await task.batch_defer_async(
                *({"target_id": t.id, "case_id": case_id, "options": args} for t in to_queue)
            )
            if to_queue
            else []
        )
        report.jobs = [
            {"job_id": job_id, "target_id": t.id, "url": t.canonical_url, "kind": t.kind}
            for job_id, t in zip(job_ids, to_queue, strict=True)
        ]
    await asyncio.to_thread(finish_writes, archive)
    return report


def collect_to_queue(archive: Archive, location: str, options: CollectOptions) -> QueuedCollect:
    """Ingest `location` and enqueue its targets (blocking); EvidenceError without PostgreSQL."""
    conninfo(archive.settings.database_url)  # refuses SQLite before any work
    return asyncio.run(_ingest_and_enqueue(archive, location, options))
