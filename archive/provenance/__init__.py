"""Provenance: keys, signed manifests, RFC 3161 timestamps, the Merkle custody log, content
credentials (C2PA), verify.

Entry points (see docs/provenance.md):

- `seal.prepare_seal(archive, capture, artifacts, berkeley=...) -> Seal` before rows exist;
- `credentials.credential_artifacts(archive, capture, artifacts, manifest_sha256)` after it:
  the C2PA copies of the tool-made images, as artifact rows;
- `seal.finish_writes(archive) -> Finish` at the end of a command that wrote evidence;
- `timestamps.timestamp_pending(archive)`, `log.write_checkpoint(archive)`,
  `log.prove_inclusion(archive, seq)`, `log.prove_consistency(archive, first, second)`;
- `verify.verify_archive(archive, trust, expected_key, published, sha512) -> list[Finding]`;
- `keys.ensure_key(archive)` (the archive's Ed25519 key, created on first need);
  `c2pa_cert.ensure_credential_signer(archive)` (the C2PA certificate, likewise).
"""
