"""Content credentials benchmark: what a C2PA copy costs per tool-made image.

Reproduce from the repository root:

    .venv/bin/python benchmarks/content_credentials.py        # --rounds N

For screenshot-like PNGs (a 1280x800 viewport, 1280x5,000 and 1280x20,000 full pages: noisy
text-like rows, compressed as Chromium's screenshots are) and a WebP thumbnail, each round makes
the credentialed copy through the product's path (`credentials.credential_artifacts` on a sealed
capture's rows in a fresh archive home: blob read, c2pa sign, blob write) and checks it as
`evidence verify` does (`credential_check.capture_findings`). Printed per image, best of the
rounds: milliseconds to sign, to verify, the baseline of writing the same image as a PNG with
Pillow (what making it cost the tool, before any browser time), plain SHA-256 of it, and the
bytes the copy adds.
"""

import argparse
import hashlib
import io
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from archive.archive import Archive  # noqa: E402
from archive.ids import new_id  # noqa: E402
from archive.provenance.c2pa_cert import ensure_credential_signer, logged_chains  # noqa: E402
from archive.provenance.credential_check import capture_findings  # noqa: E402
from archive.provenance.credentials import credential_artifacts  # noqa: E402
from archive.timeutil import utcnow  # noqa: E402

SIZES = {"viewport 1280x800": (1280, 800), "full 1280x5000": (1280, 5000),
         "full 1280x20000": (1280, 20000)}  # fmt: skip


def page_like(width: int, height: int) -> Image.Image:
    """White with rows of dark 'text' runs: compresses like a real page screenshot."""
    rng = random.Random(height)
    row = bytearray(b"\xff" * width * 3)
    rows = []
    for y in range(height):
        line = bytearray(row)
        if y % 24 < 14:
            for _ in range(rng.randrange(0, 60)):
                x = rng.randrange(0, width - 8) * 3
                line[x : x + 24] = bytes(rng.randrange(0, 90) for _ in range(24))
        rows.append(bytes(line))
    return Image.frombytes("RGB", (width, height), b"".join(rows))


def best(rounds: int, run: Any) -> float:
    """Best wall time of `rounds` runs of `run()`, in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    images: dict[str, tuple[Image.Image, str, str]] = {
        label: (page_like(*size), "image/png", "screenshot-full") for label, size in SIZES.items()
    }
    thumb = page_like(1280, 800).resize((320, 200))
    images["thumbnail 320x200 webp"] = (thumb, "image/webp", "thumbnail")
    with tempfile.TemporaryDirectory() as tmp, Archive.open(Path(tmp) / "home") as archive:
        ensure_credential_signer(archive)  # the first-use certificate is not part of the figure
        with archive.session() as session:
            chains = logged_chains(session)
        print(f"{'image':24} {'bytes':>10} {'png write':>10} {'sha256':>8} {'sign':>8} "
              f"{'verify':>8} {'added':>8}")  # fmt: skip
        for label, (image, media_type, role) in images.items():
            out = io.BytesIO()
            fmt = "WEBP" if media_type == "image/webp" else "PNG"
            image.save(out, fmt)
            data = out.getvalue()
            baseline = best(args.rounds, lambda image=image, fmt=fmt: image.save(io.BytesIO(), fmt))
            digest = best(args.rounds, lambda data=data: hashlib.sha256(data).digest())
            with archive.session() as session:
                blob = archive.store_blob(session, data)
            capture = {
                "id": new_id("cap"), "requested_url": "https://example.org/", "final_url": None,
                "started_at": utcnow(), "tool_version": "bench",
            }  # fmt: skip
            original = {"id": new_id("art"), "capture_id": capture["id"], "role": role,
                        "name": f"{role}.{fmt.lower()}", "blob_sha256": blob.sha256,
                        "size": blob.size, "media_type": media_type, "details": {}}  # fmt: skip
            made: list[dict[str, Any]] = []
            signing = best(
                args.rounds,
                lambda made=made, capture=capture, original=original: made.__setitem__(
                    slice(None), credential_artifacts(archive, capture, [original], "ab" * 32)
                ),
            )
            rows = [original, *made]
            sealed = {**capture, "manifest_sha256": "ab" * 32}
            checking = best(
                args.rounds,
                lambda rows=rows, sealed=sealed: capture_findings(
                    "bench", sealed, rows, chains, archive.blobs.get
                ),
            )
            added = made[0]["size"] - len(data)
            print(f"{label:24} {len(data):>10,} {baseline:>8.1f}ms {digest:>6.1f}ms "
                  f"{signing:>6.1f}ms {checking:>6.1f}ms {added:>8,}")  # fmt: skip


if __name__ == "__main__":
    main()
