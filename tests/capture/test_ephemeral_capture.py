"""A real Chromium capture made logged in of a page past 1 MiB that echoes the session (the
login site's members' archive, and its gzip-encoded API answer past 1 MiB decoded): it is
still scrubbed, and no file written under TMPDIR while it ran held a secret in plaintext.

Every ephemeral file is recorded as the one factory makes it, with a duplicate of its
descriptor, so its raw bytes are read after the capture although the file itself is gone; so
is every temporary file anyone in the process makes through `tempfile`; every named file
under TMPDIR (the browser's and Playwright's included: the engine is launched with TMPDIR
pointed there) and in the key log's folder (on /dev/shm when it is a tmpfs with room) is
read while the browser runs and after it closed."""

import gzip
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from archive.provenance.sealing import seal_public_key
from archive.vocabulary import CaptureStatus
from collector.capture import ephemeral
from collector.capture.browsertls import memory_folder
from collector.capture.ephemeral import EphemeralFile
from collector.capture.result import CaptureResult
from collector.capture.session import session_from_state
from tests.capture.conftest import EngineRunner, world_settings
from tests.world import loginsite
from tests.world.server import World

ARCHIVE = f"https://{loginsite.HOST}{loginsite.ARCHIVE}"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Made:
    """One ephemeral file the capture made: a duplicate of its descriptor and its key."""

    fd: int
    key: bytes
    counter: int

    def raw(self) -> bytes:
        """The bytes on disk, as anyone reading the disk would see them."""
        return os.pread(self.fd, os.fstat(self.fd).st_size, 0)

    def plain(self) -> bytes:
        """The bytes decrypted with the file's key (held by the test only)."""
        start = self.counter.to_bytes(16)
        return Cipher(algorithms.AES(self.key), modes.CTR(start)).decryptor().update(self.raw())


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for this process and the browser it launches."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Made]]:
    """Every ephemeral file made while the test runs."""
    files: list[Made] = []
    factory = ephemeral.temporary_file

    def recording() -> EphemeralFile:
        file = factory()
        shared = file._shared  # its descriptor and key: what is on disk, what it held
        files.append(Made(os.dup(shared.fd), shared.key, shared.counter))
        return file

    monkeypatch.setattr(ephemeral, "temporary_file", recording)
    yield files
    for file in files:
        os.close(file.fd)


@pytest.fixture
def python_temporary_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A duplicate descriptor of every temporary file made through `tempfile` while the test
    runs, by anyone (ephemeral files, a library's SpooledTemporaryFile rolled over, ...)."""
    descriptors: list[int] = []

    def kept(make: Callable[..., Any], fd_of: Callable[[Any], int]) -> Callable[..., Any]:
        def making(*args: Any, **kwargs: Any) -> Any:
            made = make(*args, **kwargs)
            descriptors.append(os.dup(fd_of(made)))
            return made

        return making

    monkeypatch.setattr(tempfile, "mkstemp", kept(tempfile.mkstemp, lambda made: made[0]))
    for name in ("TemporaryFile", "NamedTemporaryFile"):
        make = getattr(tempfile, name)
        monkeypatch.setattr(tempfile, name, kept(make, lambda made: made.fileno()))
    yield descriptors
    for fd in descriptors:
        os.close(fd)


def _named_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` that can be read now, by path."""
    found: dict[str, bytes] = {}
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                found[str(path)] = path.read_bytes()
        except OSError:  # gone meanwhile, or a lock the browser holds
            continue
    return found


def _stored(result: CaptureResult) -> bytes:
    """Every byte the capture would store (the WARC gunzipped too) but the sealed original."""
    warc = result.artifact("warc")
    assert warc is not None
    parts = [gzip.decompress(warc.data)]
    parts += [a.data for a in result.artifacts if a.role != "sealed-warc"]
    parts.append(repr(result.summary()).encode() + repr(result.details).encode())
    return b"\n".join(parts)


def test_session_capture_past_1_mib_writes_no_secret_in_plaintext(
    test_world: World,
    tmp_path: Path,
    private_tmp: Path,
    made: list[Made],
    python_temporary_files: list[int],
) -> None:
    login = test_world.login.log_in()
    session = session_from_state(
        "sock",
        test_world.login.storage_state(login),
        loginsite.HANDLE,
        seal_public_key(tmp_path / "home"),
    )
    runner = EngineRunner(world_settings(test_world))
    try:
        result = runner.call(runner.engine.capture(ARCHIVE, session=session))
        named = _named_files(private_tmp)  # the browser's profile and Playwright's files
        tls = runner.engine._tls  # the key log's private folder: in memory when it can be
        assert tls is not None
        tls_folder = tls.keylog_path.parent
        named.update(_named_files(tls_folder))
    finally:
        runner.close()
    named.update(_named_files(private_tmp))
    secrets = [secret.encode() for secret in login.secrets]

    assert result.status is CaptureStatus.COMPLETE, result.status_reason
    dom = result.artifact("dom")
    assert dom is not None and dom.on_disk and b"archive answered: " in dom.data
    stored = _stored(result)
    assert stored.count(b"[redacted-") >= 5  # the echoes, overwritten
    for secret in secrets:
        assert secret not in stored
    redacted = {(r.get("uri"), r.get("field")) for r in result.details["redactions"]}
    assert (ARCHIVE, "payload") in redacted
    assert (f"https://{loginsite.HOST}/api/archive", "encoding") in redacted

    assert len([f for f in made if os.fstat(f.fd).st_size > MIB]) >= 4, "spooled past memory"
    for file in made:
        raw = file.raw()
        for secret in secrets:
            assert secret not in raw, "a secret in plaintext on disk"
    assert len(python_temporary_files) == len(made), "a temporary file not made encrypted"
    for fd in python_temporary_files:
        raw = os.pread(fd, os.fstat(fd).st_size, 0)
        for secret in secrets:
            assert secret not in raw, "a secret in plaintext on disk"
    held = b"".join(file.plain() for file in made)
    assert login.sid.encode() in held and login.csrf.encode() in held  # as recorded
    where = memory_folder()
    assert str(tls_folder.parent) == (where or str(private_tmp)), "the key log's folder"
    assert str(tls.keylog_path) in named, "the key log was read"
    assert named, "the browser wrote its files under TMPDIR"
    for path, data in named.items():
        for secret in secrets:
            assert secret not in data, path
