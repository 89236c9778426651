"""Reading an HTTP/2 connection passively, from the decrypted bytes of both directions.

Frames are cut and parsed with hyperframe and header blocks decoded with hpack (python-hyper,
the parts `h2` is built on); `h2`'s own state machine is not used because it is an endpoint
(it answers SETTINGS and PINGs and refuses what it would not send), while the recorder only
watches two endpoints talk. Events go to a `Streams` listener as they complete.
"""

from typing import Protocol

from hpack import Decoder
from hpack.exceptions import HPACKError
from hyperframe.exceptions import HyperframeError
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PushPromiseFrame,
    RstStreamFrame,
    SettingsFrame,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_FRAME_BYTES = 1 << 24
MAX_HEADER_BLOCK_BYTES = 1 << 20
Headers = list[tuple[str, str]]


class H2Error(Exception):
    """Bytes that are not valid HTTP/2 (the connection is not read further)."""


class Streams(Protocol):
    """What an HTTP/2 reader reports."""

    def headers(self, side: str, stream_id: int, headers: Headers, end_stream: bool) -> None:
        """A complete header block from `side` ("client" or "server")."""

    def data(self, side: str, stream_id: int, data: bytes, end_stream: bool) -> None:
        """A DATA frame's payload (padding removed)."""

    def reset(self, side: str, stream_id: int, code: int) -> None:
        """RST_STREAM from `side`."""

    def goaway(self, side: str, last_stream_id: int, code: int) -> None:
        """GOAWAY from `side`."""


class _Reader:
    def __init__(self, side: str, preface: bool) -> None:
        self.side = side
        self.buffer = bytearray()
        self.preface = preface
        self.decoder = Decoder(max_header_list_size=MAX_HEADER_BLOCK_BYTES)
        self.block: bytearray | None = None
        self.block_stream = 0
        self.block_end_stream = False


class H2Tap:
    """Both directions of one HTTP/2 connection."""

    def __init__(self, listener: Streams) -> None:
        self.listener = listener
        self._readers = {"client": _Reader("client", True), "server": _Reader("server", False)}
        self.error: str | None = None

    def feed(self, side: str, data: bytes) -> None:
        """Decrypted bytes from `side`; raises H2Error when they are not HTTP/2."""
        if self.error:
            return
        reader = self._readers[side]
        reader.buffer += data
        try:
            self._frames(reader)
        except (HyperframeError, HPACKError, ValueError) as exc:
            self.error = f"HTTP/2 from the {side} not readable: {type(exc).__name__}: {exc}"
            raise H2Error(self.error) from None
        except H2Error as exc:
            self.error = str(exc)
            raise

    def _frames(self, reader: _Reader) -> None:
        if reader.preface:
            if len(reader.buffer) < len(PREFACE):
                return
            if bytes(reader.buffer[: len(PREFACE)]) != PREFACE:
                raise H2Error("the browser did not start HTTP/2 with its preface")
            del reader.buffer[: len(PREFACE)]
            reader.preface = False
        while len(reader.buffer) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(reader.buffer[:9]), strict=False)
            if length > MAX_FRAME_BYTES:
                raise H2Error(f"HTTP/2 frame of {length} bytes")
            if len(reader.buffer) < 9 + length:
                return
            frame.parse_body(memoryview(bytes(reader.buffer[9 : 9 + length])))
            del reader.buffer[: 9 + length]
            self._frame(reader, frame)

    def _frame(self, reader: _Reader, frame: Frame) -> None:
        side, listener = reader.side, self.listener
        if reader.block is not None and not isinstance(frame, ContinuationFrame):
            raise H2Error(f"the {side} interrupted a header block with a {frame.type} frame")
        if isinstance(frame, HeadersFrame | PushPromiseFrame):
            if isinstance(frame, PushPromiseFrame):
                raise H2Error("the server pushed a stream the browser did not allow")
            reader.block = bytearray(frame.data)
            reader.block_stream = frame.stream_id
            reader.block_end_stream = "END_STREAM" in frame.flags
            if "END_HEADERS" in frame.flags:
                self._block(reader)
        elif isinstance(frame, ContinuationFrame):
            if reader.block is None or frame.stream_id != reader.block_stream:
                raise H2Error(f"the {side} sent CONTINUATION outside a header block")
            reader.block += frame.data
            if len(reader.block) > MAX_HEADER_BLOCK_BYTES:
                raise H2Error(f"a header block from the {side} is over {MAX_HEADER_BLOCK_BYTES}")
            if "END_HEADERS" in frame.flags:
                self._block(reader)
        elif isinstance(frame, DataFrame):
            if frame.stream_id == 0:
                raise H2Error(f"the {side} sent DATA on stream 0")
            listener.data(side, frame.stream_id, bytes(frame.data), "END_STREAM" in frame.flags)
        elif isinstance(frame, RstStreamFrame):
            listener.reset(side, frame.stream_id, frame.error_code)
        elif isinstance(frame, GoAwayFrame):
            listener.goaway(side, frame.last_stream_id, frame.error_code)
        elif isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
            size = frame.settings.get(SettingsFrame.HEADER_TABLE_SIZE)
            if size is not None:  # what this side lets the other side's encoder use
                other = self._readers["server" if side == "client" else "client"]
                other.decoder.max_allowed_table_size = size

    def _block(self, reader: _Reader) -> None:
        assert reader.block is not None
        decoded = reader.decoder.decode(bytes(reader.block), raw=True)
        headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in decoded]
        stream, end = reader.block_stream, reader.block_end_stream
        reader.block = None
        self.listener.headers(reader.side, stream, headers, end)
