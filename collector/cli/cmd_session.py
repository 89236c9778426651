"""`evidence session add|list|remove|check`: the investigator's login sessions, stored
encrypted in the archive home (`archive/sessions.py`). No command prints a secret."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from collector.cli.context import state

if TYPE_CHECKING:
    from archive.sessions import SessionStore

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
NameArgument = Annotated[str, typer.Argument(help="The session's name.")]


def register(app: typer.Typer) -> None:
    """Add the `session` command group."""
    session_app = typer.Typer(
        help="Login sessions for capturing what only a logged-in person sees.",
        no_args_is_help=True,
    )

    @session_app.command("add")
    def add(
        ctx: typer.Context,
        name: NameArgument,
        cookies: Annotated[
            Path | None, typer.Option("--cookies", help="A Netscape cookies.txt file.")
        ] = None,
        storage_state: Annotated[
            Path | None, typer.Option("--storage-state", help="A Playwright storage-state JSON.")
        ] = None,
        profile: Annotated[
            Path | None, typer.Option("--profile", help="A Chromium user-data folder (closed).")
        ] = None,
        host: Annotated[
            list[str] | None,
            typer.Option("--host", help="Use it for this host and its subdomains (repeatable)."),
        ] = None,
        handle: Annotated[
            str | None, typer.Option(help="The account's handle, as the report names it.")
        ] = None,
        check_url: Annotated[
            str | None,
            typer.Option("--check-url", help="A page only the logged-in account sees."),
        ] = None,
        rate: Annotated[
            float, typer.Option(help="At most this many captures a minute with it.", min=0.01)
        ] = 4.0,
        cooldown: Annotated[
            float,
            typer.Option(help="Seconds it rests after a challenge or HTTP 429.", min=0),
        ] = 900.0,
        replace: Annotated[
            bool, typer.Option("--replace", help="Replace a session of the same name.")
        ] = False,
        json: JsonOption = False,
    ) -> None:
        """Store a session (encrypted; the file given can be deleted afterwards)."""
        from archive.errors import EvidenceError
        from archive.session_formats import read_cookies_txt, read_storage_state
        from archive.sessions import SessionRecord, SessionStore, check_name, normalize_host
        from archive.vocabulary import SessionKind
        from collector.capture.settings import CaptureSettings
        from collector.cli.output import console, print_json

        given = [(k, v) for k, v in (("cookies", cookies), ("storage-state", storage_state),
                                     ("profile", profile)) if v is not None]  # fmt: skip
        if len(given) != 1:
            raise EvidenceError("give exactly one of --cookies, --storage-state, --profile")
        check_name(name)
        hosts = tuple(dict.fromkeys(normalize_host(h) for h in host or []))
        if check_url is not None and not check_url.startswith(("https://", "http://")):
            raise EvidenceError(f"--check-url must be an http(s) URL, got {check_url!r}")
        kind, path = SessionKind(given[0][0]), given[0][1]
        archive = state(ctx).archive()
        if kind is SessionKind.COOKIES:
            storage = read_cookies_txt(path)
        elif kind is SessionKind.STORAGE_STATE:
            storage = read_storage_state(path)
        else:
            from collector.collect.session_profile import read_profile

            settings = CaptureSettings.from_sources(archive.settings.section("capture"))
            storage = read_profile(path, settings)
        record = SessionRecord(name, kind, storage, hosts, handle, check_url, rate, cooldown)
        SessionStore(archive.home).add(record, replace=replace)
        summary = record.summary()
        if json:
            print_json(summary)
            return
        scope = ", ".join(record.scope) or "no host"
        bound = "bound to" if record.hosts else "for"
        console.print(
            f"session {name!r} stored: {summary['cookies']} cookies, {bound} {scope}; "
            f"you may delete {path} now",
            highlight=False,
            markup=False,
        )

    @session_app.command("list")
    def list_sessions(ctx: typer.Context, json: JsonOption = False) -> None:
        """List the stored sessions (names, hosts, handles, state; never a value)."""
        from archive.sessions import SessionStore
        from collector.cli.output import print_json, print_table

        store = SessionStore(state(ctx).archive().home)
        rows = [{**r.summary(), "state": _state(store, r.name)} for r in store.all()]
        if json:
            print_json(rows)
            return
        print_table(
            "Sessions",
            ["name", "kind", "hosts", "handle", "cookies", "state"],
            (
                [
                    r["name"],
                    r["kind"],
                    ", ".join(r["hosts"] or r["scope"]),
                    r["handle"] or "",
                    r["cookies"],
                    _state_text(r["state"]),
                ]
                for r in rows
            ),  # fmt: skip
            empty="no session stored: `evidence session add NAME --cookies FILE`",
        )

    @session_app.command("remove")
    def remove(ctx: typer.Context, name: NameArgument) -> None:
        """Delete a stored session."""
        from archive.sessions import SessionStore
        from collector.cli.output import console

        SessionStore(state(ctx).archive().home).remove(name)
        console.print(f"session {name!r} removed", highlight=False, markup=False)

    @session_app.command("check")
    def check(
        ctx: typer.Context,
        name: NameArgument,
        allow_private: Annotated[
            bool, typer.Option("--allow-private", help="Allow non-public addresses.")
        ] = False,
        json: JsonOption = False,
    ) -> None:
        """Is the session still logged in? Exit 0 logged in, 1 logged out, 3 cannot tell
        (the pages look the same without the session), 4 unknown (no usable answer)."""
        import asyncio
        from dataclasses import asdict

        from archive.sessions import SessionStore
        from archive.vocabulary import SessionCheck
        from collector.capture.settings import CaptureSettings
        from collector.cli.output import console, print_json
        from collector.collect.session_check import EXIT_CODES, check_session
        from collector.platforms.config import PlatformConfig

        archive = state(ctx).archive()
        settings = CaptureSettings.from_sources(
            archive.settings.section("capture"), allow_private=allow_private or None
        )
        platforms = PlatformConfig.load(archive.settings.section("platforms"))
        store = SessionStore(archive.home)
        result = asyncio.run(check_session(store, name, settings, platforms))
        if json:
            print_json(asdict(result))
        else:
            who = f" as {result.handle}" if result.handle else ""
            console.print(
                f"session {name!r}: {result.result}{who} ({result.reason})",
                highlight=False,
                markup=False,
            )
        if result.result != SessionCheck.LOGGED_IN:
            raise typer.Exit(EXIT_CODES[result.result])

    app.add_typer(session_app, name="session")


def _state(store: SessionStore, name: str) -> dict[str, Any]:
    """The session's state as shown: its bookkeeping and whether it is cooling down now."""
    import time
    from dataclasses import asdict

    current = asdict(store.state(name))
    current["cooling_down"] = current["cooldown_until"] > time.time()
    return current


def _state_text(current: dict[str, Any]) -> str:
    parts = []
    if current["needs_check"]:
        parts.append(f"needs check: {current['needs_check']}")
    if current["cooling_down"]:
        parts.append(f"cooling down: {current['cooldown_reason']}")
    if parts:
        return "; ".join(parts)
    return f"checked {current['checked_at']}" if current["checked_at"] else "ok"
