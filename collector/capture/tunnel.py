"""TLS passthrough: the browser's own TLS relayed to the server unchanged, and recorded.

The recorder answers the browser's CONNECT only after it has opened the real connection
itself (name resolved, host rules and the address guard applied, exactly that address), then
relays every TLS record as it was sent, in both directions, so the server sees the very
ClientHello, ALPN offer and HTTP/2 behaviour of the Chromium doing the capture. Each record is
first given to a `TLSTap`, which decrypts it with the secrets from the browser's key log; the
plaintext is read as HTTP/1.1 (`httpwire`) or HTTP/2 (`h2tap`) and recorded as exchanges. A
server record is relayed only after it was read, so the limits still hold: past a size limit
the connection is closed, past the render limit the browser is given nothing more while the
recording goes on. What cannot be decrypted is relayed all the same and recorded as missing.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Protocol

from archive.timeutil import utcnow
from collector.capture import decode, httpwire, render
from collector.capture.certcheck import TrustStore, check_certificate_verify, transcript_hash
from collector.capture.decode import Decoder
from collector.capture.exchange import Exchange, Limits
from collector.capture.h2tap import H2Error, H2Tap, Headers
from collector.capture.httpwire import Head, WireError
from collector.capture.keylog import KeyLog
from collector.capture.render import RenderGate
from collector.capture.spool import MemoryBudget, Spool
from collector.capture.tlstap import TLSTap
from collector.capture.tlswire import APPLICATION_DATA, Record, RecordReader, TLSWireError, ja4_like
from collector.capture.upstream import TLSInfo, Upstream
from collector.capture.wsframes import CloseWatch

READ_BYTES = 64 * 1024
MAX_HANDSHAKE_RECORDS = 64


class Ledger(Protocol):
    """What a tunnel needs of its recorder."""

    limits: Limits
    memory: MemoryBudget
    total_bytes: int
    limit_hit: str | None

    def begin(self, exchange: Exchange) -> None:
        """A new exchange: recorded and open."""

    def end(self, exchange: Exchange) -> None:
        """The exchange is over."""

    def touch(self) -> None:
        """Network activity (for the settle logic)."""


class Meter:
    """One response body: recorded within the limits, decoded on the side, gated for render."""

    def __init__(self, ledger: Ledger, exchange: Exchange) -> None:
        self.ledger, self.exchange = ledger, exchange
        limits = ledger.limits
        head = exchange.response_head
        encoding = head.get("content-encoding") if head else None
        known = decode.known_encoding(encoding) is not None
        self.decoder: Decoder | None = (
            Decoder(encoding, limits.max_decoded_bytes) if known else None
        )
        self.gate = RenderGate(limits.max_render_bytes if exchange.document else None)
        self.relayed = 0
        """Body bytes given to the browser in records already relayed."""
        self.stopped = False
        """A size limit was reached: the connection must close."""

    def decode(self, data: bytes) -> None:
        """Measure how far the body expands (never given to anyone)."""
        if self.decoder is None:
            return
        try:
            for _ in self.decoder.feed(data):
                pass
        except Exception:  # not decodable: the browser will say so, the bytes are kept
            self.decoder = None

    def body(self, data: bytes, wire: bytes | None = None) -> None:
        """Record body bytes (`wire`: the same bytes with their framing, when that differs)."""
        if self.stopped:
            return
        wire = data if wire is None else wire
        ledger, exchange, limits = self.ledger, self.exchange, self.ledger.limits
        room = limits.max_response_bytes - len(exchange.response)
        if len(wire) > room:
            exchange.response.write(wire[: max(room, 0)])
            self._stop(f"a response exceeded the {limits.max_response_bytes} byte limit")
            return
        exchange.response.write(wire)
        if self.decoder is not None and self.decoder.capped:
            self._stop(
                f"a response decoded past the {self.decoder.cap} byte limit"
                " (max_decoded_bytes) and was cut off"
            )
            return
        ledger.total_bytes += len(wire)
        young = time.monotonic() - exchange.opened < limits.long_request_s
        if young and not exchange.websocket:  # a socket's frames never hold the page up
            ledger.touch()
        if not self.gate.closed:
            self.gate.admit(data, self.decoder.produced if self.decoder else 0)
        if ledger.total_bytes > limits.max_total_bytes:
            self._stop(f"total size limit of {limits.max_total_bytes} bytes reached")

    def _stop(self, reason: str) -> None:
        self.stopped = True
        self.exchange.truncated = "length"
        self.ledger.limit_hit = reason


class Tunnel:
    """One CONNECT tunnel carrying the browser's TLS to `host:port`."""

    def __init__(
        self,
        ledger: Ledger,
        keylog: KeyLog,
        trust: TrustStore,
        host: str,
        port: int,
        upstream: Upstream,
    ) -> None:
        self.ledger, self.keylog, self.trust = ledger, keylog, trust
        self.host, self.port, self.upstream = host, port, upstream
        self.tap = TLSTap(keylog, self._client_plain, self._server_plain)
        self.tls: TLSInfo | None = None
        self.protocol: H1Conversation | H2Conversation | None = None
        self.meters: list[Meter] = []
        self.browser_cut = False
        """The browser is given nothing more (render limit); recording goes on."""
        self.closing = False
        self.handshake_records: list[tuple[str, bytes]] = []
        """Records up to the end of the handshake, as on the wire (kept as evidence), but
        not the browser's application data sent before it ended (`_kept`)."""
        self.exchanges: list[Exchange] = []
        """Exchanges of this connection (a TLS 1.2 client may send before the handshake ends:
        False Start)."""

    @property
    def origin(self) -> str:
        """`https://host[:port]` of the CONNECT."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}" if self.port == 443 else f"https://{host}:{self.port}"

    async def run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Relay both directions until either side closes."""
        up_reader, up_writer = self.upstream.reader, self.upstream.writer
        tasks = [
            asyncio.create_task(self._pump("client", reader, up_writer)),
            asyncio.create_task(self._pump("server", up_reader, writer)),
        ]
        try:
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if not self.browser_cut or self.closing:
                for task in pending:
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for task in tasks:
                task.cancel()
            up_writer.close()
            writer.close()
            if self.protocol is not None:
                await self.protocol.finish()
            random = self.tap.client_random
            if random is not None:
                if self.tls is not None:
                    self.tls.keylog = self.keylog.lines(random)
                self.keylog.forget(random)

    async def _pump(
        self, side: str, source: asyncio.StreamReader, sink: asyncio.StreamWriter
    ) -> None:
        records = RecordReader()
        tapping = True
        while not self.closing:
            data = await source.read(READ_BYTES)
            if not data:
                return
            if not tapping:
                await self._relay(side, sink, data)
                continue
            try:
                pieces = list(records.feed(data))
            except TLSWireError as exc:
                self.tap.problem = self.tap.problem or f"not TLS from the {side}: {exc}"
                tapping = False
                await self._relay(side, sink, data)
                continue
            for record in pieces:
                if self._kept(side, record):
                    self.handshake_records.append((side, record.raw))
                if side == "client":
                    await self.tap.client_record(record)
                else:
                    await self.tap.server_record(record)
                    self._after_handshake_step()
                if self.protocol is not None:
                    await self.protocol.settle()
                if self.closing:
                    return
                await self._relay(side, sink, record.raw)

    async def _relay(self, side: str, sink: asyncio.StreamWriter, data: bytes) -> None:
        if side == "server":
            for meter in self.meters:
                if meter.stopped:
                    self.closing = True
                if meter.gate.closed and meter.exchange.rendered_bytes is None:
                    meter.exchange.rendered_bytes = meter.relayed
                    self.browser_cut = True
            if self.closing:
                return
            if self.browser_cut:
                with contextlib.suppress(OSError):
                    sink.close()
                return
            for meter in self.meters:
                meter.relayed = meter.gate.given
        try:
            sink.write(data)
            await sink.drain()
        except OSError:
            if side == "client":
                self.closing = True

    def _kept(self, side: str, record: Record) -> bool:
        """Whether `record` is kept with the handshake: every record until the handshake ends,
        except the browser's application data sent before that (TLS 1.2 False Start, TLS
        1.3 early data). That is the first request, cookies included, and the key log lines
        stored beside the records decrypt it; its plaintext is in the WARC (scrubbed)."""
        if self.tls is not None or len(self.handshake_records) >= MAX_HANDSHAKE_RECORDS:
            return False
        return not (side == "client" and record.type == APPLICATION_DATA)

    def _after_handshake_step(self) -> None:
        info = self.tap.info
        if self.tls is not None or not info.complete:
            return
        chain = self.trust.check(self.host, info.chain_der)
        hello = info.client_hello
        self.tls = TLSInfo(
            version=info.version,
            cipher=info.cipher,
            alpn=info.alpn,
            chain_der=chain.chain_der,
            verified=chain.verified,
            verify_error=chain.error,
            certificate_verify=self._certificate_verify(),
            client_hello=ja4_like(hello) if hello else None,
            handshake_records=self.handshake_records,
        )
        for exchange in self.exchanges:
            exchange.tls = self.tls

    def _certificate_verify(self) -> str | None:
        info = self.tap.info
        if not info.tls13:
            return "not checked: TLS 1.2 (the signature is over the key exchange)"
        if info.certificate_verify is None or not info.chain_der:
            return "no certificate on this connection (session resumed)"
        suite = info.suite
        assert suite is not None
        digest = transcript_hash(info.messages, suite.hash_name, info.retried)
        return check_certificate_verify(info.chain_der[0], info.certificate_verify, digest)

    def _conversation(self) -> "H1Conversation | H2Conversation":
        if self.protocol is None:
            if self.tap.info.alpn == "h2":
                self.protocol = H2Conversation(self)
            else:
                self.protocol = H1Conversation(self)
        return self.protocol

    def _client_plain(self, data: bytes) -> None:
        self._conversation().feed("client", data)

    def _server_plain(self, data: bytes) -> None:
        self._conversation().feed("server", data)

    def new_exchange(self, url: str, method: str, protocol: str) -> Exchange:
        """An exchange on this connection, recorded and open."""
        ledger = self.ledger
        exchange = Exchange(
            url, method, utcnow(), request=Spool(ledger.memory), response=Spool(ledger.memory)
        )
        exchange.ip, exchange.tls, exchange.protocol = self.upstream.ip, self.tls, protocol
        self.exchanges.append(exchange)
        ledger.begin(exchange)
        return exchange

    def unread(self) -> str | None:
        """Why this connection (or part of it) could not be read, if it could not."""
        return self.tap.problem


def _head(start: str, headers: Headers) -> Head:
    """An HTTP/1.1-style head for an HTTP/2 message (pseudo-headers become the start line;
    the other fields stay as received, in order), as Browsertrix and warcio write them."""
    fields = [(k, v) for k, v in headers if not k.startswith(":")]
    raw = start.encode("latin-1") + b"\r\n"
    raw += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in fields) + b"\r\n"
    return Head(raw, start.split(" ", 2), fields)


class H2Conversation:
    """The HTTP/2 streams of one tunnel, as exchanges."""

    def __init__(self, tunnel: Tunnel) -> None:
        self.tunnel = tunnel
        self.reader = H2Tap(self)
        self.streams: dict[int, tuple[Exchange, Meter | None]] = {}

    def feed(self, side: str, data: bytes) -> None:
        """Decrypted bytes from `side`."""
        try:
            self.reader.feed(side, data)
        except H2Error as exc:
            self.tunnel.tap.problem = self.tunnel.tap.problem or str(exc)
            for exchange, _ in self.streams.values():
                self._cut(exchange, f"connection ended: {exc}")

    async def settle(self) -> None:
        """Nothing to wait for: frames are read as they are fed."""

    async def finish(self) -> None:
        """The connection is gone: every open stream ends here."""
        for exchange, _ in list(self.streams.values()):
            self._cut(exchange, "connection closed before the response ended")
        self.streams.clear()

    def _cut(self, exchange: Exchange, reason: str) -> None:
        if exchange.finished_at is not None:
            return
        if exchange.response_head is None:
            exchange.error = exchange.error or reason
        elif exchange.truncated is None:
            exchange.truncated = "disconnect"
            exchange.error = exchange.error or reason
        self.tunnel.ledger.end(exchange)

    def headers(self, side: str, stream_id: int, headers: Headers, end_stream: bool) -> None:
        """A header block: a request, a response (interim or final) or trailers."""
        pseudo = dict((k, v) for k, v in headers if k.startswith(":"))
        if side == "client":
            if stream_id in self.streams:
                return  # request trailers
            authority = pseudo.get(":authority", self.tunnel.origin.split("//", 1)[1])
            url = f"{pseudo.get(':scheme', 'https')}://{authority}{pseudo.get(':path', '/')}"
            method = pseudo.get(":method", "GET")
            exchange = self.tunnel.new_exchange(url, method, "h2")
            head = _head(f"{method} {pseudo.get(':path', '/')} HTTP/1.1", headers)
            exchange.request.write(head.raw)
            exchange.document = render.is_document_request(head)
            self.streams[stream_id] = (exchange, None)
            return
        found = self.streams.get(stream_id)
        if found is None:
            return
        exchange, meter = found
        if meter is not None:  # response trailers: not part of an HTTP/1.1-style record
            if end_stream:
                self._end(stream_id)
            return
        status = pseudo.get(":status", "")
        code = int(status) if status.isdigit() else 0
        try:
            reason = HTTPStatus(code).phrase
        except ValueError:
            reason = ""
        head = _head(f"HTTP/1.1 {status} {reason}", headers)
        exchange.response.write(head.raw)
        self.tunnel.ledger.total_bytes += len(head.raw)
        if 100 <= code < 200:
            return
        exchange.status, exchange.response_head = code, head
        exchange.body_start = len(exchange.response)
        meter = Meter(self.tunnel.ledger, exchange)
        self.tunnel.meters.append(meter)
        self.streams[stream_id] = (exchange, meter)
        if end_stream:
            self._end(stream_id)

    def data(self, side: str, stream_id: int, data: bytes, end_stream: bool) -> None:
        """A DATA frame: request or response body bytes, exactly as sent."""
        found = self.streams.get(stream_id)
        if found is None:
            return
        exchange, meter = found
        if side == "client":
            exchange.request.write(data)
        elif meter is not None:
            meter.decode(data)
            meter.body(data)
        if end_stream and side == "server":
            self._end(stream_id)

    def _end(self, stream_id: int) -> None:
        exchange, meter = self.streams.pop(stream_id)
        if meter is not None and meter in self.tunnel.meters and not meter.gate.closed:
            self.tunnel.meters.remove(meter)
        exchange.finished_at = utcnow()
        self.tunnel.ledger.end(exchange)

    def reset(self, side: str, stream_id: int, code: int) -> None:
        """RST_STREAM: the stream ends here."""
        found = self.streams.pop(stream_id, None)
        if found is not None:
            who = "server" if side == "server" else "browser"
            self._cut(found[0], f"stream reset by the {who} (HTTP/2 error code {code})")

    def goaway(self, side: str, last_stream_id: int, code: int) -> None:
        """GOAWAY: streams above `last_stream_id` were never processed."""
        for stream_id in [s for s in self.streams if s > last_stream_id]:
            exchange, _ = self.streams.pop(stream_id)
            self._cut(exchange, f"the {side} went away (GOAWAY, HTTP/2 error code {code})")


class H1Conversation:
    """HTTP/1.1 inside one tunnel: read passively from the decrypted bytes."""

    def __init__(self, tunnel: Tunnel) -> None:
        self.tunnel = tunnel
        self.readers = {
            side: asyncio.StreamReader(limit=httpwire.MAX_HEAD_BYTES)
            for side in ("client", "server")
        }
        self.current: Exchange | None = None
        self.task = asyncio.create_task(self._run())

    def feed(self, side: str, data: bytes) -> None:
        """Decrypted bytes from `side`."""
        self.readers[side].feed_data(data)

    async def settle(self) -> None:
        """Let the reader take what was fed before the recorder decides on relaying."""
        for _ in range(3):
            await asyncio.sleep(0)

    async def finish(self) -> None:
        """The connection is gone: read what is left, then end."""
        for reader in self.readers.values():
            reader.feed_eof()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 1.0)
        except (TimeoutError, asyncio.CancelledError, Exception):
            self.task.cancel()
        if self.current is not None and self.current.finished_at is None:
            exchange = self.current
            if exchange.response_head is None:
                exchange.error = exchange.error or "connection closed before the response arrived"
            elif exchange.truncated is None:
                exchange.truncated = "disconnect"
            self.tunnel.ledger.end(exchange)

    async def _run(self) -> None:
        client = self.readers["client"]
        with contextlib.suppress(WireError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            while True:
                head = await httpwire.read_head(client)
                if head is None:
                    return
                if not await self._one(head):
                    return

    async def _one(self, head: Head) -> bool:
        method, target = head.start[0], head.start[1] if len(head.start) > 1 else "/"
        origin = self.tunnel.origin
        if "websocket" in head.tokens("upgrade"):
            origin = "wss" + origin[len("https") :]
        exchange = self.tunnel.new_exchange(origin + target, method, "http/1.1")
        self.current = exchange
        exchange.document = render.is_document_request(head)
        exchange.request.write(head.raw)

        async def request_bytes(data: bytes) -> bool:
            exchange.request.write(data)
            return True

        await httpwire.relay_body(
            self.readers["client"], httpwire.request_framing(head), request_bytes
        )
        server = self.readers["server"]
        while True:
            response = await httpwire.read_head(server)
            if response is None:
                raise WireError("server closed the connection without a response")
            exchange.response.write(response.raw)
            self.tunnel.ledger.total_bytes += len(response.raw)
            if response.status >= 200 or response.status == 101:
                break
        exchange.status, exchange.response_head = response.status, response
        exchange.body_start = len(exchange.response)
        if response.status == 101:
            exchange.websocket = True
            self.tunnel.ledger.touch()  # a socket no longer holds the page up: re-check
            await self._upgraded(exchange)
            return False
        try:
            framing = httpwire.response_framing(response, method)
        except WireError:  # e.g. conflicting Content-Length: what comes until close
            framing = httpwire.Framing("close")
        meter = Meter(self.tunnel.ledger, exchange)
        self.tunnel.meters = [m for m in self.tunnel.meters if m.gate.closed] + [meter]

        async def emit(data: bytes) -> bool:
            meter.body(data)
            return not meter.stopped

        ended = await httpwire.relay_body(server, framing, emit, meter.decode)
        exchange.finished_at = utcnow()
        self.current = None
        self.tunnel.ledger.end(exchange)
        return ended and framing.kind != "close" and not meter.gate.closed

    async def _upgraded(self, exchange: Exchange) -> None:
        """A WebSocket (or other upgrade): both directions' frames are kept as transferred,
        the browser's after its request head, the server's after the 101 head."""
        meter = Meter(self.tunnel.ledger, exchange)
        self.tunnel.meters = [meter]
        watch = CloseWatch()

        def server_bytes(data: bytes) -> None:
            watch.feed(data)
            meter.body(data)

        async def pump(side: str, write: Callable[[bytes], None]) -> None:
            reader = self.readers[side]
            while not meter.stopped:
                data = await reader.read(READ_BYTES)
                if not data:
                    return
                write(data)

        await asyncio.gather(pump("client", exchange.request.write), pump("server", server_bytes))
        if not watch.closed and exchange.truncated is None:
            exchange.truncated = "time"  # no Close frame: cut off while still open
        exchange.finished_at = utcnow()
        self.current = None
        self.tunnel.ledger.end(exchange)
