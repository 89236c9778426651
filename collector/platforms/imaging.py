"""Image checks with Pillow: decode fully under a pixel limit, read metadata as data, thumbnail
(WebP) and perceptual hashes (pHash via imagehash; PDQ when the optional pdqhash is installed).

PDQ is computed as Meta's reference implementation computes it (ThreatExchange `pdq/cpp`,
`DOWNSAMPLE_DIMS = 512`): an image larger than 512 px on a side is first reduced to 512 x 512
with ordinary resampling (Pillow's box filter here), since the two-pass Jarosz filter over
every pixel of a 1280 x 7,300 px screenshot costs most of a capture's image time. pHash is
imagehash's own, over the full image. `analyze_with_thumbnail` decodes once for both the
checks and the thumbnail, where a screenshot needs the two.

A corrupt image or a decompression bomb raises `ImageRejected` with a one-line reason; nothing
is trusted from EXIF, it is recorded as the file states it. Pillow and imagehash (numpy, scipy)
are imported when an image is first read: importing this module must stay cheap for the CLI.
"""

import io
import warnings
from typing import TYPE_CHECKING, Any

from archive.errors import EvidenceError
from collector.platforms.result import ImageInfo

if TYPE_CHECKING:
    from PIL import Image

THUMBNAIL_SIZE = (512, 512)
PDQ_DOWNSAMPLE = 512
"""Side of the square an image larger than this is reduced to before PDQ (the reference's)."""


class ImageRejected(EvidenceError):
    """The bytes are not an image Pillow can fully decode within the limits."""


def _json_value(value: Any) -> Any:
    from PIL import TiffImagePlugin

    if isinstance(value, TiffImagePlugin.IFDRational):
        return None if value.denominator == 0 else float(value)
    if isinstance(value, bytes):
        return value[:64].hex() + ("…" if len(value) > 64 else "")
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, int | float) or value is None:
        return value
    return str(value)


def exif_data(image: "Image.Image") -> dict[str, Any]:
    """EXIF (with GPS and Exif sub-IFDs) as a JSON-ready dict keyed by tag names."""
    from PIL import ExifTags

    exif = image.getexif()
    out: dict[str, Any] = {}
    for tag, value in exif.items():
        out[ExifTags.TAGS.get(tag, str(tag))] = _json_value(value)
    for ifd, names in (
        (ExifTags.IFD.Exif, ExifTags.TAGS),
        (ExifTags.IFD.GPSInfo, ExifTags.GPSTAGS),
    ):
        sub = exif.get_ifd(ifd)
        if sub:
            key = "GPSInfo" if ifd == ExifTags.IFD.GPSInfo else "ExifIFD"
            out[key] = {names.get(t, str(t)): _json_value(v) for t, v in sub.items()}
    return out


def open_checked(data: bytes, max_pixels: int) -> "Image.Image":
    """The image in `data`, opened (not decoded); ImageRejected when it cannot or must not be."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(f"decompression bomb refused: {exc}") from exc
        except UnidentifiedImageError as exc:
            raise ImageRejected("not a recognised image format") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageRejected(f"corrupt image: {exc}") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejected(
            f"decompression bomb refused: {width}x{height} = {width * height} pixels "
            f"exceeds the limit of {max_pixels}"
        )
    return image


def _pdq(image: "Image.Image") -> tuple[str | None, int | None]:
    try:
        import numpy
        import pdqhash
    except ImportError:
        return None, None
    from PIL import Image

    if image.width > PDQ_DOWNSAMPLE or image.height > PDQ_DOWNSAMPLE:
        if image.mode not in ("RGB", "RGBA", "L"):  # palette images resize by nearest only
            image = image.convert("RGB")
        image = image.resize((PDQ_DOWNSAMPLE, PDQ_DOWNSAMPLE), Image.Resampling.BOX)
    vector, quality = pdqhash.compute(numpy.asarray(image.convert("RGB")))
    bits = "".join("1" if b else "0" for b in vector)
    return f"{int(bits, 2):064x}", int(quality)


def analyze_image(data: bytes, max_pixels: int) -> ImageInfo:
    """Decode `data` completely and describe it; ImageRejected when corrupt or too large."""
    return _describe(_decoded(data, max_pixels))


def analyze_with_thumbnail(data: bytes, max_pixels: int) -> tuple[ImageInfo, bytes]:
    """`analyze_image` and `thumbnail_webp` of `data` from one decode."""
    image = _decoded(data, max_pixels)
    info = _describe(image)
    return info, _thumbnail(image, THUMBNAIL_SIZE)  # last: the thumbnail is made in place


def _decoded(data: bytes, max_pixels: int) -> "Image.Image":
    """The image in `data`, its structure verified and its pixels decoded."""
    from PIL import Image

    image = open_checked(data, max_pixels)
    try:
        image.verify()  # structure and checksums (PNG CRCs); the image is unusable afterwards
        image = open_checked(data, max_pixels)
        image.load()  # full decode: truncated data fails here
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(f"corrupt image: {exc}") from exc
    return image


def _describe(image: "Image.Image") -> ImageInfo:
    import imagehash

    phash = str(imagehash.phash(image))
    pdq, quality = _pdq(image)
    return ImageInfo(
        format=image.format or "unknown",
        width=image.width,
        height=image.height,
        mode=image.mode,
        frames=getattr(image, "n_frames", 1),
        exif=exif_data(image),
        phash=phash,
        pdq=pdq,
        pdq_quality=quality,
    )


def thumbnail_webp(data: bytes, max_pixels: int, size: tuple[int, int] = THUMBNAIL_SIZE) -> bytes:
    """A WebP thumbnail (at most `size`, aspect kept) of an image that passed `analyze_image`."""
    image = open_checked(data, max_pixels)
    image.load()
    return _thumbnail(image, size)


def _thumbnail(image: "Image.Image", size: tuple[int, int]) -> bytes:
    """The WebP thumbnail of a decoded image, which it reduces in place (Pillow's thumbnail)."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image.thumbnail(size)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80)
    return out.getvalue()
