"""The `capture_target` task: what `collect` does for one Target, run by any worker.

A job carries the target id, the case id and the collect options that matter per capture
(recapture, fresh_for_s, depth). The worker's browser, HTTP client and capture settings are
shared by its jobs (`WorkerResources`, handed in as procrastinate's additional context). The
capture itself is `Collector.capture_target`, the same code path as a local `collect`, with
the job id written into the capture's details.

Idempotency: before capturing, the task looks for a capture of this target carrying this job
id. A worker killed after the capture's rows committed but before procrastinate marked the job
done leaves exactly that; the retried job then returns it instead of capturing again, so one
job records at most one capture. A worker killed before the commit leaves at most unreferenced
blobs (bytes first, then rows), and the retry captures afresh.
"""

import asyncio
import contextlib
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

import procrastinate
from sqlmodel import select

from archive.archive import Archive
from archive.errors import NotFoundError
from archive.models import Capture, PostSnapshot, Target
from collector.collect.pipeline import CollectOptions, Collector, Outcome
from collector.collect.sessions import SessionChoice, SessionPicker
from collector.collect.skipped import Skipped
from collector.collect.stack import CaptureStack
from collector.queue.ratelimit import wait_for_slot

QUEUE = "captures"
JOB_ID_KEY = "queue_job_id"

blueprint = procrastinate.Blueprint()


@dataclass
class WorkerResources:
    """What one worker process shares between its concurrent jobs."""

    archive: Archive
    stack: CaptureStack  # its browser slots bound the captures at once, across all jobs
    options: CollectOptions
    rate_per_minute: float
    pool: Any  # the App's psycopg pool (host-rate reservations)
    stored: int = 0  # captures recorded since the last finish (timestamps + checkpoint)


def job_options(options: CollectOptions) -> dict[str, Any]:
    """The per-capture part of collect options, as JSON job arguments (with the session
    choice when `--session` or `--no-session` was given: the session's name, never a secret)."""
    choice = options.sessions.choice if options.sessions is not None else SessionChoice()
    return {
        "recapture": options.recapture,
        "fresh_for_s": options.fresh_for.total_seconds(),
        "depth": options.depth,
        **(choice.as_job() if choice != SessionChoice() else {}),
    }


def job_sessions(archive: Archive, options: dict[str, Any]) -> SessionPicker | None:
    """The session picker a job asks for (None: the worker's own)."""
    choice = SessionChoice.from_job(options)
    return SessionPicker(archive.home, choice) if choice is not None else None


def _load_target(archive: Archive, target_id: str) -> Target:
    with archive.session() as session:
        target = session.get(Target, target_id)
    if target is None:
        raise NotFoundError(f"no target {target_id}")
    return target


def capture_of_job(archive: Archive, target_id: str, job_id: int) -> Capture | None:
    """The capture of `target_id` recorded by queue job `job_id`, if any."""
    with archive.session() as session:
        captures = session.exec(select(Capture).where(Capture.target_id == target_id)).all()
    return next((c for c in captures if (c.details or {}).get(JOB_ID_KEY) == job_id), None)


def _quiet(_description: str, _total: int | None) -> None:
    """Workers report through the job's result, not a progress bar."""


async def run_capture(
    resources: WorkerResources,
    job_id: int,
    target_id: str,
    case_id: str | None,
    options: dict[str, Any],
) -> tuple[Outcome, list[str]]:
    """Capture one target for job `job_id`; return its outcome and the targets it led to
    (quoted or parent posts, and with depth 1 links inside the post) for new jobs."""
    archive = resources.archive
    target = await asyncio.to_thread(_load_target, archive, target_id)
    collect_options = replace(
        resources.options,
        recapture=bool(options.get("recapture")),
        fresh_for=timedelta(seconds=float(options.get("fresh_for_s", 86400))),
        depth=int(options.get("depth", 0)),
        sessions=job_sessions(archive, options) or resources.options.sessions,
    )
    collector = Collector(archive, collect_options, _quiet)
    collector.stack = resources.stack
    collector.case_id = case_id
    collector.capture_details = {JOB_ID_KEY: job_id}
    earlier = await asyncio.to_thread(capture_of_job, archive, target_id, job_id)
    if earlier is not None:
        outcome = Outcome(
            target_id=target.id,
            url=target.canonical_url,
            kind=target.kind,
            platform=target.platform,
            status=earlier.status,
            reason="recorded by an earlier attempt of this job",
            capture_id=earlier.id,
            manifest_sha256=earlier.manifest_sha256,
        )
        # the earlier attempt may have died before queueing what the post quotes or links
        return outcome, await asyncio.to_thread(_related_targets, collector, outcome)
    if target.canonical_url:
        await wait_for_slot(resources.pool, target.canonical_url, resources.rate_per_minute)
    outcome = await collector.capture_target(target, None, None)
    if outcome.status in tuple(Skipped) or outcome.capture_id is None:
        return outcome, []
    resources.stored += 1
    return outcome, await asyncio.to_thread(_related_targets, collector, outcome)


def _stored_relations(collector: Collector, capture_id: str) -> list[tuple[str, list[str]]]:
    """Quoted and parent posts named by the PostSnapshots a capture stored."""
    with collector.archive.session() as session:
        posts = session.exec(select(PostSnapshot).where(PostSnapshot.capture_id == capture_id))
        relations = []
        for post in posts:
            for relation, post_id in (
                ("quoted", post.quoted_post_id),
                ("reply_to", post.reply_to_id),
            ):
                if post_id and post.platform == "twitter":
                    relations.append((relation, [f"https://x.com/i/status/{post_id}"]))
    return relations


def _related_targets(collector: Collector, outcome: Outcome) -> list[str]:
    """Targets a capture leads to: from this run's platform results, or, for a capture an
    earlier attempt stored, from its stored posts."""
    in_memory = collector.related.get(outcome.capture_id or "")
    urls_by_relation: list[tuple[str, list[str]]] = (
        [(relation, [result.url]) for relation, result in in_memory]
        if in_memory is not None
        else _stored_relations(collector, outcome.capture_id or "")
    )
    if collector.options.depth >= 1:
        urls_by_relation.append(("link", collector.post_links(outcome)))
    found: dict[str, None] = {}
    for relation, urls in urls_by_relation:
        for target, _via in collector.targets_for(urls, outcome, relation):
            found[target.id] = None
    return list(found)


@blueprint.task(
    name="capture_target",
    queue=QUEUE,
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2),
)
async def capture_target(
    context: procrastinate.JobContext,
    target_id: str,
    case_id: str | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Capture one target; related posts found in it become jobs of their own."""
    resources: WorkerResources = context.additional_context["resources"]
    assert context.job.id is not None
    outcome, related = await run_capture(resources, context.job.id, target_id, case_id, options)
    if related and options.get("follow", True):
        follow = {**options, "follow": False, "depth": 0}
        task = context.app.tasks[context.job.task_name]
        for related_id in related:  # one queued job per follow-up target, even across retries
            with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
                await task.configure(queueing_lock=f"follow:{related_id}").defer_async(
                    target_id=related_id, case_id=case_id, options=follow
                )
    return asdict(outcome)
