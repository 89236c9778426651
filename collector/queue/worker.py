"""`evidence worker`: one browser with N captures at a time, until stopped.

Up to 2N jobs run at once: N in the browser, the others storing what they captured, the same
overlap `collect` has between capturing one target and saving another.

Beside procrastinate's own worker loop run two housekeeping loops:

- stalled jobs: procrastinate workers send a heartbeat every `stalled_after / 3` seconds; a job
  still `doing` whose worker has sent none for `stalled_after` seconds (the worker was killed,
  its machine lost) is put back to `todo` by whichever live worker notices first;
- finishing: every `finish_every` seconds, when this worker recorded captures, it timestamps the
  new manifests and writes a signed, timestamped log checkpoint (as `collect` does at its end);
  once more when the worker stops.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import procrastinate

from archive.archive import Archive
from archive.provenance.seal import finish_writes
from collector.collect.pipeline import CollectOptions
from collector.collect.stack import capture_stack
from collector.queue.app import QUEUE, ensure_schema, make_app
from collector.queue.ratelimit import per_minute
from collector.queue.tasks import WorkerResources

log = logging.getLogger(__name__)


@dataclass
class WorkerSettings:
    """How one worker runs."""

    concurrency: int = 2
    stalled_after_s: float = 30.0
    finish_every_s: float = 60.0
    name: str | None = None


async def retry_stalled(app: procrastinate.App, stalled_after_s: float) -> int:
    """Put jobs of workers silent for `stalled_after_s` back in the queue; return how many."""
    retried = 0
    stalled = await app.job_manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=stalled_after_s
    )
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
            retried += 1
            log.warning("job %s was left by a stopped worker; queued again", job.id)
        except Exception as exc:  # another worker retried it first
            log.info("job %s not retried: %s", job.id, exc)
    return retried


async def _every(seconds: float, action: Callable[[], Awaitable[object]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await action()
        except Exception:
            log.exception("housekeeping step failed")


async def _finish(resources: WorkerResources) -> None:
    if resources.stored:
        resources.stored = 0
        await asyncio.to_thread(finish_writes, resources.archive)


async def run_worker(archive: Archive, options: CollectOptions, settings: WorkerSettings) -> None:
    """Run a capture worker on `archive` until SIGINT/SIGTERM."""
    app = make_app(archive.settings.database_url)
    async with (
        app.open_async(),
        capture_stack(
            options.capture,
            options.platforms,
            slots=settings.concurrency,
            sessions=options.sessions,
        ) as stack,
    ):
        await ensure_schema(app)
        resources = WorkerResources(
            archive=archive,
            stack=stack,
            options=options,
            rate_per_minute=per_minute(archive.settings.section("queue")),
            pool=app.connector.pool,  # type: ignore[attr-defined]
        )
        stalled_after = settings.stalled_after_s
        housekeeping = [
            asyncio.create_task(
                _every(stalled_after / 3, lambda: retry_stalled(app, stalled_after))
            ),
            asyncio.create_task(_every(settings.finish_every_s, lambda: _finish(resources))),
        ]
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                name=settings.name,
                # as many jobs again as browser slots: a job stores its capture (blobs,
                # rows, signature) outside the browser while the next one captures
                concurrency=2 * settings.concurrency,
                additional_context={"resources": resources},
                update_heartbeat_interval=stalled_after / 3,
                stalled_worker_timeout=stalled_after,
                delete_jobs="never",
            )
        finally:
            for task in housekeeping:
                task.cancel()
            for task in housekeeping:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await _finish(resources)
