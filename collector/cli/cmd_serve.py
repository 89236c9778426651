"""`evidence serve`: run the web viewer on loopback, protected by an access token."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from archive.errors import EvidenceError
from collector.cli.context import state

if TYPE_CHECKING:
    from archive.archive import Archive
    from collector.collect.pipeline import ProgressFn


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


def collect_runner(archive: Archive) -> Callable[[str, ProgressFn], dict[str, Any]]:
    """What the viewer's job queue runs: `collect` with the archive's own settings."""
    from collector.collect.pipeline import CollectOptions, collect

    def run(location: str, progress: ProgressFn) -> dict[str, Any]:
        options = CollectOptions.for_archive(archive)
        return collect(archive, location, options, progress).to_dict()

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
    ) -> None:
        """Run the web viewer (cases, sources, captures, search, custody log)."""
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
        jobs = JobQueue(collect_runner(archive))
        try:
            config = uvicorn.Config(create_app(archive, tokens, jobs), log_level="warning")
            uvicorn.Server(config).run(sockets=[listening])
        finally:
            jobs.stop()
            listening.close()
