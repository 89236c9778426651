"""Removing a body's content encoding, streamed and capped like every other limit.

A gzip bomb is a few megabytes on the wire and gigabytes decoded, so decoding never produces
more than `READ_BYTES` at a time (`zlib` `max_length`, brotli `output_buffer_limit`) and stops
at a cap. Written here rather than with warcio's decompressing readers because those inflate
whole blocks without an output bound. Transfer (chunked) framing is removed with warcio's
lenient `ChunkedDataReader`, as before.
"""

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO, Protocol

from warcio.bufferedreaders import ChunkedDataReader

READ_BYTES = 1024 * 1024
"""The most one decoding step produces."""
SLOW_BROTLI_BYTES = 64


class _Inflater(Protocol):
    def step(self, data: bytes) -> bytes: ...

    def more(self) -> bool: ...


class _Zlib:
    """gzip or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def step(self, data: bytes) -> bytes:
        tail = self._inflate.unconsumed_tail + data
        try:
            out = self._inflate.decompress(tail, READ_BYTES)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise
            self._wbits, self._inflate = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflate.decompress(tail, READ_BYTES)
        self._started = True
        return out

    def more(self) -> bool:
        return bool(self._inflate.unconsumed_tail)


class _Brotli:
    """br. Google's brotli >= 1.2 bounds each step's output (`output_buffer_limit`); an older
    one, or brotlipy (which pywb pulls in and which shadows the `brotli` name), gets the input
    `SLOW_BROTLI_BYTES` at a time, which bounds each step less tightly."""

    def __init__(self) -> None:
        import brotli

        self._inflate = brotli.Decompressor()
        self._bounded = hasattr(self._inflate, "can_accept_more_data")
        self._pending, self._at = b"", 0

    def step(self, data: bytes) -> bytes:
        if self._bounded:
            return bytes(self._inflate.process(data, output_buffer_limit=READ_BYTES))
        if data:
            self._pending, self._at = self._pending[self._at :] + data, 0
        piece = self._pending[self._at : self._at + SLOW_BROTLI_BYTES]
        self._at += len(piece)
        unbounded = getattr(self._inflate, "process", None) or self._inflate.decompress
        return bytes(unbounded(piece))

    def more(self) -> bool:
        if not self._bounded:
            return self._at < len(self._pending)
        return not self._inflate.can_accept_more_data() and not self._inflate.is_finished()


class _Identity:
    def step(self, data: bytes) -> bytes:
        return data

    def more(self) -> bool:
        return False


_INFLATERS: dict[str, Callable[[], _Inflater]] = {
    "gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _Zlib(16 + zlib.MAX_WBITS),
    "deflate": lambda: _Zlib(zlib.MAX_WBITS),
    "br": _Brotli,
}


def known_encoding(content_encoding: str | None) -> str | None:
    """The lower-cased encoding when it is one this module decodes, else None."""
    name = (content_encoding or "").strip().lower()
    return name if name in _INFLATERS else None


class Decoder:
    """Decodes one body fed in pieces; output stops at `cap` bytes (then `capped` is True)."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        encoding = known_encoding(content_encoding)
        self._inflater = _INFLATERS[encoding]() if encoding else _Identity()
        self.cap = cap
        self.produced = 0
        self.capped = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of `data`, at most `READ_BYTES` at a time, never past the cap.

        Raises `zlib.error` (or brotli's error) for a body that is not what it claims."""
        piece = data
        while not self.capped:
            out = self._inflater.step(piece)
            piece = b""
            if out:
                room = self.cap - self.produced
                if len(out) > room:
                    out, self.capped = out[:room], True
                self.produced += len(out)
                if out:
                    yield out
            if len(out) < READ_BYTES and not self._inflater.more():
                return


@dataclass
class Decoded:
    """How decoding a whole body went."""

    size: int
    capped: bool
    """True when the body decoded past the cap and was cut there."""
    failed: bool
    """True when the body could not be decoded; the raw body was kept instead."""


def decode_body(
    open_raw: Callable[[], BinaryIO],
    chunked: bool,
    content_encoding: str | None,
    cap: int,
    write: Callable[[bytes], None],
    reset: Callable[[], None],
) -> Decoded:
    """Write the decoded body (transfer and content encodings removed) through `write`.

    `open_raw()` returns a file positioned at the start of the body as transferred, each time
    it is called. A body that does not decode is written as transferred (`reset()` first drops
    what was written), capped all the same."""
    try:
        return _copy(_pieces(open_raw(), chunked), Decoder(content_encoding, cap), write)
    except Exception:  # zlib.error, brotli.error, a bad chunk: a body that lies about itself
        reset()
        return replace(_copy(_pieces(open_raw(), False), Decoder(None, cap), write), failed=True)


def _pieces(raw: BinaryIO, chunked: bool) -> Iterator[bytes]:
    source = ChunkedDataReader(raw, decomp_type=None) if chunked else raw
    yield from iter(lambda: source.read(READ_BYTES), b"")


def _copy(pieces: Iterable[bytes], decoder: Decoder, write: Callable[[bytes], None]) -> Decoded:
    for piece in pieces:
        for out in decoder.feed(piece):
            write(out)
        if decoder.capped:
            break
    return Decoded(decoder.produced, decoder.capped, failed=False)
