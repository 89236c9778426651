"""`evidence serve`: run the web viewer on loopback, protected by an access token."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer

from archive.errors import EvidenceError
from collector.cli.context import state
from collector.cli.vantages import VantageOption

if TYPE_CHECKING:
    from archive.archive import Archive
    from collector.collect.pipeline import ProgressFn
    from collector.web.jobs import Job, Runner


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, bound before anything is printed: a busy port or an
    unknown host is the one-line error (uvicorn would log it and exit on its own)."""
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(128)
    except OSError as exc:
        listening.close()
        raise EvidenceError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return listening


def collect_runner(archive: Archive, vantages: list[str] | None = None) -> Runner:
    """What the viewer's job queue runs: `collect` with the archive's own settings, every
    target also captured through each of `vantages` (checked now: a bad proxy stops `serve`)."""
    from collector.collect.pipeline import CollectOptions, collect

    CollectOptions.for_archive(archive, vantage=vantages)

    def run(job: Job, progress: ProgressFn) -> dict[str, Any]:
        options = CollectOptions.for_archive(archive, case=job.case, vantage=vantages)
        return collect(archive, job.location, options, progress).to_dict()

    return run


def recheck_runner(archive: Archive) -> Runner:
    """What the viewer runs for a "recheck" action: `recheck` of one target."""
    from dataclasses import asdict

    from collector.collect.pipeline import CollectOptions
    from collector.collect.recheck import recheck

    def run(job: Job, progress: ProgressFn) -> dict[str, Any]:
        options = CollectOptions.for_archive(archive)
        results, summary = recheck(archive, [job.location], options, progress)
        return {"results": [asdict(result) for result in results], **summary}

    return run


def register(app: typer.Typer) -> None:
    """Add `serve`."""

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
        new_token: Annotated[
            bool, typer.Option("--new-token", help="Replace the access token and print it.")
        ] = False,
        allow_remote: Annotated[
            bool,
            typer.Option("--allow-remote", help="Allow listening on a non-loopback address."),
        ] = False,
        vantage: VantageOption = None,
    ) -> None:
        """Run the web viewer (cases, sources, captures, search, custody log).

        With `--vantage`, every collect submitted in the viewer captures each target again
        through those proxies (kept here, never in a form or a job page)."""
        import uvicorn

        from collector.cli.output import console
        from collector.web.app import create_app
        from collector.web.auth import prepare_token
        from collector.web.jobs import JobQueue

        if not _is_loopback(host) and not allow_remote:
            raise EvidenceError(
                f"refusing to listen on {host}: the viewer is bound to loopback unless "
                "--allow-remote is given"
            )
        listening = _listen(host, port)
        archive = state(ctx).archive()
        configured = os.environ.get("EVIDENCE_WEB_TOKEN") or archive.settings.section("web").get(
            "token"
        )
        tokens, fresh = prepare_token(archive.home / "keys", configured, renew=new_token)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        console.print(f"Viewer for [bold]{archive.home}[/bold]", highlight=False)
        if fresh:
            console.print(
                "New access token (shown once; only its hash is stored):\n"
                f"  http://{shown_host}:{port}/?token={fresh}",
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print(
                f"Open http://{shown_host}:{port}/ with your access token "
                "(`evidence serve --new-token` replaces a lost one).",
                highlight=False,
            )
        jobs = JobQueue(collect_runner(archive, vantage), recheck_runner(archive))
        try:
            config = uvicorn.Config(create_app(archive, tokens, jobs), log_level="warning")
            uvicorn.Server(config).run(sockets=[listening])
        finally:
            jobs.stop()
            listening.close()
