"""The capture's WARC replays in pywb and looks the same (perceptual hash of screenshots)."""

import io
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import imagehash
import pytest
from PIL import Image

from tests.capture.conftest import EngineRunner
from tests.world.server import free_port

pytestmark = pytest.mark.browser

COLLECTION = "replay"
MAX_HASH_DISTANCE = 4
START_TIMEOUT_S = 60.0


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture
def pywb(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A pywb collection folder and a running `wayback` server on loopback serving it."""
    subprocess.run([_tool("wb-manager"), "init", COLLECTION], cwd=tmp_path, check=True, timeout=60)
    (tmp_path / "config.yaml").write_text("framed_replay: false\n")
    port = free_port()
    process = subprocess.Popen(
        [_tool("wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("pywb did not start") from None
                time.sleep(0.2)
        yield tmp_path, port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _phash(png: bytes) -> imagehash.ImageHash:
    return imagehash.phash(Image.open(io.BytesIO(png)))


def test_warc_replays_in_pywb_looking_the_same(engine: EngineRunner, test_world, pywb):
    folder, port = pywb
    url = test_world.http("/static/page.html?n=3")
    original = engine.capture(url)
    assert original.status == "complete", original.status_reason
    warc = folder / "capture.warc.gz"
    warc.write_bytes(original.artifact("warc").data)
    subprocess.run(
        [_tool("wb-manager"), "add", COLLECTION, str(warc)], cwd=folder, check=True, timeout=60
    )
    replay = engine.capture(f"http://127.0.0.1:{port}/{COLLECTION}/{url}")
    assert replay.status == "complete", replay.status_reason
    assert replay.http_status == 200
    assert "fetched from the test world" in replay.artifact("dom").data.decode(), (
        "the page's fetch was answered from the WARC"
    )
    distance = _phash(original.artifact("screenshot-viewport").data) - _phash(
        replay.artifact("screenshot-viewport").data
    )
    assert distance <= MAX_HASH_DISTANCE


def test_replay_comparison_can_tell_pages_apart(engine: EngineRunner, test_world):
    first = engine.capture(test_world.http("/static/page.html?n=1"))
    tall = engine.capture(test_world.http("/lazy"))
    distance = _phash(first.artifact("screenshot-viewport").data) - _phash(
        tall.artifact("screenshot-viewport").data
    )
    assert distance > MAX_HASH_DISTANCE


def test_an_x_page_drawn_by_the_worlds_client_replays(engine: EngineRunner, pywb):
    """The world's stand-in for X's client and what it drew from are in the WARC: pywb's
    replay draws the same post."""
    folder, port = pywb
    url = "https://x.com/UaSmart/status/934106870834454529"
    original = engine.capture(url)
    assert original.status == "complete", original.status_reason
    warc = folder / "capture.warc.gz"
    warc.write_bytes(original.artifact("warc").data)
    subprocess.run(
        [_tool("wb-manager"), "add", COLLECTION, str(warc)], cwd=folder, check=True, timeout=60
    )
    replay = engine.capture(f"http://127.0.0.1:{port}/{COLLECTION}/{url}")
    assert replay.http_status == 200
    dom = replay.artifact("dom").data.decode()
    assert 'data-testid="tweet"' in dom and "Y terminamos el dia con Cultura de empresa" in dom
    distance = _phash(original.artifact("screenshot-viewport").data) - _phash(
        replay.artifact("screenshot-viewport").data
    )
    assert distance <= MAX_HASH_DISTANCE
