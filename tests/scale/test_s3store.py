"""S3BlobStore against moto's server: addressing, dedupe, multipart, verify, archive hook."""

import hashlib
import io
import os
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.errors import BlobError
from archive.s3store import S3BlobStore, client_from_settings, parse_s3_url
from tests.support.s3 import MotoServer


@pytest.fixture
def s3_env(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    return moto


def _store(tmp_path: Path, bucket: str, **kwargs: int) -> S3BlobStore:
    with Archive.open(tmp_path / "home", {"blob_url": f"s3://{bucket}/ev"}) as archive:
        client = client_from_settings(archive.settings)
    return S3BlobStore(client, bucket, "ev", **kwargs)


def test_parse_url() -> None:
    assert parse_s3_url("s3://b/some/prefix/") == ("b", "some/prefix")
    assert parse_s3_url("s3://b") == ("b", "")
    with pytest.raises(BlobError):
        parse_s3_url("https://b/x")


def test_put_dedupe_read_verify(s3_env: MotoServer, bucket: str, tmp_path: Path) -> None:
    store = _store(tmp_path, bucket)
    data = b"evidence bytes " * 1000
    first = store.put_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert (first.sha256, first.size, first.created) == (digest, len(data), True)
    assert first.sha512 == hashlib.sha512(data).hexdigest()
    key = f"ev/{digest[:2]}/{digest[2:4]}/{digest}"
    head = s3_env.client().head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert store.put_bytes(data).created is False
    assert store.get(digest) == data
    assert store.verify(digest) is True
    assert list(store.iter_digests()) == [digest]
    # altered behind the store's back: verify notices
    s3_env.client().put_object(Bucket=bucket, Key=key, Body=b"changed")
    assert store.verify(digest) is False
    with pytest.raises(BlobError, match="missing"):
        store.open("0" * 64)
    with pytest.raises(BlobError, match="size limit"):
        store.put(io.BytesIO(b"x" * 100), max_size=10)


def test_large_blob_goes_multipart(s3_env: MotoServer, bucket: str, tmp_path: Path) -> None:
    mib = 1024 * 1024
    store = _store(tmp_path, bucket, multipart_threshold=6 * mib, multipart_chunk=5 * mib)
    data = os.urandom(11 * mib)
    stored = store.put_bytes(data)
    head = s3_env.client().head_object(Bucket=bucket, Key=store.key(stored.sha256))
    assert head["ETag"].strip('"').endswith("-3"), "three parts"
    assert head["Metadata"]["sha512"] == hashlib.sha512(data).hexdigest()
    assert store.verify(stored.sha256)


def test_archive_picks_s3_from_blob_url(s3_env: MotoServer, bucket: str, tmp_path: Path) -> None:
    with Archive.open(tmp_path / "home", {"blob_url": f"s3://{bucket}/p"}) as archive:
        assert isinstance(archive.blobs, S3BlobStore)
        with archive.session() as session:
            blob = archive.store_blob(session, b"hello")
        assert archive.blobs.get(blob.sha256) == b"hello"
    assert not list((tmp_path / "home" / "blobs").rglob("*" + blob.sha256)), "not stored locally"


def test_missing_bucket_is_one_line_error(s3_env: MotoServer, tmp_path: Path) -> None:
    with pytest.raises(BlobError, match="cannot use bucket no-such-bucket"):
        Archive.open(tmp_path / "home", {"blob_url": "s3://no-such-bucket/p"})
