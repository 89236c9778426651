"""What `capture`, `collect`, `recheck` and `worker` share about login sessions: the
`--session NAME` and `--no-session` options."""

from typing import Annotated

import typer

SessionOption = Annotated[
    str | None,
    typer.Option(
        "--session",
        metavar="NAME",
        help="Capture logged in with this stored session (on its hosts; see `session list`).",
    ),
]
NoSessionOption = Annotated[
    bool,
    typer.Option("--no-session", help="Capture logged out, even on hosts bound to a session."),
]
