"""`evidence key show`: the archive's public signing key and its fingerprint."""

from typing import Annotated

import typer

from archive.provenance.checkpoint import log_origin, verifier_key
from archive.provenance.keys import ensure_key, key_paths
from collector.cli.context import state
from collector.cli.output import console, print_fields, print_json

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    """Add the `key` command group."""
    key_app = typer.Typer(help="The archive's Ed25519 signing key.", no_args_is_help=True)

    @key_app.command("show")
    def show(ctx: typer.Context, json: JsonOption = False) -> None:
        """Print the public key (created on first use) and its SHA-256 fingerprint."""
        archive = state(ctx).archive()
        public = ensure_key(archive).public
        origin = log_origin(public.fingerprint)
        info = {
            "algorithm": "Ed25519",
            "fingerprint_sha256": public.fingerprint,
            "public_key_raw_base64": public.raw_base64,
            "public_key_pem": public.pem,
            "public_key_file": str(key_paths(archive.home)[1]),
            "note_verifier_key": verifier_key(origin, public.raw),
        }
        if json:
            print_json(info)
            return
        print_fields(
            "Archive signing key", {k: v for k, v in info.items() if k != "public_key_pem"}
        )
        console.print(public.pem, highlight=False, end="")

    app.add_typer(key_app, name="key")
