"""What the browser shows natively, kept between starts (`nativecache.py`): used only for the
same executable and browser version, and every capture says how it was read."""

import asyncio
import json
import os
from dataclasses import replace
from pathlib import Path

from collector.capture import nativecache
from collector.capture.engine import CaptureEngine
from collector.capture.lifecycle import BrowserIdentity
from collector.capture.presentation import NativeBrowser
from collector.capture.settings import CaptureSettings

NATIVE = NativeBrowser("Mozilla/5.0 HeadlessChrome/1.2.3.4", {"brands": []}, 0, "denied", "prompt")


def _identity(settings: CaptureSettings) -> BrowserIdentity:
    async def start() -> BrowserIdentity:
        async with CaptureEngine(settings) as engine:
            return engine.identity

    return asyncio.run(start())


def test_the_key_follows_the_executable_and_a_kept_answer_round_trips(tmp_path: Path) -> None:
    executable = tmp_path / "chromium"
    executable.write_bytes(b"one build")
    key = nativecache.cache_key(str(executable), ["--flag"], "1.0")
    assert key is not None
    assert nativecache.cache_key(str(executable), ["--flag"], "1.0") == key
    assert nativecache.cache_key(str(executable), ["--other"], "1.0") != key
    assert nativecache.cache_key(str(executable), ["--flag"], "1.1") != key
    os.utime(executable, ns=(0, 1_000_000_000))  # an update replaces the file
    assert nativecache.cache_key(str(executable), ["--flag"], "1.0") != key
    assert nativecache.cache_key(str(tmp_path / "missing"), [], "1.0") is None

    folder = str(tmp_path / "cache")
    assert nativecache.load(folder, key) is None
    kept = nativecache.KeptNative(NATIVE, "1.2.3.4", "2026-01-01T00:00:00Z")
    nativecache.save(folder, key, kept)
    assert nativecache.load(folder, key) == kept
    assert nativecache.load(folder, key[:32] + "0" * 32) is None  # same file name, other key
    (written,) = Path(folder).iterdir()
    written.write_text("{not json")
    assert nativecache.load(folder, key) is None
    nativecache.forget(folder, key)
    assert not written.exists()


def test_a_second_start_uses_the_kept_answer_and_presents_the_same(tmp_path: Path) -> None:
    settings = CaptureSettings(native_cache_dir=str(tmp_path))
    first = _identity(settings)
    read = first.changes["native_read"]
    assert read["how"] == "read in a probe browser at this start"
    assert read["version"] == first.version
    (kept_file,) = tmp_path.iterdir()
    assert json.loads(kept_file.read_text())["version"] == first.version

    second = _identity(settings)
    again = second.changes["native_read"]
    assert again["how"].startswith("kept from a probe browser of this executable")
    assert (again["at"], again["version"]) == (read["at"], first.version)
    assert second.user_agent == first.user_agent
    strip = {k: v for k, v in first.changes.items() if k != "native_read"}
    assert {k: v for k, v in second.changes.items() if k != "native_read"} == strip


def test_a_kept_answer_of_another_version_is_read_again(tmp_path: Path) -> None:
    settings = CaptureSettings(native_cache_dir=str(tmp_path))
    first = _identity(settings)
    (kept_file,) = tmp_path.iterdir()
    record = json.loads(kept_file.read_text())
    stale = replace(NATIVE, user_agent="Mozilla/5.0 HeadlessChrome/1.0.0.0")
    record.update(version="1.0.0.0", native={**record["native"], "user_agent": stale.user_agent})
    kept_file.write_text(json.dumps(record))

    second = _identity(settings)
    assert second.changes["native_read"]["how"] == "read in a probe browser at this start"
    assert second.user_agent == first.user_agent  # not the stale one
    assert json.loads(kept_file.read_text())["version"] == first.version


def test_without_a_cache_folder_every_start_probes(tmp_path: Path) -> None:
    identity = _identity(CaptureSettings(native_cache_dir=""))
    assert identity.changes["native_read"]["how"] == "read in a probe browser at this start"
