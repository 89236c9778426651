"""The content-addressed blob store: hashes, dedupe, atomic writes, verification."""

import hashlib
import io
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.blobstore import LocalBlobStore
from archive.errors import BlobError
from tests.support.killing import kill_when_ready


def test_put_hashes_match_hashlib_and_layout(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = os.urandom(3 * 1024 * 1024 + 17)  # spans several read chunks
    result = store.put(io.BytesIO(data))
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.sha512 == hashlib.sha512(data).hexdigest()
    assert result.size == len(data)
    assert result.created
    path = tmp_path / result.sha256[:2] / result.sha256[2:4] / result.sha256
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o444
    assert store.get(result.sha256) == data
    assert store.exists(result.sha256)
    assert store.verify(result.sha256)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=4096))
def test_any_bytes_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    store = LocalBlobStore(tmp_path_factory.mktemp("blobs"))
    result = store.put_bytes(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(result.sha256) == data


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.put_bytes(b"same bytes")
    second = store.put_bytes(b"same bytes")
    assert first.sha256 == second.sha256
    assert first.created and not second.created
    assert list(store.iter_digests()) == [first.sha256]
    assert not any(store.tmp.iterdir())


def test_verify_detects_altered_and_missing_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    result = store.put_bytes(b"original evidence")
    path = store.path(result.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"altered evidence!")
    assert store.verify(result.sha256) is False
    path.unlink()
    with pytest.raises(BlobError, match="missing"):
        store.verify(result.sha256)


def test_size_limit_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(BlobError, match="size limit"):
        store.put(io.BytesIO(b"x" * 5000), max_size=4096)
    assert list(store.iter_digests()) == []
    assert not any(store.tmp.iterdir())


def test_rejects_malformed_digest(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(BlobError, match="not a SHA-256"):
        store.open("../../etc/passwd")


def test_write_killed_midway_leaves_no_blob_and_no_row(tmp_path: Path) -> None:
    """A writer killed with SIGKILL mid-blob leaves only a temp file, cleaned up on next open."""
    home = tmp_path / "home"
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from archive.archive import Archive

        class Slow:
            sent = 0
            def read(self, n):
                self.sent += 1
                if self.sent == 3:
                    Path({str(ready)!r}).touch()
                if self.sent > 3:
                    time.sleep(60)
                return b"x" * 65536

        archive = Archive.open(Path({str(home)!r}))
        with archive.session() as session:
            archive.store_blob(session, Slow())
        """
    )
    kill_when_ready(script, ready)
    store = LocalBlobStore(home / "blobs")
    assert list(store.tmp.glob("*.part")), "the interrupted write should have left a temp file"
    assert list(store.iter_digests()) == []

    from sqlmodel import select

    from archive.archive import Archive
    from archive.models import Blob

    with Archive.open(home) as reopened, reopened.session() as session:
        assert session.exec(select(Blob)).all() == []
        assert not list(reopened.blobs.tmp.glob("*.part")), "stale temp file not cleaned"
