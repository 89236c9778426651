"""Reading a WebSocket stream's frame headers (RFC 6455 section 5.2) only to know whether
the server closed the socket with a Close frame: a socket that ends without one was cut off
(by the capture ending, or the connection dropping), and its record says so."""

CLOSE = 0x8


class CloseWatch:
    """Follows frame boundaries of one direction; `closed` once a Close frame has begun."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip = 0
        self.closed = False

    def feed(self, data: bytes) -> None:
        """The next bytes of the stream, as transferred."""
        if self.closed:
            return
        if self._skip >= len(data):
            self._skip -= len(data)
            return
        self._buffer += data[self._skip :]
        self._skip = 0
        while not self.closed and len(self._buffer) >= 2:
            size = self._buffer[1] & 0x7F
            at = 2 + {126: 2, 127: 8}.get(size, 0)
            if len(self._buffer) < at:
                return
            if size >= 126:
                size = int.from_bytes(self._buffer[2:at], "big")
            at += 4 if self._buffer[1] & 0x80 else 0
            if self._buffer[0] & 0x0F == CLOSE:
                self.closed = True
                return
            total = at + size
            if len(self._buffer) >= total:
                del self._buffer[:total]
            else:
                self._skip = total - len(self._buffer)
                self._buffer.clear()
