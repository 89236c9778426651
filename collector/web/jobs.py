"""Collect and recheck jobs submitted in the web viewer, run one at a time by a background thread.

A small in-process queue is enough for one investigator's viewer: jobs run in order, their
progress is visible, and what a job stored is committed as it goes (a viewer stopped mid-job
loses only the unfinished capture; `collect` on the same source finishes it). Many workers
sharing an archive is the job of the distributed queue (`evidence worker`), not this one.
"""

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from archive.errors import EvidenceError
from archive.timeutil import utcnow

ProgressFn = Callable[[str, int | None], None]
Runner = Callable[["Job", ProgressFn], dict[str, Any]]
"""Runs one job (its location, and for a collect its case) and returns its report."""


class JobKind(StrEnum):
    """What a job does: collect an article, or capture one cited item again."""

    COLLECT = "collect"
    RECHECK = "recheck"


class JobStatus(StrEnum):
    """Where a submitted collect is: waiting, running, finished, or stopped by an error."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Job:
    """One submitted collect and how far it got."""

    id: int
    location: str  # a URL or file path to collect, or the target id to recheck
    label: str
    kind: JobKind = JobKind.COLLECT
    case: str | None = None  # a collect groups its records under this case name
    status: JobStatus = JobStatus.QUEUED
    step: str = "waiting for the previous job"
    done: int = 0
    total: int | None = None
    submitted_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


class JobQueue:
    """Runs submitted jobs in order on one background thread."""

    def __init__(self, runner: Runner, rechecker: Runner | None = None) -> None:
        self._runners = {JobKind.COLLECT: runner}
        if rechecker is not None:
            self._runners[JobKind.RECHECK] = rechecker
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="collect-jobs", daemon=True)
        self._thread.start()

    def can(self, kind: JobKind) -> bool:
        """True when this queue runs jobs of `kind`."""
        return kind in self._runners

    def submit(
        self,
        location: str,
        label: str | None = None,
        kind: JobKind = JobKind.COLLECT,
        case: str | None = None,
    ) -> Job:
        """Queue a collect of `location` (URL or file path, under `case` if given), or a
        recheck of a target id."""
        if not self.can(kind):
            raise EvidenceError(f"this viewer does not run {kind} jobs")
        with self._lock:
            job = Job(next(self._ids), location, label or location, kind, case or None)
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: int) -> Job | None:
        """A job by number."""
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Every job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.id, reverse=True)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker after the current job."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            job.status, job.step = JobStatus.RUNNING, "starting"

            def progress(description: str, total: int | None, job: Job = job) -> None:
                if total is not None:
                    job.total = total
                if description.startswith("done "):
                    job.done += 1
                else:
                    job.step = description

            try:
                job.report = self._runners[job.kind](job, progress)
                job.status, job.step = JobStatus.DONE, "finished"
            except EvidenceError as exc:
                job.status, job.error = JobStatus.FAILED, str(exc)
            except Exception as exc:  # the viewer keeps serving whatever one job does
                job.status = JobStatus.FAILED
                job.error = f"internal error: {type(exc).__name__}: {exc}"
            job.finished_at = utcnow()
