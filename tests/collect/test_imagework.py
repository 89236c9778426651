"""The screenshots' image checks start once they are taken, and are used only for the bytes
that are stored (`collect/imagework.py`)."""

import io
from dataclasses import asdict

from PIL import Image

from collector.capture.result import ArtifactData
from collector.collect.imagework import ImageWork
from collector.platforms.imaging import analyze_image, analyze_with_thumbnail, thumbnail_webp


def _png(colour: tuple[int, int, int], height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, height), colour).save(out, format="PNG")
    return out.getvalue()


def _shot(role: str, data: bytes) -> ArtifactData:
    return ArtifactData(role, f"{role}.png", "image/png", data)


def test_started_work_is_reused_only_for_the_same_bytes() -> None:
    full, viewport = (
        _shot("screenshot-full", _png((200, 0, 0))),
        _shot("screenshot-viewport", _png((0, 0, 200), 100)),
    )
    work = ImageWork()
    work.start([viewport, full])
    started = work.result(analyze_with_thumbnail, full)
    assert work.result(analyze_with_thumbnail, full) is started
    info, thumb = started.result()
    assert asdict(info) == asdict(analyze_image(full.data, work.max_pixels))
    assert thumb == thumbnail_webp(full.data, work.max_pixels)
    assert work.result(analyze_image, viewport).result().height == 100

    retaken = _shot("screenshot-full", _png((0, 200, 0)))  # same name, other bytes
    again = work.result(analyze_with_thumbnail, retaken)
    assert again is not started
    assert again.result()[0].phash == analyze_image(retaken.data, work.max_pixels).phash
