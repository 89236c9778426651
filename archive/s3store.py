"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, moto), addressed like the local
store: `<prefix>/ab/cd/<sha256>`.

A write is streamed into a local temporary spool while SHA-256 and SHA-512 are computed, so the
object key is known before anything is sent. A key that already exists (HEAD) is not sent again
and is never overwritten. Small blobs go up in one PUT carrying `ChecksumSHA256` (the server
refuses the bytes unless they hash to what we computed) and `If-None-Match: *` (a racing writer
cannot replace an object); large blobs go up with boto3's managed multipart transfer, every part
carrying its own SHA-256 checked by the server, and the finished object's size is re-read with
HEAD. `verify` (inherited) streams the object back and re-hashes it.

Settings: `blob_url = "s3://bucket/prefix"`; the `[s3]` table of config.toml may set
`endpoint_url`, `region`, `addressing_style` ("path" for MinIO) and, discouraged, keys;
`EVIDENCE_S3_ENDPOINT_URL` overrides the endpoint; credentials otherwise come from boto3's usual
chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `~/.aws`, instance roles).
"""

import base64
import os
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from archive.blobstore import _SHA256_RE, BlobStore, PutResult, check_sha256, copy_hashing
from archive.config import Settings
from archive.errors import BlobError

MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix"); BlobError when malformed."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise BlobError(f"not an s3://bucket/prefix URL: {url!r}")
    return parts.netloc, parts.path.strip("/")


def client_from_settings(settings: Settings) -> Any:
    """A boto3 S3 client for the archive's `[s3]` settings and the environment."""
    s3 = settings.section("s3")
    endpoint = os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or s3.get("endpoint_url") or None
    style = s3.get("addressing_style") or ("path" if endpoint else "auto")
    config = Config(
        s3={"addressing_style": style},
        retries={"max_attempts": 5, "mode": "standard"},
        request_checksum_calculation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION") or s3.get("region") or "us-east-1",
        aws_access_key_id=s3.get("access_key_id") or None,
        aws_secret_access_key=s3.get("secret_access_key") or None,
        config=config,
    )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    """Content-addressed blobs under a prefix of one bucket; objects are written once."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunk: int = MULTIPART_CHUNK,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunk
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3BlobStore":
        """The store named by `settings.blob_url` (s3://…); checks that the bucket answers."""
        bucket, prefix = parse_s3_url(settings.blob_url)
        store = cls(client_from_settings(settings), bucket, prefix)
        try:
            store.client.head_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as exc:
            raise BlobError(f"cannot use bucket {bucket}: {exc}") from exc
        return store

    def key(self, sha256: str) -> str:
        """The object key of a digest."""
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key(sha256)))
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise BlobError(f"cannot read blob {sha256} in s3://{self.bucket}: {exc}") from exc

    def put(self, stream: BinaryIO, max_size: int | None = None) -> PutResult:
        with tempfile.TemporaryFile(prefix="evidence-s3-") as spool:
            result = copy_hashing(stream, spool, max_size)
            digest, size = result.sha256, result.size
            if self._head(digest) is not None:
                return result
            spool.seek(0)
            try:
                created = self._upload(spool, result)
            except (ClientError, BotoCoreError) as exc:
                raise BlobError(f"cannot write blob {digest} to s3://{self.bucket}: {exc}") from exc
        head = self._head(digest)
        if head is None or int(head["ContentLength"]) != size:
            raise BlobError(f"blob {digest} in s3://{self.bucket} is not the {size} bytes sent")
        return PutResult(result.sha256, result.sha512, size, created=created)

    def _upload(self, spool: BinaryIO, result: PutResult) -> bool:
        """Send the spooled bytes; False when another writer stored the same key first."""
        key = self.key(result.sha256)
        metadata = {"sha256": result.sha256, "sha512": result.sha512}
        if result.size < self.transfer.multipart_threshold:
            try:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=spool,
                    ContentLength=result.size,
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(result.sha256)).decode(),
                    IfNoneMatch="*",
                    Metadata=metadata,
                )
            except ClientError as exc:
                if _error_code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                    return False
                raise
            return True
        self.client.upload_fileobj(
            spool,
            self.bucket,
            key,
            ExtraArgs={"ChecksumAlgorithm": "SHA256", "Metadata": metadata},
            Config=self.transfer,
        )
        return True

    def open(self, sha256: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise BlobError(f"blob {sha256} is missing from s3://{self.bucket}") from exc
            raise BlobError(f"cannot read blob {sha256}: {exc}") from exc
        except BotoCoreError as exc:
            raise BlobError(f"cannot read blob {sha256}: {exc}") from exc
        return response["Body"]

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def iter_digests(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _SHA256_RE.match(name):
                    yield name
