"""`evidence log checkpoint` and `evidence log prove SEQ`: the custody log's Merkle tree."""

import base64
from typing import Annotated

import typer

from archive.errors import EvidenceError
from collector.cli.context import state

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    """Add the `log` command group."""
    log_app = typer.Typer(help="The custody log as a Merkle tree.", no_args_is_help=True)

    @log_app.command("checkpoint")
    def checkpoint(
        ctx: typer.Context,
        publish: Annotated[
            list[str] | None,
            typer.Option(
                "--publish",
                metavar="FILE|URL",
                help="Also write the note to FILE, or PUT it to an http(s) URL (repeatable).",
            ),
        ] = None,
        json: JsonOption = False,
    ) -> None:
        """Sign a checkpoint if the log grew, then print the latest one (publish it elsewhere)."""
        from archive.provenance import checkpoint_file
        from archive.provenance.log import write_checkpoint
        from collector.cli.output import print_json

        latest = write_checkpoint(state(ctx).archive())
        if latest is None:
            raise EvidenceError("the custody log is empty")
        published = [checkpoint_file.publish(latest.note, where) for where in publish or []]
        if json:
            print_json(
                {"tree_size": latest.tree_size, "root_hash": latest.root_hash, "note": latest.note,
                 "published": published}
            )  # fmt: skip
        else:
            typer.echo(latest.note, nl=False)
            for line in published:
                typer.echo(f"checkpoint {latest.tree_size} {line}", err=True)

    @log_app.command("prove")
    def prove(
        ctx: typer.Context,
        seq: Annotated[int, typer.Argument(help="Custody event number.", min=1)],
        json: JsonOption = False,
    ) -> None:
        """Print the inclusion proof of custody event SEQ in the latest checkpoint."""
        from archive.provenance.log import prove_inclusion
        from collector.cli.output import print_json

        proof = prove_inclusion(state(ctx).archive(), seq)
        if not proof.verify():
            raise EvidenceError(f"the inclusion proof of event {seq} does not verify")
        data = {
            "seq": proof.seq,
            "leaf_index": proof.seq - 1,
            "tree_size": proof.tree_size,
            "leaf_data": proof.leaf_data.hex(),
            "event": proof.event,
            "leaf_hash": proof.leaf_hash.hex(),
            "proof": [p.hex() for p in proof.proof],
            "root_hash": proof.root_hash.hex(),
            "root_hash_base64": base64.b64encode(proof.root_hash).decode(),
            "checkpoint": proof.checkpoint_note,
        }
        if json:
            print_json(data)
            return
        typer.echo(
            f"event {seq} is leaf {seq - 1} of the {proof.tree_size}-event tree "
            f"with root {data['root_hash']}"
        )
        typer.echo(f"leaf data (the event's entry hash): {data['leaf_data']}")
        for i, node in enumerate(data["proof"]):
            typer.echo(f"  proof[{i}] {node}")
        typer.echo(proof.checkpoint_note, nl=False)

    @log_app.command("consistency")
    def consistency(
        ctx: typer.Context,
        first: Annotated[int, typer.Argument(help="Tree size of the older checkpoint.", min=1)],
        second: Annotated[
            int | None, typer.Argument(help="Tree size of the newer one (default: latest).")
        ] = None,
        json: JsonOption = False,
    ) -> None:
        """Print the RFC 9162 consistency proof between two checkpoints."""
        from archive.provenance.log import prove_consistency
        from collector.cli.output import print_json

        result = prove_consistency(state(ctx).archive(), first, second)
        if not result.verify():
            raise EvidenceError(
                f"checkpoints {first} and {result.second.tree_size} are not consistent: "
                "the log was rewritten (run `evidence verify`)"
            )
        data = {
            "first": {"tree_size": result.first.tree_size, "root_hash": result.first.root_hash},
            "second": {"tree_size": result.second.tree_size, "root_hash": result.second.root_hash},
            "proof": [p.hex() for p in result.proof],
            "first_checkpoint": result.first.note,
            "second_checkpoint": result.second.note,
        }
        if json:
            print_json(data)
            return
        typer.echo(
            f"checkpoint {result.first.tree_size} is a prefix of checkpoint "
            f"{result.second.tree_size}"
        )
        for i, node in enumerate(data["proof"]):
            typer.echo(f"  proof[{i}] {node}")

    app.add_typer(log_app, name="log")
