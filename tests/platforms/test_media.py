"""Media download (streamed, capped, hashed) and the Pillow checks: EXIF, thumbnail, hashes,
corrupt images and decompression bombs rejected with a clear reason."""

import hashlib
import io
import struct
import zlib
from dataclasses import asdict

import httpx
import imagehash
import pytest
from PIL import Image

from collector.platforms.config import PlatformConfig
from collector.platforms.imaging import (
    ImageRejected,
    analyze_image,
    analyze_with_thumbnail,
    thumbnail_webp,
)
from collector.platforms.media import MediaTooLarge, download, download_all
from collector.platforms.result import MediaItem, PlatformResult
from collector.platforms.twitter_parse import parse_graphql
from tests.platforms.conftest import load_json, run
from tests.platforms.fakeweb import FakeWeb


def png_bytes(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    image = Image.new("RGB", size, color)
    for x in range(size[0] // 2):  # some structure so the perceptual hash is not trivial
        image.putpixel((x, x % size[1]), (0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (120, 80), (10, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestMake"  # Make
    exif[0x0110] = "TestModel"  # Model
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 10:20:30"  # DateTimeOriginal
    exif.get_ifd(0x8825)[1] = "N"  # GPSLatitudeRef
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_analyze_png() -> None:
    data = png_bytes()
    info = analyze_image(data, max_pixels=10_000)
    assert (info.format, info.width, info.height, info.mode, info.frames) == (
        "PNG",
        64,
        48,
        "RGB",
        1,
    )
    assert info.phash == str(imagehash.phash(Image.open(io.BytesIO(data))))
    assert info.exif == {}
    assert info.pdq is None or len(info.pdq) == 64


def test_exif_is_read_as_data() -> None:
    info = analyze_image(jpeg_with_exif(), max_pixels=1_000_000)
    assert info.format == "JPEG"
    assert info.exif["Make"] == "TestMake" and info.exif["Model"] == "TestModel"
    assert info.exif["ExifIFD"]["DateTimeOriginal"] == "2024:05:01 10:20:30"
    assert info.exif["GPSInfo"]["GPSLatitudeRef"] == "N"


def test_thumbnail_is_webp_within_bounds() -> None:
    thumb = thumbnail_webp(png_bytes((1200, 300)), max_pixels=10_000_000)
    image = Image.open(io.BytesIO(thumb))
    assert image.format == "WEBP"
    assert image.size == (512, 128)


def test_truncated_image_is_rejected() -> None:
    data = png_bytes((200, 200))
    with pytest.raises(ImageRejected, match="corrupt image"):
        analyze_image(data[: len(data) // 2], max_pixels=1_000_000)


def test_garbage_is_rejected() -> None:
    with pytest.raises(ImageRejected, match="not a recognised image format"):
        analyze_image(b"<html>not an image</html>", max_pixels=1_000_000)


def test_decompression_bomb_over_configured_limit() -> None:
    with pytest.raises(ImageRejected, match="decompression bomb refused: 64x48 = 3072 pixels"):
        analyze_image(png_bytes(), max_pixels=3000)


def test_decompression_bomb_over_pillow_limit() -> None:
    bomb = png_claiming(50_000, 50_000)  # 2.5 gigapixels announced in a few hundred bytes
    assert len(bomb) < 200
    with pytest.raises(ImageRejected, match="decompression bomb refused"):
        analyze_image(bomb, max_pixels=10**12)
    with pytest.raises(ImageRejected, match="decompression bomb refused"):
        analyze_image(png_claiming(20_000, 20_000), max_pixels=100_000_000)


def fetch_media(web: FakeWeb, url: str, config: PlatformConfig, kind: str = "photo"):
    async def go():
        async with web.client() as client:
            return await download(client, url, config, kind)

    return run(go())


def test_download_hashes_exact_bytes(web: FakeWeb, config: PlatformConfig) -> None:
    data = png_bytes()
    web.add("https://pbs.twimg.com/media/abc.png", data, content_type="image/png")
    got = fetch_media(web, "https://pbs.twimg.com/media/abc.png?name=orig", config)
    assert got.status == 200 and got.error is None
    assert got.data == data
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.size == len(data)
    assert got.media_type == "image/png"
    assert got.image is not None and (got.image.width, got.image.height) == (64, 48)
    assert got.thumbnail_webp is not None and got.thumbnail_webp[8:12] == b"WEBP"


def test_download_keeps_rejected_bytes_with_reason(web: FakeWeb, config: PlatformConfig) -> None:
    bomb = png_claiming(50_000, 50_000)
    web.add("https://pbs.twimg.com/media/bomb.png", bomb, content_type="image/png")
    got = fetch_media(web, "https://pbs.twimg.com/media/bomb.png", config)
    assert got.error is not None and got.error.startswith("decompression bomb refused")
    assert got.sha256 == hashlib.sha256(bomb).hexdigest()
    assert got.image is None and got.thumbnail_webp is None


def test_download_size_limit(web: FakeWeb) -> None:
    small = PlatformConfig.load({"media_max_bytes": 1000}, env={})
    web.add("https://video.twimg.com/v.mp4", b"\x00" * 5000, content_type="video/mp4")
    with pytest.raises(MediaTooLarge, match="Content-Length 5000 exceeds the limit of 1000"):
        fetch_media(web, "https://video.twimg.com/v.mp4", small, kind="video")


def test_download_video_is_not_image_checked(web: FakeWeb, config: PlatformConfig) -> None:
    web.add("https://video.twimg.com/v.mp4", b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    got = fetch_media(web, "https://video.twimg.com/v.mp4", config, kind="video")
    assert got.error is None and got.image is None and got.media_type == "video/mp4"


def test_download_all_for_a_parsed_post(web: FakeWeb, config: PlatformConfig) -> None:
    result = PlatformResult(platform="twitter", url="https://x.com/SpaceX/status/1")
    parse_graphql(
        load_json("twitter-graphql", "fxembed__TweetResultByRestId_1848831595014459513.json"),
        result,
    )
    served = {}
    for index, item in enumerate(result.media):
        data = png_bytes((40 + index, 30), (index * 60, 100, 100))
        served[item.url] = data
        web.add(item.url, data, content_type="image/png")
    result.media.append(MediaItem(url="https://pbs.twimg.com/media/missing.jpg", kind="photo"))

    async def go() -> None:
        async with web.client() as client:
            await download_all(result, client, config)

    run(go())
    for item in result.media[:3]:
        assert item.downloaded is not None
        assert item.downloaded.sha256 == hashlib.sha256(served[item.url]).hexdigest()
        assert item.as_dict()["sha256"] == item.downloaded.sha256
    missing = result.media[3].downloaded
    assert missing is not None and missing.error == "HTTP 404"
    assert any("name=orig" in r for r in web.requests)


def test_download_network_failure_is_noted(config: PlatformConfig) -> None:
    result = PlatformResult(platform="twitter", url="https://x.com/a/status/1")
    result.media.append(MediaItem(url="http://127.0.0.1:9/nothing.jpg", kind="photo"))

    async def go() -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            await download_all(result, client, config)

    run(go())
    assert result.media[0].downloaded is None
    assert result.media[0].error.startswith("ConnectError")


def test_pdq_of_a_large_image_is_the_reference_s_after_its_512_px_reduction() -> None:
    import numpy
    import pdqhash

    rng = numpy.random.default_rng(7)
    blocks = rng.integers(0, 255, (73, 32, 3), dtype=numpy.uint8)  # page-like large blocks
    image = Image.fromarray(blocks).resize((1280, 7300), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    info = analyze_image(out.getvalue(), max_pixels=100_000_000)

    reduced = image.resize((512, 512), Image.Resampling.BOX)
    vector, quality = pdqhash.compute(numpy.asarray(reduced))
    assert info.pdq == f"{int(''.join('1' if b else '0' for b in vector), 2):064x}"
    assert info.pdq_quality == quality
    full_vector, _ = pdqhash.compute(numpy.asarray(image))
    distance = sum(int(a) != int(b) for a, b in zip(vector, full_vector, strict=True))
    assert distance <= 31  # PDQ's own "same image" threshold: the reduction keeps what it sees


def test_checks_and_thumbnail_from_one_decode_match_the_separate_ones() -> None:
    data = png_bytes((1200, 300))
    info, thumb = analyze_with_thumbnail(data, max_pixels=10_000_000)
    assert asdict(info) == asdict(analyze_image(data, max_pixels=10_000_000))
    assert thumb == thumbnail_webp(data, max_pixels=10_000_000)
