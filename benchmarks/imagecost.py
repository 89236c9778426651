"""Image checks' cost: what saving spends on one full-page screenshot, part by part.

Reproduce from the repository root:

    .venv/bin/python benchmarks/imagecost.py               # 1280 x 7,300 px, best of 3
    .venv/bin/python benchmarks/imagecost.py --height 20000 --repeat 5

A synthetic screenshot (white with noise blocks and rules, PNG at zlib level 1 as Chromium's
`optimizeForSpeed` writes it) goes through the product's own `analyze_image` and
`thumbnail_webp` (`collector/platforms/imaging.py`), and through the parts `analyze_image`
is made of: Pillow's verify and full decode, imagehash's pHash, pdqhash's PDQ (after the
reference implementation's 512 px reduction, beside PDQ over every pixel as a baseline), and
`analyze_with_thumbnail`, which a full-page screenshot goes through (one decode for both).
Each figure is the best of `--repeat` runs, in CPU seconds of the calling thread.
"""

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAX_PIXELS = 200_000_000


def screenshot(height: int) -> bytes:
    """A page-like PNG, 1280 px wide."""
    import numpy
    from PIL import Image

    rng = numpy.random.default_rng(1)
    pixels = numpy.full((height, 1280, 3), 255, numpy.uint8)
    for top in range(0, height - 150, 400):
        pixels[top : top + 150, 100:700] = rng.integers(0, 255, (150, 600, 3), dtype=numpy.uint8)
    pixels[::17, :, :] = 30
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", compress_level=1)
    return out.getvalue()


def best(fn: Callable[[], object], repeat: int) -> float:
    """The least thread CPU time of `repeat` calls."""
    times = []
    for _ in range(repeat):
        began = time.thread_time()
        fn()
        times.append(time.thread_time() - began)
    return min(times)


def pdq_every_pixel(image: Any) -> None:
    """PDQ without the reference's 512 px reduction (what the product did before)."""
    import numpy
    import pdqhash

    pdqhash.compute(numpy.asarray(image.convert("RGB")))


def main() -> None:
    """Time each part and print it."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--height", type=int, default=7300, help="CSS px (default 7300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()
    import imagehash
    from PIL import Image

    from collector.platforms import imaging

    data = screenshot(args.height)
    imaging.analyze_image(data, MAX_PIXELS)  # imports and first-use costs are not timed
    decoded = Image.open(io.BytesIO(data))
    decoded.load()

    def verify() -> None:
        Image.open(io.BytesIO(data)).verify()

    parts = {
        "analyze_image (all of it)": lambda: imaging.analyze_image(data, MAX_PIXELS),
        "  verify (structure, CRCs)": verify,
        "  full decode": lambda: Image.open(io.BytesIO(data)).load(),
        "  pHash (imagehash)": lambda: imagehash.phash(decoded),
        "  PDQ (512 px reduction, then pdqhash)": lambda: imaging._pdq(decoded),
        "  baseline: PDQ over every pixel": lambda: pdq_every_pixel(decoded),
        "thumbnail_webp": lambda: imaging.thumbnail_webp(data, MAX_PIXELS),
        "analyze_with_thumbnail (one decode)": lambda: imaging.analyze_with_thumbnail(
            data, MAX_PIXELS
        ),
    }
    print(f"1280 x {args.height} px PNG, {len(data) / 1e6:.1f} MB; best of {args.repeat}, CPU s")
    for name, fn in parts.items():
        print(f"{name:<40}{best(fn, args.repeat):>8.3f}")
    print("reproduce: .venv/bin/python benchmarks/imagecost.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
