"""`evidence worker`: run capture jobs from the queue (PostgreSQL archives only)."""

from typing import Annotated

import typer

from collector.cli.context import state
from collector.cli.session_options import NoSessionOption, SessionOption


def register(app: typer.Typer) -> None:
    """Add `worker`."""

    @app.command("worker")
    def worker(
        ctx: typer.Context,
        concurrency: Annotated[
            int, typer.Option(help="Captures at the same time (one browser).", min=1)
        ] = 2,
        stalled_after: Annotated[
            float,
            typer.Option(
                "--stalled-after",
                help="Seconds without a heartbeat before a worker's jobs are retried.",
                min=3,
            ),
        ] = 30.0,
        finish_every: Annotated[
            float,
            typer.Option(
                "--finish-every",
                help="Seconds between timestamping and checkpointing new captures.",
                min=1,
            ),
        ] = 60.0,
        name: Annotated[str | None, typer.Option(help="Worker name shown in logs.")] = None,
        session: SessionOption = None,
        no_session: NoSessionOption = False,
    ) -> None:
        """Capture queued targets until stopped (Ctrl-C or SIGTERM finish running jobs).

        Capture settings (proxy, timeout, allow_private, ...) come from the home's `[capture]`
        table and EVIDENCE_* variables, the same on every worker machine. A job queued with
        `collect --queue --session NAME` (or `--no-session`) says so itself; others follow
        `--session` / `--no-session` here, else the session bound to each host in this
        machine's home (`evidence session add` there)."""
        import asyncio
        import logging

        from collector.collect.pipeline import CollectOptions
        from collector.queue.app import conninfo
        from collector.queue.worker import WorkerSettings, run_worker

        archive = state(ctx).archive()
        conninfo(archive.settings.database_url)  # one-line error unless PostgreSQL
        options = CollectOptions.for_archive(
            archive, concurrency=concurrency, session=session, no_session=no_session
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        settings = WorkerSettings(concurrency, stalled_after, finish_every, name)
        asyncio.run(run_worker(archive, options, settings))
