"""Provenance: keys, signed manifests, RFC 3161 timestamps, the Merkle custody log, verify."""
