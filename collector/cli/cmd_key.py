"""`evidence key show`: the archive's public signing keys and their fingerprints (the Ed25519
key that signs manifests and checkpoints, the ECDSA P-384 key that signs WACZ files, and the
certificate that signs content credentials)."""

from typing import Annotated

import typer

from collector.cli.context import state

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    """Add the `key` command group."""
    key_app = typer.Typer(help="The archive's signing keys.", no_args_is_help=True)

    @key_app.command("show")
    def show(ctx: typer.Context, json: JsonOption = False) -> None:
        """Print the public keys (created on first use) and their SHA-256 fingerprints."""
        from archive.provenance.c2pa_cert import CHAIN_FILE, configured_paths
        from archive.provenance.c2pa_cert import ensure_credential_signer as ensure_c2pa
        from archive.provenance.checkpoint import log_origin, verifier_key
        from archive.provenance.keys import ensure_key, key_paths
        from archive.provenance.wacz_key import ALGORITHM, PUBLIC_FILE, ensure_wacz_key
        from collector.cli.output import console, print_fields, print_json

        archive = state(ctx).archive()
        public = ensure_key(archive).public
        wacz = ensure_wacz_key(archive)
        origin = log_origin(public.fingerprint)
        info = {
            "algorithm": "Ed25519",
            "fingerprint_sha256": public.fingerprint,
            "public_key_raw_base64": public.raw_base64,
            "public_key_pem": public.pem,
            "public_key_file": str(key_paths(archive.home)[1]),
            "note_verifier_key": verifier_key(origin, public.raw),
        }
        wacz_info = {
            "algorithm": ALGORITHM,
            "purpose": "wacz-auth anonymous signature of datapackage-digest.json",
            "fingerprint_sha256": wacz.fingerprint,
            "public_key_der_base64": wacz.der_base64,
            "public_key_pem": wacz.pem,
            "public_key_file": str(archive.home / "keys" / PUBLIC_FILE),
        }
        c2pa = ensure_c2pa(archive)
        leaf = c2pa.leaf
        c2pa_info = {
            "algorithm": c2pa.algorithm,
            "purpose": "C2PA content credentials of the images the tool makes",
            "origin": c2pa.origin,
            "subject": leaf.subject.rfc4514_string(),
            "issuer": leaf.issuer.rfc4514_string(),
            "serial_number": str(leaf.serial_number),
            "fingerprint_sha256": c2pa.fingerprint,
            "certificate_file": str(
                (configured_paths(archive) or (archive.home / "keys" / CHAIN_FILE,))[0]
            ),
            "certificate_chain_pem": c2pa.chain_pem.decode("ascii"),
        }
        if json:
            print_json({**info, "wacz_key": wacz_info, "c2pa_certificate": c2pa_info})
            return
        for title, fields in (
            ("Archive signing key", info),
            ("WACZ signing key", wacz_info),
            ("Content credentials certificate", c2pa_info),
        ):
            print_fields(title, {k: v for k, v in fields.items() if not k.endswith("_pem")})
            pem = fields.get("public_key_pem") or fields["certificate_chain_pem"]
            console.print(pem, highlight=False, end="")

    app.add_typer(key_app, name="key")
