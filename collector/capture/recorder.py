"""The recording proxy: one per capture, in-process, on ephemeral loopback ports.

The capture's browser context sends every request here: plain HTTP as proxy requests, HTTPS
through CONNECT. The browser's HTTPS is passed through unchanged, so the server sees the
browser itself, and recorded by decrypting it with the browser's key log (`tunnel.py`).
Companions (platform adapters) use a second port whose HTTPS is intercepted with the
recorder's CA and re-sent with Python's TLS (`upstream.py`), as are plain HTTP requests. Either
way the recorder opens the real connection itself, so it knows the exact bytes of every
exchange, the server IP and the TLS certificate chain of that very connection. Responses are
streamed to the browser as they arrive; limits cut them off. The bytes of every exchange are
kept in spools (memory while small, then a temporary file), and a compressed response is
decoded on the side, capped, so that a bomb is cut off before the browser has to expand it.
See docs/capture.md for why this mechanism was chosen.
"""

import asyncio
import contextlib
import functools
import time
from urllib.parse import urljoin, urlsplit

from archive.timeutil import utcnow
from collector.capture import decode, httpwire, render
from collector.capture.certcheck import TrustStore
from collector.capture.decode import Decoder
from collector.capture.exchange import Exchange, Limits
from collector.capture.httpwire import Framing, Head, WireError
from collector.capture.keylog import KeyLog
from collector.capture.mitm import InterceptionCA
from collector.capture.netguard import BlockedAddress
from collector.capture.render import RenderGate
from collector.capture.spool import MemoryBudget, Spool
from collector.capture.tunnel import Tunnel
from collector.capture.upstream import Connector, Upstream, UpstreamError

COMPANION_HEADER = "x-evidence-companion"
"""Marks requests made beside the page (platform adapters); dropped before the server."""
MAX_REDIRECT_FOLLOW = 20
HOP_BY_HOP_PROXY_HEADERS = {"proxy-connection", "proxy-authorization", COMPANION_HEADER}


class Recorder:
    """A recording HTTP(S) proxy for one capture.

    With a key log, the browser's HTTPS passes through (`tunnel.py`); companions (platform
    adapters) use a second port, `companion_port`, whose HTTPS is intercepted with `ca`.
    Without one, every HTTPS request is intercepted."""

    def __init__(
        self,
        connector: Connector,
        ca: InterceptionCA,
        limits: Limits,
        keylog: KeyLog | None = None,
        trust: TrustStore | None = None,
    ) -> None:
        self.connector = connector
        self.ca = ca
        self.limits = limits
        self.keylog, self.trust = keylog, trust
        self.problems: list[str] = []
        """What the recorder could not record (connections it could not decrypt)."""
        self.companion_port: int | None = None
        self.exchanges: list[Exchange] = []
        self.memory = MemoryBudget()
        """What the spools of this capture's exchanges hold in memory together."""
        self.open: dict[int, Exchange] = {}
        self.total_bytes = 0
        self.limit_hit: str | None = None
        self.last_activity = time.monotonic()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    async def start(self) -> int:
        """Listen on two ephemeral loopback ports (browser, companions); return the first."""
        ports = []
        for companion in (False, True):
            server = await asyncio.start_server(
                functools.partial(self._accept, companion=companion),
                "127.0.0.1",
                0,
                limit=httpwire.MAX_HEAD_BYTES,
            )
            self._servers.append(server)
            ports.append(int(server.sockets[0].getsockname()[1]))
        self.companion_port = ports[1]
        return ports[0]

    def begin(self, exchange: Exchange) -> None:
        """A new exchange: recorded, and open until `end`."""
        self.exchanges.append(exchange)
        self.open[id(exchange)] = exchange
        self._touch()

    def end(self, exchange: Exchange) -> None:
        """The exchange is over."""
        self.open.pop(id(exchange), None)
        if exchange.finished_at is None:
            exchange.finished_at = utcnow()
        self._touch()

    def touch(self) -> None:
        """Network activity (for the settle logic)."""
        self._touch()

    async def wait_quiet(self, quiet_s: float, deadline: float, long_s: float) -> bool:
        """Wait until no request has been open for `quiet_s`; False if `deadline` came first.

        Requests open for longer than `long_s` (streams, long polls) no longer count.
        """
        while True:
            now = time.monotonic()
            young = [
                e.opened + long_s - now
                for e in self.open.values()
                if now - e.opened < long_s and not e.websocket
            ]
            if not young and now - self.last_activity >= quiet_s:
                return True
            if now >= deadline:
                return False
            until = young or [quiet_s - (now - self.last_activity)]
            wait = min(deadline - now, *until)
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=max(wait, 0.005))

    def release(self) -> None:
        """Free every exchange's spooled bytes (once the result has been built)."""
        for exchange in self.exchanges:
            exchange.request.close()
            exchange.response.close()

    def refusal(self, urls: list[str]) -> str | None:
        """Why the recorder refused the connection for the last of `urls` it refused (the
        browser itself only sees a failed tunnel), or None."""
        seen = set(urls)
        for _ in range(MAX_REDIRECT_FOLLOW):  # where the recorded redirects of `urls` led
            more = {
                urljoin(e.url, location)
                for e in self.exchanges
                if e.url in seen and e.response_head is not None
                for location in [e.response_head.get("location")]
                if location
            } - seen
            if not more:
                break
            seen |= more
        origins = {_origin(url) for url in seen}
        for exchange in reversed(self.exchanges):
            if exchange.method == "CONNECT" and exchange.error and _origin(exchange.url) in origins:
                return exchange.error
        return None

    def still_open(self) -> list[str]:
        """URLs of requests that have not finished yet."""
        return [exchange.url for exchange in self.open.values()]

    async def close(self) -> None:
        """Stop listening, cut every open connection, and mark unfinished exchanges."""
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        for exchange in self.exchanges:
            _mark_unfinished(exchange, "time")

    async def _pass_through(
        self, host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Open the real connection, then relay the browser's TLS to it (`tunnel.Tunnel`)."""
        assert self.keylog is not None and self.trust is not None
        authority = f"[{host}]" if ":" in host else host
        url = f"https://{authority}/" if port == 443 else f"https://{authority}:{port}/"
        try:
            upstream = await self.connector.open(host, port, use_tls=False)
        except (BlockedAddress, UpstreamError) as exc:
            blocked = isinstance(exc, BlockedAddress)
            exchange = Exchange(
                url, "CONNECT", utcnow(), request=Spool(self.memory), response=Spool(self.memory)
            )
            exchange.error = f"blocked: {exc}" if blocked else str(exc)
            exchange.blocked = blocked
            self.begin(exchange)
            self.end(exchange)
            status = "403 Forbidden" if blocked else "502 Bad Gateway"
            writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        tunnel = Tunnel(self, self.keylog, self.trust, host, port, upstream)
        try:
            await tunnel.run(reader, writer)
        finally:
            problem = tunnel.unread()
            if problem:
                self.problems.append(f"{url}: {problem}")

    def _touch(self) -> None:
        self.last_activity = time.monotonic()
        self._changed.set()

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, companion: bool
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        pool: dict[tuple[str, str, int], Upstream] = {}
        try:
            await self._serve_client(reader, writer, pool, companion)
        except (OSError, WireError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # Cancelled by close(): end normally, the capture is over (and asyncio's stream
            # callback would otherwise log the cancellation as an error).
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            for upstream in pool.values():
                upstream.writer.close()
            writer.close()

    async def _serve_client(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pool: dict[tuple[str, str, int], Upstream],
        companion: bool,
    ) -> None:
        head = await httpwire.read_head(reader)
        if head is None:
            return
        origin: tuple[str, str, int] | None = None
        if head.start[0].upper() == "CONNECT":
            host, port = _authority(head.start[1], 443)
            if self.keylog is not None and not companion and port != 80:
                await self._pass_through(host, port, reader, writer)
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            scheme = "http" if port == 80 else "https"
            if scheme == "https":
                await writer.start_tls(self.ca.context_for(host))
            origin = (scheme, host, port)
            head = await httpwire.read_head(reader)
        while head is not None:
            keep_open = await self._exchange(head, origin, reader, writer, pool, companion)
            if not keep_open:
                return
            head = await httpwire.read_head(reader)

    async def _exchange(
        self,
        head: Head,
        origin: tuple[str, str, int] | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pool: dict[tuple[str, str, int], Upstream],
        companion: bool,
    ) -> bool:
        method, target = head.start[0], head.start[1]
        version = head.start[2] if len(head.start) > 2 else "HTTP/1.1"
        if origin is None:
            parts = urlsplit(target)
            scheme = parts.scheme.lower()
            host, port = _authority(parts.netloc, 443 if scheme == "https" else 80)
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            key = (scheme, host, port)
        else:
            key, path = origin, target
        scheme, host, port = key
        default_port = 443 if scheme == "https" else 80
        authority = host if port == default_port else f"{host}:{port}"
        if ":" in host:
            authority = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        exchange = Exchange(
            f"{scheme}://{authority}{path}",
            method,
            utcnow(),
            request=Spool(self.memory),
            response=Spool(self.memory),
        )
        exchange.companion = companion or head.get(COMPANION_HEADER) is not None
        exchange.document = render.is_document_request(head)
        self.exchanges.append(exchange)
        self.open[id(exchange)] = exchange
        self._touch()
        try:
            exchange.request.write(_upstream_request(head, method, path, version))
            await _read_request_body(reader, head, exchange.request)
            return await self._forward(exchange, key, writer, pool, head)
        except asyncio.CancelledError:
            _mark_unfinished(exchange, "time")
            raise
        except BaseException:
            _mark_unfinished(exchange, "disconnect")
            raise
        finally:
            self.open.pop(id(exchange), None)
            if exchange.finished_at is None:
                exchange.finished_at = utcnow()
            self._touch()

    async def _forward(
        self,
        exchange: Exchange,
        key: tuple[str, str, int],
        writer: asyncio.StreamWriter,
        pool: dict[tuple[str, str, int], Upstream],
        request_head: Head,
    ) -> bool:
        scheme, host, port = key
        if self.total_bytes >= self.limits.max_total_bytes:
            exchange.error = "capture size limit reached; request not sent"
            self.limit_hit = f"total size limit of {self.limits.max_total_bytes} bytes reached"
            return await _reply_error(writer, 507, exchange.error)
        upstream = pool.pop(key, None)
        reused = upstream is not None
        while True:
            if upstream is None:
                try:
                    upstream = await self.connector.open(host, port, scheme == "https")
                except BlockedAddress as exc:
                    exchange.error, exchange.blocked = f"blocked: {exc}", True
                    return await _reply_error(writer, 403, exchange.error)
                except UpstreamError as exc:
                    exchange.error = str(exc)
                    return await _reply_error(writer, 502, exchange.error)
            exchange.ip, exchange.tls = upstream.ip, upstream.tls
            try:
                for piece in exchange.request.chunks():
                    upstream.writer.write(piece)
                    await upstream.writer.drain()
                head = await self._read_response_head(upstream, exchange, writer)
                break
            except MalformedResponse as exc:
                upstream.writer.close()
                return await _end_malformed(exchange, writer, host, exc)
            except (OSError, WireError, asyncio.IncompleteReadError) as exc:
                upstream.writer.close()
                if reused and not exchange.response:
                    # The server closed an idle kept-alive connection: retry once on a new one,
                    # as browsers do.
                    upstream, reused = None, False
                    continue
                exchange.error = f"no valid response from {host}: {exc or type(exc).__name__}"
                return await _reply_error(writer, 502, exchange.error)
        if head.status == 101:
            exchange.websocket = True
            exchange.finished_at = utcnow()
            upstream.writer.close()
            return False
        try:
            framing = httpwire.response_framing(head, exchange.method)
        except WireError:  # e.g. conflicting Content-Length: pass on what comes until close
            framing = Framing("close")
        ended = await self._relay_response_body(upstream, framing, exchange, writer)
        exchange.finished_at = utcnow()
        reusable = (
            ended
            and framing.kind != "close"
            and "close" not in head.tokens("connection")
            and "close" not in request_head.tokens("connection")
        )
        if reusable:
            pool[key] = upstream
        else:
            upstream.writer.close()
        return ended and framing.kind != "close" and "close" not in head.tokens("connection")

    async def _read_response_head(
        self, upstream: Upstream, exchange: Exchange, writer: asyncio.StreamWriter
    ) -> Head:
        """Read heads until a final one (1xx interim heads are kept and passed on)."""
        while True:
            head = await httpwire.read_head(upstream.reader)
            if head is None:
                raise WireError("server closed the connection without a response")
            exchange.response.write(head.raw)
            self._count(len(head.raw))
            try:
                head.status  # noqa: B018 (parses the status line)
            except WireError as exc:
                raise MalformedResponse(head, str(exc)) from None
            writer.write(head.raw)
            await writer.drain()
            if head.status >= 200 or head.status == 101:
                exchange.status, exchange.response_head = head.status, head
                exchange.body_start = len(exchange.response)
                return head

    async def _relay_response_body(
        self,
        upstream: Upstream,
        framing: Framing,
        exchange: Exchange,
        writer: asyncio.StreamWriter,
    ) -> bool:
        limit = self.limits.max_response_bytes
        assert exchange.response_head is not None
        decoder = _side_decoder(exchange.response_head, self.limits.max_decoded_bytes)
        gate = RenderGate(self.limits.max_render_bytes if exchange.document else None)

        def payload(data: bytes) -> None:
            nonlocal decoder
            if decoder is None:
                return
            try:
                for _ in decoder.feed(data):
                    pass
            except Exception:  # not decodable: the browser will say so, the bytes are kept
                decoder = None

        async def emit(data: bytes) -> bool:
            room = limit - len(exchange.response)
            if len(data) > room:
                exchange.response.write(data[: max(room, 0)])
                exchange.truncated = "length"
                self.limit_hit = f"a response exceeded the {limit} byte limit"
                return False
            exchange.response.write(data)
            if decoder is not None and decoder.capped:
                exchange.truncated = "length"
                self.limit_hit = (
                    f"a response decoded past the {decoder.cap} byte limit"
                    " (max_decoded_bytes) and was cut off"
                )
                return False
            self._count(len(data))
            if time.monotonic() - exchange.opened < self.limits.long_request_s:
                self._touch()
            try:
                if not gate.closed:
                    writer.write(gate.admit(data, decoder.produced if decoder else 0))
                    await writer.drain()
                    if gate.closed:  # the browser's document ends here; recording goes on
                        exchange.rendered_bytes = gate.given
                        writer.close()
            except OSError:
                exchange.truncated = "disconnect"
                return False
            if self.total_bytes > self.limits.max_total_bytes:
                exchange.truncated = "length"
                self.limit_hit = f"total size limit of {self.limits.max_total_bytes} bytes reached"
                return False
            return True

        try:
            ended = await httpwire.relay_body(upstream.reader, framing, emit, payload)
            return ended and not gate.closed
        except (OSError, WireError) as exc:
            exchange.truncated = "disconnect"
            exchange.error = f"response cut off: {exc}"
            return False

    def _count(self, size: int) -> None:
        self.total_bytes += size


class MalformedResponse(WireError):
    """A response head whose status line cannot be read; `head` is what was received."""

    def __init__(self, head: Head, reason: str) -> None:
        super().__init__(reason)
        self.head = head


async def _end_malformed(
    exchange: Exchange, writer: asyncio.StreamWriter, host: str, exc: MalformedResponse
) -> bool:
    """Keep the head as received (its WARC response record), hand it to the browser as it came
    and close the connection at once: no 502 of our own after the server's bytes."""
    exchange.response_head = exc.head
    exchange.body_start = len(exchange.response)
    exchange.error = f"malformed response from {host}: {exc}"
    exchange.finished_at = utcnow()
    try:
        writer.write(exc.head.raw)
        await writer.drain()
    except OSError:
        pass
    return False


def _mark_unfinished(exchange: Exchange, reason: str) -> None:
    """Record why an exchange that did not run to its end stopped (WARC-Truncated reason)."""
    if exchange.finished_at is not None:
        return
    exchange.finished_at = utcnow()
    if exchange.response_head is None:
        exchange.error = exchange.error or "capture ended before the response arrived"
    elif exchange.truncated is None:
        exchange.truncated = reason


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, f"{parts.hostname}:{parts.port or default}"


def _authority(text: str, default_port: int) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        return host.lower(), int(port)
    return text.lower(), default_port


def _upstream_request(head: Head, method: str, path: str, version: str) -> bytes:
    """The browser's request head as sent to the server: origin-form target, proxy headers
    dropped, `zstd` removed from Accept-Encoding (WARC replay tools cannot decode it), every
    other line byte for byte. The WARC request record holds exactly these bytes."""
    lines = head.raw.split(b"\r\n")
    kept = [f"{method} {path} {version}".encode("latin-1")]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        if not line or name in HOP_BY_HOP_PROXY_HEADERS:
            continue
        if name == "accept-encoding" and b"zstd" in line.lower():
            key, _, value = line.partition(b":")
            tokens = [
                t.strip() for t in value.split(b",") if not t.strip().lower().startswith(b"zstd")
            ]
            line = key + b": " + b", ".join(tokens)
        kept.append(line)
    return b"\r\n".join(kept) + b"\r\n\r\n"


def _side_decoder(head: Head, cap: int) -> Decoder | None:
    """A decoder that measures how far a compressed response expands (None: not compressed)."""
    if decode.known_encoding(head.get("content-encoding")) is None:
        return None
    return Decoder(head.get("content-encoding"), cap)


async def _read_request_body(reader: asyncio.StreamReader, head: Head, into: Spool) -> None:
    async def collect(data: bytes) -> bool:
        into.write(data)
        return True

    await httpwire.relay_body(reader, httpwire.request_framing(head), collect)


async def _reply_error(writer: asyncio.StreamWriter, status: int, message: str) -> bool:
    """Answer the browser with a short error page from the recorder; keep the connection."""
    reasons = {403: "Forbidden", 502: "Bad Gateway", 507: "Insufficient Storage"}
    body = f"evidence-collector recorder: {message}\n".encode()
    writer.write(
        f"HTTP/1.1 {status} {reasons.get(status, 'Error')}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        "X-Evidence-Recorder: error\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    return True
