"""What every export package holds besides its format's own files, and where.

A package carries each capture's artifacts (its WARC, screenshots, DOM, manifest and detached
signature, ...), what independent archives answered about it (`witnesses/<capture>.json` and
each raw answer), the RFC 3161 tokens over each manifest, the OpenTimestamps `.ots` proof of
each checkpoint that has one, the archive's public key, one or more
signed checkpoints of the custody log with their tokens, the custody events that concern the
exported records, and RFC 9162 inclusion proofs of those events. `package.json` indexes it all
(paths relative to the package root), so `package_verify` can check a package with no database.

`Layout` decides the paths: a BagIt bag nests freely under `data/`; a WACZ keeps provenance
files one folder deep (py-wacz's validator compares only the last two path components).
"""

import base64
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from archive import __version__
from archive.archive import Archive
from archive.errors import EvidenceError
from archive.export.damage import MISSING, Damage, DamagedEvidenceError, copy_checked
from archive.export.select import CaptureItem, CheckpointItem, Selection
from archive.models import Artifact
from archive.provenance.models import TimestampToken
from archive.timeutil import iso, utcnow

PACKAGE_TYPE = "evidence-collector/package"
PACKAGE_VERSION = "1"
INDEX_NAME = "package.json"


@dataclass(frozen=True)
class Entry:
    """One file of a package: its path and either literal bytes or an archive blob (`what`
    names it in an error; `damaged`, the SHA-256 found when damage was allowed)."""

    path: str
    data: bytes | None = None
    blob: str | None = None
    what: str = ""
    damaged: str | None = None


def flat(name: str) -> str:
    """A nested artifact name as one file name (`media/01-photo.jpg` -> `media_01-photo.jpg`)."""
    return name.replace("/", "_")


@dataclass(frozen=True)
class Layout:
    """Where a format puts artifacts and provenance files."""

    artifact_path: Callable[[str, Artifact], str]
    provenance_path: Callable[[str], str]


BAG_LAYOUT = Layout(
    artifact_path=lambda cap, art: f"data/captures/{cap}/{art.name}",
    provenance_path=lambda name: f"data/provenance/{name}",
)


def _wacz_artifact(cap: str, art: Artifact) -> str:
    if art.role == "warc":
        return f"archive/{cap}-{flat(art.name)}"
    return f"captures/{cap}-{flat(art.name)}"


WACZ_LAYOUT = Layout(
    artifact_path=_wacz_artifact,
    provenance_path=lambda name: f"provenance/{flat(name)}",
)


def proof_document(
    selection: Selection, item: CaptureItem, point: CheckpointItem | None = None
) -> dict[str, Any] | None:
    """The inclusion proof of a capture's `capture.recorded` event in a checkpoint (the
    newest by default), in the shape `evidence log prove --json` prints (VERIFY.md's
    inclusion.py checks it)."""
    head = point or selection.checkpoints[0]
    seq = item.recorded_seq
    if seq is None or seq not in head.proofs:
        return None
    event = next(e for e in selection.events if e["seq"] == seq)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": head.checkpoint.tree_size,
        "leaf_data": event["entry_hash"],
        "event": event,
        "proof": head.proofs[seq],
        "root_hash": head.checkpoint.root_hash,
        "root_hash_base64": base64.b64encode(bytes.fromhex(head.checkpoint.root_hash)).decode(),
        "checkpoint": head.checkpoint.note,
    }


def _stamp_proofs(
    selection: Selection, item: CaptureItem, layout: Layout, entries: list[Entry]
) -> list[dict[str, Any]]:
    """For a capture with no token of its own: its event's inclusion proof in each older
    timestamped checkpoint that covers it (the newest is `proofs/<capture>.json`)."""
    if item.tokens:
        return []
    found = []
    for point in selection.checkpoints[1:]:
        proof = proof_document(selection, item, point) if point.tokens else None
        if proof is None:
            continue
        size = point.checkpoint.tree_size
        path = layout.provenance_path(f"proofs/{item.capture.id}-in-{size}.json")
        entries.append(Entry(path, data=_json_bytes(proof)))
        found.append({"tree_size": size, "path": path})
    return found


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _token_entries(
    tokens: list[TimestampToken], folder: str, layout: Layout, entries: list[Entry]
) -> list[dict[str, Any]]:
    """Add each token's response file (in provenance `folder`) to `entries`; their records."""
    records = []
    for token in tokens:
        path = layout.provenance_path(f"{folder}/{token.id}.tsr")
        what = f"timestamp token {token.id} ({token.subject_type} {token.subject_id})"
        entries.append(Entry(path, blob=token.token_sha256, what=what))
        records.append(
            {"id": token.id, "tsa_url": token.tsa_url, "gen_time": iso(token.gen_time),
             "path": path}
        )  # fmt: skip
    return records


def _witness_entries(item: CaptureItem, layout: Layout, entries: list[Entry]) -> str | None:
    """Add the capture's witness rows (and each raw answer) to `entries`; the rows' path."""
    if not item.witnesses:
        return None
    cap = item.capture.id
    rows = []
    for witness in item.witnesses:
        row = witness.model_dump(mode="json")
        answer = witness.details.get("answer_sha256")
        if answer:
            row["answer_path"] = layout.provenance_path(f"witnesses/{cap}/{witness.id}.answer")
            what = f"witness answer {witness.id} (capture {cap})"
            entries.append(Entry(row["answer_path"], blob=str(answer), what=what))
        rows.append(row)
    path = layout.provenance_path(f"witnesses/{cap}.json")
    entries.append(Entry(path, data=_json_bytes(rows)))
    return path


def provenance_entries(
    selection: Selection, layout: Layout, package_format: str
) -> tuple[list[Entry], dict[str, Any]]:
    """Every artifact and provenance file of the selection, and the `package.json` index."""
    entries: list[Entry] = []
    prov = layout.provenance_path
    key_path = prov("public-key.pem")
    entries.append(Entry(key_path, data=selection.key.pem.encode("ascii")))
    captures = []
    for item in selection.captures:
        cap = item.capture.id
        paths = {a.name: layout.artifact_path(cap, a) for a in item.artifacts}
        entries += [
            Entry(paths[a.name], blob=a.blob_sha256, what=f"capture {cap} {a.name}")
            for a in item.artifacts
        ]
        manifest = item.artifact("manifest")
        signature = item.artifact("signature")
        tokens = _token_entries(item.tokens, f"tokens/{cap}", layout, entries)
        witnesses = _witness_entries(item, layout, entries)
        proof = proof_document(selection, item)
        proof_path = prov(f"proofs/{cap}.json") if proof else None
        if proof is not None and proof_path is not None:
            entries.append(Entry(proof_path, data=_json_bytes(proof)))
        captures.append(
            {
                "id": cap,
                "requested_url": item.capture.requested_url,
                "final_url": item.capture.final_url,
                "status": item.capture.status,
                "started_at": iso(item.capture.started_at),
                "recorded_seq": item.recorded_seq,
                "manifest": paths.get(manifest.name) if manifest else None,
                "signature": paths.get(signature.name) if signature else None,
                "artifacts": paths,
                "tokens": tokens,
                "inclusion_proof": proof_path,
                "timestamped_through": _stamp_proofs(selection, item, layout, entries),
                "witnesses": witnesses,
            }
        )
    checkpoints = []
    for point in selection.checkpoints:
        size = point.checkpoint.tree_size
        path = prov(f"checkpoints/{size}.txt")
        entries.append(Entry(path, data=point.checkpoint.note.encode("utf-8")))
        tokens = _token_entries(point.tokens, f"tokens/checkpoint-{size}", layout, entries)
        proofs = {str(seq): nodes for seq, nodes in point.proofs.items()}
        anchor = None
        if point.ots is not None and point.ots.proof_sha256:
            anchor = {"path": prov(f"ots/checkpoint-{size}.ots"), "status": point.ots.status}
            what = f"OpenTimestamps proof of checkpoint {size}"
            entries.append(Entry(anchor["path"], blob=point.ots.proof_sha256, what=what))
        checkpoints.append(
            {"tree_size": size, "path": path, "tokens": tokens, "proofs": proofs,
             "consistency_with_newest": point.consistency, "opentimestamps": anchor}
        )  # fmt: skip
    kept_path = None
    if selection.kept_checkpoint is not None:
        kept_path = prov("checkpoint.txt")
        entries.append(Entry(kept_path, data=selection.kept_checkpoint.encode("utf-8")))
    chain_path = None
    if selection.tsa_intermediates:
        chain_path = prov("tsa-intermediates.pem")
        entries.append(Entry(chain_path, data=selection.tsa_intermediates))
    entries, damaged = _mark_damage(entries, selection.damaged)
    records_path = prov("records.jsonl")
    records = "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in selection.records
    )
    entries.append(Entry(records_path, data=records.encode("utf-8")))
    custody_path = prov("custody.jsonl")
    custody = "".join(
        json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in selection.events
    )
    entries.append(Entry(custody_path, data=custody.encode("utf-8")))
    index = {
        "type": PACKAGE_TYPE,
        "version": PACKAGE_VERSION,
        "format": package_format,
        "created": iso(utcnow()),
        "tool": {"name": "evidence-collector", "version": __version__},
        "subject": {"kind": selection.kind, "id": selection.id, "title": selection.title},
        "key": {
            "algorithm": "Ed25519",
            "fingerprint": selection.key.fingerprint,
            "path": key_path,
        },
        "captures": captures,
        "checkpoints": checkpoints,
        "checkpoint_file": kept_path,
        "records": records_path,
        "custody": custody_path,
        "tsa_intermediates": chain_path,
        "damaged": damaged,
    }
    return entries, index


def _mark_damage(
    entries: list[Entry], damaged: dict[str, str]
) -> tuple[list[Entry], list[dict[str, str]]]:
    """Mark the entries whose blob was found damaged (allowed by the caller); the records
    `package.json` keeps of them."""
    marked, records = [], []
    for entry in entries:
        if entry.blob is not None and entry.blob in damaged:
            entry = replace(entry, damaged=damaged[entry.blob])
            records.append(
                {"path": entry.path, "what": entry.what, "expected_sha256": entry.blob,
                 "found_sha256": damaged[entry.blob]}
            )  # fmt: skip
        marked.append(entry)
    return marked, records


def index_entry(layout: Layout, index: dict[str, Any]) -> Entry:
    """`package.json` as a package file."""
    return Entry(layout.provenance_path(INDEX_NAME), data=_json_bytes(index))


def posix(path: str) -> PurePosixPath:
    """A package path, refusing absolute paths and `..` (names come from the database)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        raise ValueError(f"unsafe package path {path!r}")
    return pure


def write_entries(archive: Archive, entries: list[Entry], root: Path, strip: str = "") -> None:
    """Write every entry under `root`, dropping the `strip` prefix from paths. Blobs are
    streamed from the store and re-hashed as they are written: DamagedEvidenceError on bytes
    that are not the recorded ones, unless the entry was marked with exactly that damage (a
    missing blob is then left out)."""
    for entry in entries:
        relative = posix(entry.path)
        if strip and relative.parts[0] == strip:
            relative = PurePosixPath(*relative.parts[1:])
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.data is not None:
            target.write_bytes(entry.data)
            continue
        with open(target, "wb") as out:
            found = copy_checked(archive, str(entry.blob), out)
        if found != entry.blob and found != entry.damaged:
            raise DamagedEvidenceError([Damage(str(entry.blob), found, entry.what)])
        if found == MISSING:
            target.unlink()


def publish(temporary: Path, output: Path) -> None:
    """Move a finished file or folder to `output`; refuses to replace an existing folder, or a
    file with a folder."""
    if output.is_dir() or (temporary.is_dir() and output.exists()):
        raise EvidenceError(f"{output} already exists; choose a new output path")
    try:
        os.replace(temporary, output)
    except OSError as exc:
        raise EvidenceError(f"cannot write {output}: {exc.strerror}") from exc


def discard(path: Path) -> None:
    """Remove a temporary file or folder, if it exists."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
