"""Ephemeral files: what the capture path spools to disk is ciphertext there, and reads back
exactly as written at any offset (the spools' 1 MiB boundary, their 1 MiB read pieces)."""

import gc
import hashlib
import io
import os
import random

import pytest

from collector.capture import ephemeral
from collector.capture.artifacts import spooled_artifact
from collector.capture.ephemeral import EphemeralFile, SpooledFile
from collector.capture.spool import READ_BYTES, SPOOL_MEMORY_BYTES, MemoryBudget, Spool

SECRET = b"sid=9f8e7d6c5b4a39281706f5e4d3c2b1a0"
MIB = 1024 * 1024


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[EphemeralFile]:
    """Every ephemeral file made while the test runs (through the one factory)."""
    files: list[EphemeralFile] = []
    factory = ephemeral.temporary_file

    def recording() -> EphemeralFile:
        file = factory()
        files.append(file)
        return file

    monkeypatch.setattr(ephemeral, "temporary_file", recording)
    return files


def _on_disk(file: EphemeralFile) -> bytes:
    """The raw bytes of the file, read through its descriptor as anyone reading the disk would."""
    fd = file._shared.fd  # the test reads past the file's own methods, as a disk reader would
    return os.pread(fd, os.fstat(fd).st_size, 0)


def _body(size: int, secret_at: list[int]) -> bytes:
    """`size` random-looking bytes with SECRET written at each offset of `secret_at`."""
    data = bytearray(random.Random(size).randbytes(size))
    for offset in secret_at:
        data[offset : offset + len(SECRET)] = SECRET
    return bytes(data)


def test_spool_past_its_memory_holds_only_ciphertext_and_reads_back(made):
    boundary = SPOOL_MEMORY_BYTES
    secret_at = [0, boundary - 18, boundary + 40, 2 * READ_BYTES - 5, 3 * MIB - len(SECRET)]
    body = _body(3 * MIB, secret_at)
    spool = Spool(MemoryBudget())
    pieces = [body[:100], body[100 : boundary - 3], body[boundary - 3 : boundary + 7]]
    pieces += [body[i : i + 65536] for i in range(boundary + 7, len(body), 65536)]
    for piece in pieces:
        spool.write(piece)
    assert spool.on_disk and len(made) == 1
    raw = _on_disk(made[0])
    assert len(raw) == len(body)
    assert SECRET not in raw and SECRET[4:] not in raw
    assert spool.read() == body
    for start, end in [
        (0, 1),
        (boundary - 1, boundary + 1),
        (boundary - 18, boundary - 18 + len(SECRET)),
        (READ_BYTES - 7, 2 * READ_BYTES + 9),
        (2 * READ_BYTES - 5, 2 * READ_BYTES - 5 + len(SECRET)),
        (12345, 12345),
        (len(body) - 3, len(body) + 100),
    ]:
        assert spool.read(start, end) == body[start:end], (start, end)
    assert [len(c) for c in spool.chunks(5)] == [READ_BYTES, READ_BYTES, MIB - 5]
    assert b"".join(spool.chunks(boundary - 1)) == body[boundary - 1 :]
    assert spool.reader(boundary - 18).read(len(SECRET)) == SECRET
    spool.close()
    with pytest.raises(ValueError):
        made[0].read(1)


def test_small_spool_never_touches_a_disk(made):
    spool = Spool(MemoryBudget(), memory_bytes=1000)
    spool.write(SECRET)
    assert not spool.on_disk and not made and spool.read() == SECRET
    spool.close()


def test_random_reads_and_writes_match_a_plain_file(made):
    chooser = random.Random(14)
    file, model = ephemeral.temporary_file(), io.BytesIO()
    for _ in range(400):
        action = chooser.choice(["write", "write", "read", "seek", "truncate"])
        if action == "write":
            data = chooser.randbytes(chooser.choice([1, 15, 16, 17, 4096, 70000]))
            assert file.write(data) == model.write(data)
        elif action == "read":
            size = chooser.choice([-1, 0, 1, 16, 31, 5000, 200000])
            assert file.read(size) == model.read(size)
        elif action == "seek":
            where = chooser.randrange(0, model.getbuffer().nbytes + 100)
            assert file.seek(where) == model.seek(where)
        else:
            size = chooser.randrange(0, model.getbuffer().nbytes + 1)  # BytesIO never grows
            assert file.truncate(size) == model.truncate(size)
        assert file.tell() == model.tell() and file.size == model.getbuffer().nbytes
    file.seek(0)
    assert file.read() == model.getvalue()
    size = file.size
    assert file.truncate(size + 40) == size + 40 and file.tell() == size
    assert file.read() == bytes(40)  # a file grown by truncate reads back zeros
    file.close()


def test_each_file_has_its_own_key(made):
    first, second = ephemeral.temporary_file(), ephemeral.temporary_file()
    for file in (first, second):
        file.write(SECRET * 1000)
    assert _on_disk(first) != _on_disk(second)
    assert SECRET not in _on_disk(first) + _on_disk(second)
    first.close()
    second.close()


def test_no_descriptor_is_handed_out(made):
    file = ephemeral.temporary_file()
    with pytest.raises(io.UnsupportedOperation):
        file.fileno()
    with pytest.raises(io.UnsupportedOperation):
        file.reader().fileno()
    file.close()


def test_readers_have_their_own_position_and_do_not_write(made):
    file = ephemeral.temporary_file()
    file.write(b"0123456789")
    one, two = file.reader(), file.reader()
    assert one.read(3) == b"012" and two.read(5) == b"01234" and one.read(2) == b"34"
    with pytest.raises(io.UnsupportedOperation):
        one.write(b"x")
    one.close()
    assert file.read() == b"" and file.seek(0) == 0 and file.read() == b"0123456789"
    file.close()
    with pytest.raises(ValueError):
        two.read(1)


def test_spooled_file_stays_in_memory_until_its_limit(made):
    spooled = SpooledFile(memory_bytes=100)
    spooled.write(b"a" * 100)
    assert not spooled.on_disk and not made
    spooled.write(b"b")
    assert spooled.on_disk and len(made) == 1
    spooled.seek(0)
    assert spooled.read() == b"a" * 100 + b"b"
    spooled.seek(0)
    spooled.truncate()
    spooled.write(SECRET)
    spooled.seek(0)
    assert spooled.read() == SECRET and SECRET not in _on_disk(made[0])
    spooled.close()


def test_large_artifact_is_an_ephemeral_file_owned_by_the_artifact(made):
    body = _body(SPOOL_MEMORY_BYTES + 1, [SPOOL_MEMORY_BYTES - 8])
    artifact, outcome = spooled_artifact(
        "dom", "dom.html", "text/html", None, lambda o: o.write(body)
    )
    assert outcome == len(body) and artifact.on_disk and artifact.size == len(body)
    assert SECRET not in _on_disk(made[0])
    assert artifact.data == body and artifact.sha256 == hashlib.sha256(body).hexdigest()
    with artifact.open() as first, artifact.open() as second:
        assert first.read(5) == body[:5] and second.read(7) == body[:7]
    del artifact
    gc.collect()
    assert made[0].closed  # the file is gone with its artifact


def test_small_artifact_stays_in_memory(made):
    artifact, _ = spooled_artifact("dom", "dom.html", "text/html", None, lambda o: o.write(SECRET))
    assert not artifact.on_disk and artifact.data == SECRET and not made
