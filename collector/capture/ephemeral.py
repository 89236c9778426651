"""Temporary files that hold only ciphertext, for everything the capture path puts on disk.

What a capture records passes through temporary files before anything is stored: the
recorder's spools of bodies past 1 MiB, the scrubber's decoded bodies, the server body, the
WARCs. Before a capture made logged in is scrubbed, they hold the session's cookies and
tokens as the browser sent them and the servers echoed them. So no such file is ever written
in plaintext: `temporary_file()`, the one factory the capture path uses, gives an anonymous
file (`O_TMPFILE` where the system has it, else unlinked at once; mode 0600) whose bytes are
AES-256-CTR ciphertext under a random key and initial counter of its own, held only in this
process's memory and dropped with the file. CTR is a keystream: a read or write at any
offset costs no more than at the start, so the files seek as plain ones do.

No authentication, on purpose: the file lives only until its capture is stored, under a key
that never leaves the process, and is read back only by the process that wrote it. The
threat is the disk read later: its freed blocks on a stolen laptop, in a disk image, on a
recycled cloud volume. A keystream alone defeats that. Someone who can write into the
process's open files while it runs runs as its user and could change its memory as easily;
CTR's malleability gives them nothing they did not have, and a MAC would make every seek
verify a chunk, for no gain against them.
"""

import io
import os
import tempfile
import threading
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

Bytes = bytes | bytearray | memoryview
_BLOCK = 16
_SLICE = 64 * 1024
_SCRATCH_BYTES = 1024 * 1024 + _BLOCK
"""One scratch buffer per thread: a 1 MiB read or write (the spools' piece) fits it."""
_scratch = threading.local()
_COUNTERS = 1 << 128


@dataclass
class _Shared:
    """What every handle on one file shares: its descriptor, key, first counter and size."""

    fd: int
    key: bytes = field(default_factory=lambda: os.urandom(32), repr=False)
    counter: int = field(default_factory=lambda: int.from_bytes(os.urandom(_BLOCK)))
    size: int = 0


class EphemeralFile(io.RawIOBase):
    """A seekable binary file whose bytes on disk are AES-256-CTR ciphertext (see above).

    `reader()` opens another handle on the same bytes, with its own position; the file is
    deleted when the handle made by `temporary_file()` is closed."""

    def __init__(self, shared: _Shared, owner: bool) -> None:
        super().__init__()
        self._shared, self._owner = shared, owner
        self._position = 0
        self._stream: CipherContext | None = None
        self._stream_at = -1

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return self._owner

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        """Refused, as `BytesIO` refuses it: the descriptor's bytes are ciphertext, and a
        reader taking it (sendfile, mmap, a size from fstat) would copy those."""
        raise io.UnsupportedOperation("an ephemeral file is read through its methods only")

    @property
    def size(self) -> int:
        """Length of the content in bytes."""
        return self._shared.size

    def reader(self) -> BinaryIO:
        """Another handle reading the same bytes from the start (closing it keeps the file)."""
        self._check_open()
        return cast(BinaryIO, EphemeralFile(self._shared, owner=False))

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._check_open()
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._shared.size}
        position = base[whence] + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        self._check_open()
        left = self._shared.size - self._position
        wanted = left if size is None or size < 0 else min(size, left)
        if wanted <= 0:
            return b""
        room = _room(wanted)
        got = os.preadv(self._shared.fd, [room[:wanted]], self._position)
        self._crypt(self._position, room[:got], room)
        self._position += got
        return bytes(room[:got])

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer: bytearray | memoryview) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def write(self, data: Bytes) -> int:
        self._check_open()
        if not self._owner:
            raise io.UnsupportedOperation("a reader of an ephemeral file does not write")
        self._extend_to(self._position)
        source = memoryview(data).cast("B")
        room = _room(len(source))
        self._crypt(self._position, source, room)
        self._pwrite(room[: len(source)], self._position)
        self._position += len(source)
        self._shared.size = max(self._shared.size, self._position)
        return len(source)

    def truncate(self, size: int | None = None) -> int:
        self._check_open()
        if not self._owner:
            raise io.UnsupportedOperation("a reader of an ephemeral file does not truncate")
        size = self._position if size is None else size
        if size > self._shared.size:
            self._extend_to(size)
        else:
            os.ftruncate(self._shared.fd, size)
            self._shared.size = size
        return size

    def close(self) -> None:
        """Close this handle; the file's own handle also deletes the file and its key."""
        if not self.closed and self._owner:
            os.close(self._shared.fd)
            self._shared.key = b""
        self._stream = None
        super().close()

    def _extend_to(self, end: int) -> None:
        """Zeros (encrypted) from the end of the file to `end`: a gap reads back as zeros."""
        while self._shared.size < end:
            start = self._shared.size
            size = min(end - start, _SCRATCH_BYTES - _BLOCK)
            room = _room(size)
            self._crypt(start, memoryview(bytes(size)), room)
            self._pwrite(room[:size], start)
            self._shared.size = start + size

    def _pwrite(self, view: memoryview, offset: int) -> None:
        while view:
            written = os.pwrite(self._shared.fd, view, offset)
            view, offset = view[written:], offset + written

    def _crypt(self, offset: int, source: memoryview, target: memoryview) -> None:
        """Write `source` XORed with the file's keystream from `offset` into `target` (which
        may be `source` itself, and has a block of room past its length): encrypts and
        decrypts. In slices of 64 KiB, on which the cipher is fastest."""
        if self._stream is None or self._stream_at != offset:
            block, skip = divmod(offset, _BLOCK)
            start = ((self._shared.counter + block) % _COUNTERS).to_bytes(_BLOCK)
            cipher = Cipher(algorithms.AES(self._shared.key), modes.CTR(start))
            self._stream = cipher.encryptor()
            self._stream.update(bytes(skip))
        size = len(source)
        for at in range(0, size, _SLICE):
            self._stream.update_into(source[at : at + _SLICE], target[at:])
        self._stream_at = offset + size

    def _check_open(self) -> None:
        if self.closed or not self._shared.key:  # a reader outlives its file's descriptor
            raise ValueError("I/O operation on closed file")


def _room(size: int) -> memoryview:
    """A buffer for `size` bytes and a block more: this thread's scratch when it is large
    enough (so reads and writes allocate nothing but the bytes they return), else a new one."""
    if size + _BLOCK > _SCRATCH_BYTES:
        return memoryview(bytearray(size + _BLOCK))
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None:
        buffer = _scratch.buffer = bytearray(_SCRATCH_BYTES)
    return memoryview(buffer)


def temporary_file() -> EphemeralFile:
    """A new empty ephemeral file, open for reading and writing (the capture path's only
    way to a temporary file)."""
    raw = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115  (its descriptor is taken)
    fd = os.dup(raw.fileno())
    raw.close()
    return EphemeralFile(_Shared(fd), owner=True)


class SpooledFile(io.RawIOBase):
    """Bytes in memory until `memory_bytes` (None: until `rollover()`), then an ephemeral file."""

    def __init__(self, memory_bytes: int | None) -> None:
        super().__init__()
        self.memory_bytes = memory_bytes
        self._file: BinaryIO = io.BytesIO()
        self.on_disk = False

    def rollover(self) -> None:
        """Move the bytes to an ephemeral file (once)."""
        if self.on_disk:
            return
        memory = cast(io.BytesIO, self._file)
        disk = temporary_file()
        disk.write(memory.getbuffer())
        disk.seek(memory.tell())
        memory.close()
        self._file, self.on_disk = cast(BinaryIO, disk), True

    def release(self) -> "bytes | EphemeralFile":
        """The content: its bytes if it stayed in memory (this spool is then closed), else
        the ephemeral file, which is now the caller's to close."""
        if self.on_disk:
            disk = cast(EphemeralFile, self._file)
            self._file = io.BytesIO()
            self.close()
            return disk
        content = cast(io.BytesIO, self._file).getvalue()
        self.close()
        return content

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Bytes) -> int:
        if not self.on_disk and self.memory_bytes is not None:
            end = self._file.tell() + memoryview(data).nbytes
            if end > self.memory_bytes:
                self.rollover()
        return self._file.write(data)

    def read(self, size: int | None = -1) -> bytes:
        return self._file.read(-1 if size is None else size)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        view = memoryview(buffer).cast("B")
        data = self._file.read(len(view))
        view[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def truncate(self, size: int | None = None) -> int:
        return self._file.truncate(size)

    def close(self) -> None:
        self._file.close()
        super().close()
