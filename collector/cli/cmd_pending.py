"""Commands whose issue has not landed yet: present, documented, and honest about it."""

from typing import Annotated

import typer

from archive.errors import EvidenceError

PENDING = {
    "extract": ("Find the posts and links an article cites.", 3),
    "capture": ("Capture URLs in a browser with screenshot, DOM and WARC.", 4),
    "collect": ("Extract an article's citations and capture every one.", 7),
    "verify": ("Check every hash, signature and timestamp in the archive or a package.", 6),
    "export": ("Export a capture, source or case as WACZ, BagIt or a report.", 6),
    "serve": ("Run the web viewer.", 7),
}


def _pending(name: str, summary: str, issue: int) -> typer.models.CommandFunctionType:
    def command(
        args: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
    ) -> None:
        raise EvidenceError(f"`evidence {name}` is not implemented yet (planned in issue #{issue})")

    command.__doc__ = f"{summary} (not implemented yet)"
    return command


def register(app: typer.Typer) -> None:
    """Add a placeholder for every PENDING command that no module has registered yet."""
    present = {command.name for command in app.registered_commands}
    for name, (summary, issue) in PENDING.items():
        if name in present:
            continue
        app.command(
            name,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(_pending(name, summary, issue))
