"""The screenshots' image checks start once they are taken, and are used only for the bytes
that are stored (`collect/imagework.py`)."""

import io
from dataclasses import asdict

from PIL import Image

from collector.capture.result import ArtifactData
from collector.collect.imagework import ImageWork
from collector.platforms.imaging import analyze_image, thumbnail_webp


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
    started = work.result(analyze_image, full)
    assert work.result(analyze_image, full) is started
    assert work.result(thumbnail_webp, full) is work.result(thumbnail_webp, full)
    assert asdict(started.result()) == asdict(analyze_image(full.data, work.max_pixels))
    assert work.result(analyze_image, viewport).result().height == 100

    retaken = _shot("screenshot-full", _png((0, 200, 0)))  # same name, other bytes
    again = work.result(analyze_image, retaken)
    assert again is not started
    assert again.result().phash == analyze_image(retaken.data, work.max_pixels).phash
