"""The WARC blocks of a capture made logged in, scrubbed (`scrub.py`): heads with credential
fields redacted, secrets overwritten in every head and body, and a body whose encoding hides
a secret stored decoded. The exchanges' own spools are never changed (the sealed original
is written from them)."""

from collections.abc import Iterable
from typing import BinaryIO, cast

from archive.vocabulary import RedactionReason
from collector.capture.artifacts import decoded_body
from collector.capture.decode import known_encoding
from collector.capture.ephemeral import SpooledFile
from collector.capture.exchange import Exchange
from collector.capture.scrub import Scrubber
from collector.capture.spool import SPOOL_MEMORY_BYTES, Spool

HEAD_SEARCH_BYTES = 1024 * 1024
"""A request head is looked for in this many first bytes of the request."""
_FRAMING = (b"content-encoding", b"transfer-encoding", b"content-length")


def learn_exchanges(exchanges: Iterable[Exchange], scrubber: Scrubber) -> None:
    """Learn every credential the browser sent and the servers set, before anything is written."""
    for exchange in exchanges:
        scrubber.learn_head(exchange.request.read(0, _request_head_end(exchange.request)))
        if exchange.response_head is not None:
            scrubber.learn_head(exchange.response_head.raw)


def _request_head_end(request: Spool) -> int:
    found = request.read(0, HEAD_SEARCH_BYTES).find(b"\r\n\r\n")
    return found + 4 if found >= 0 else len(request)


def _copy(scrubber: Scrubber, pieces: Iterable[bytes], out: Spool) -> int:
    counter = [0]
    for piece in scrubber.scrub_stream(pieces, counter):
        out.write(piece)
    return counter[0]


def scrubbed_request(exchange: Exchange, scrubber: Scrubber, where: dict[str, str]) -> Spool:
    """The request block with its head and body scrubbed."""
    end = _request_head_end(exchange.request)
    block = Spool(exchange.request.budget)
    block.write(scrubber.scrub_head(exchange.request.read(0, end), where))
    count = _copy(scrubber, exchange.request.chunks(end), block)
    scrubber.note(where, "payload", RedactionReason.SESSION_VALUE, count)
    return block


def scrubbed_response(
    exchange: Exchange, scrubber: Scrubber, where: dict[str, str], decode_cap: int
) -> Spool:
    """The response block scrubbed; a chunked or content-encoded body that holds a secret
    once decoded is stored decoded, with a `Content-Length` instead of its encoding fields."""
    head = exchange.response.read(0, exchange.body_start)
    block = Spool(exchange.response.budget)
    decoded = _hidden_secret(exchange, scrubber, decode_cap)
    if decoded is None:
        block.write(scrubber.scrub_head(head, where))
        count = _copy(scrubber, exchange.response.chunks(exchange.body_start), block)
        scrubber.note(where, "payload", RedactionReason.SESSION_VALUE, count)
        return block
    with decoded:
        size = decoded.seek(0, 2)
        block.write(scrubber.scrub_head(_identity_head(head, size), where))
        scrubber.note(where, "encoding", RedactionReason.SESSION_VALUE, 1)
        decoded.seek(0)
        count = _copy(scrubber, iter(lambda: decoded.read(SPOOL_MEMORY_BYTES), b""), block)
        scrubber.note(where, "payload", RedactionReason.SESSION_VALUE, count)
    return block


def _hidden_secret(exchange: Exchange, scrubber: Scrubber, cap: int) -> BinaryIO | None:
    """The decoded body when its encoding (chunked, gzip, br, ...) hides a secret, else None."""
    head = exchange.response_head
    if head is None or scrubber.pattern is None:
        return None
    encoding = known_encoding(head.get("content-encoding"))
    if "chunked" not in head.tokens("transfer-encoding") and encoding in (None, "identity"):
        return None
    out = cast(BinaryIO, SpooledFile(SPOOL_MEMORY_BYTES))  # past 1 MiB: ciphertext on disk
    decoded_body(exchange, cap, out)
    out.seek(0)
    counter = [0]
    for _ in scrubber.scrub_stream(iter(lambda: out.read(SPOOL_MEMORY_BYTES), b""), counter):
        if counter[0]:
            out.seek(0)
            return out
    out.close()
    return None


def _identity_head(head: bytes, size: int) -> bytes:
    """The final head of `head` without its encoding and length fields, with a
    `Content-Length` of the decoded body."""
    interim, _, final = head[:-4].rpartition(b"\r\n\r\n")
    lines = [
        line
        for line in final.split(b"\r\n")
        if line.split(b":", 1)[0].strip().lower() not in _FRAMING
    ]
    lines.append(b"Content-Length: " + str(size).encode())
    rebuilt = b"\r\n".join(lines) + b"\r\n\r\n"
    return (interim + b"\r\n\r\n" + rebuilt) if interim else rebuilt
