"""`evidence verify [PATH]`: check every hash, signature, timestamp and checkpoint in the
archive, or, given PATH, in an exported package (WACZ, bag folder or zipped bag) with no
database and no network."""

import os
from pathlib import Path
from typing import Annotated

import typer

from archive.errors import EvidenceError
from collector.cli.context import state


def _read_note(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"cannot read checkpoint {path}: {exc}") from exc


def _env_bundle() -> Path | None:
    """EVIDENCE_TSA_CA_BUNDLE, read without opening an archive (a package needs none)."""
    value = os.environ.get("EVIDENCE_TSA_CA_BUNDLE")
    return Path(value).expanduser() if value else None


def register(app: typer.Typer) -> None:
    """Add `verify`."""

    @app.command("verify")
    def verify(
        ctx: typer.Context,
        package: Annotated[
            Path | None,
            typer.Argument(
                metavar="[PATH]",
                help="An exported package (WACZ, bag folder or .zip); default: the archive.",
            ),
        ] = None,
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        ca_bundle: Annotated[
            Path | None,
            typer.Option(
                "--tsa-ca-bundle",
                help="PEM trust roots for timestamp tokens (default EVIDENCE_TSA_CA_BUNDLE).",
            ),
        ] = None,
        key_fingerprint: Annotated[
            str | None,
            typer.Option("--key", help="The key fingerprint you published; checked against."),
        ] = None,
        strict: Annotated[
            bool, typer.Option("--strict", help="Exit 1 on unverifiable findings too.")
        ] = False,
        published: Annotated[
            list[Path] | None,
            typer.Option(
                "--checkpoint",
                help="A checkpoint note published earlier (file); the log must still match it.",
            ),
        ] = None,
        sha512: Annotated[
            bool, typer.Option("--sha512", help="Re-compute every blob's SHA-512 too (slower).")
        ] = False,
        show_all: Annotated[bool, typer.Option("--all", help="List passing checks too.")] = False,
        block_headers: Annotated[
            Path | None,
            typer.Option(
                "--block-headers",
                help="Bitcoin block headers for OpenTimestamps proofs: a file of "
                "'<height> <80-byte header hex>' lines, from a node you trust.",
            ),
        ] = None,
    ) -> None:
        """Re-hash every blob; check manifests, signatures, tokens, the custody log and
        checkpoints. Exit 0 when nothing was altered, 1 when something was."""
        from archive.export.package_verify import verify_package
        from archive.provenance.findings import PENDING, TAMPERED, UNVERIFIABLE, summary
        from archive.provenance.timestamps import TrustStore, tsa_settings
        from archive.provenance.verify import verify_archive
        from collector.cli.output import console, print_json, print_table

        if package is not None:
            if published or sha512:
                raise EvidenceError("--checkpoint and --sha512 apply to the archive, not a package")
            if not package.exists():
                raise EvidenceError(f"{package} does not exist")
            bundle = ca_bundle or _env_bundle()
            trust = TrustStore.from_pem_file(bundle) if bundle else None
            headers = _read_headers(block_headers) if block_headers else None
            findings = verify_package(package, trust, key_fingerprint, headers)
        else:
            archive = state(ctx).archive()
            bundle = ca_bundle or tsa_settings(archive).ca_bundle
            trust = TrustStore.from_pem_file(bundle) if bundle else None
            notes = [_read_note(path) for path in published or []]
            headers = _read_headers(block_headers) if block_headers else None
            findings = verify_archive(archive, trust, key_fingerprint, notes, sha512, headers)
        counts = summary(findings)
        if json:
            print_json({"summary": counts, "findings": [f.as_dict() for f in findings]})
        else:
            for status in (TAMPERED, UNVERIFIABLE, PENDING, *(("ok",) if show_all else ())):
                rows = [
                    (f.subject, f.check, f.expected, f.found)
                    for f in findings
                    if f.status == status
                ]
                if rows:
                    print_table(status.upper(), ["subject", "check", "expected", "found"], rows)
            verdict = "ALTERED" if counts[TAMPERED] else "intact"
            console.print(
                f"{verdict}: {counts['ok']} ok, {counts[TAMPERED]} tampered, "
                f"{counts[UNVERIFIABLE]} unverifiable, {counts[PENDING]} pending",
                highlight=False,
            )
        if counts[TAMPERED] or (strict and counts[UNVERIFIABLE]):
            raise typer.Exit(1)


def _read_headers(path: Path) -> dict[int, bytes]:
    from archive.provenance.ots import read_block_headers

    try:
        return read_block_headers(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise EvidenceError(f"{path}: {exc}") from exc
