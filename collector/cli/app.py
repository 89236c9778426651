"""The `evidence` command line: global options, error handling, and the command modules.

Each command lives in its own `cmd_*.py` module in this package with a `register(app)`
function; they are discovered by name, so adding a command touches no shared file. A command
module imports only light modules at its top (typer, the standard library, `archive.errors`,
`collector.cli.context`) and the rest inside its functions, so `--version` and `--help` start at
once (tests/cli/test_startup.py checks this; benchmarks/startup.py measures). Failures the
user can act on (`EvidenceError`) print one line on stderr and exit 1; usage errors exit 2;
anything unexpected prints one line too, with the traceback only under `--debug`.
"""

import gc
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import collector.cli
from archive import __version__
from archive.errors import EvidenceError
from collector.cli.context import CliState, state


class EvidenceGroup(TyperGroup):
    """A command group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except EvidenceError as exc:
            _report(ctx, f"error: {exc}", exc)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo(
                "interrupted; what was finished is saved, run the command again to go on", err=True
            )
            raise typer.Exit(130) from None
        except Exception as exc:
            if state(ctx).debug:
                raise
            _report(
                ctx,
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                exc,
            )
            raise typer.Exit(1) from None
        finally:
            state(ctx).close()


def _report(ctx: typer.Context, message: str, exc: BaseException) -> None:
    if state(ctx).debug:
        traceback.print_exception(exc, file=sys.stderr)
    typer.echo(message, err=True)


app = typer.Typer(
    cls=EvidenceGroup,
    name="evidence",
    help="Collect, archive and prove online evidence cited by articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"evidence-collector {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Archive home folder (env EVIDENCE_HOME; default ~/.local/share/evidence).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Collect, archive and prove online evidence cited by articles."""
    ctx.obj = CliState(home=home, debug=debug)


def _register_commands(target: typer.Typer) -> None:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(collector.cli.__path__)
        if info.name.startswith("cmd_")
    )
    for name in names:
        importlib.import_module(f"collector.cli.{name}").register(target)


_register_commands(app)


def main() -> None:
    """Console-script entry point.

    Whatever the command did is written, fsynced and closed before it returns (the archive
    commits each transaction, the blob store fsyncs), so the objects left are only garbage
    for the interpreter to free at exit. `gc.freeze()` moves them out of the collector's
    reach: its passes over the whole heap during finalization took 0.4 s after a cold
    `evidence capture URL` (docs/capture.md, "One capture end to end"); memory is given back
    to the system as the process ends all the same.
    """
    try:
        app()
    finally:
        gc.freeze()
