"""httpwire against llhttp (through httptools) as a differential oracle.

Hypothesis generates HTTP/1.1 responses: a status line, header fields, and a body framed by
Content-Length or chunked (with extensions and trailers), or a message that one of them should
refuse (a header line without a colon, a Content-Length or chunk size that is not a number).
httpwire must read the status, the header fields and the body bytes exactly as llhttp does,
or both must reject the message. Generated messages stay inside what both parsers mean to
accept: httpwire is deliberately more lenient in places (spaces around a chunk size, repeated
equal Content-Length values), as browsers are, and those are not generated.
"""

import asyncio
from dataclasses import dataclass, field

import httptools
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.capture import httpwire

TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~",
    min_size=1,
    max_size=20,
)
VISIBLE = "".join(chr(c) for c in range(0x21, 0x7F))
FRAMING_NAMES = {"content-length", "transfer-encoding", "connection", "upgrade", "keep-alive"}
HEADER_NAME = TOKEN.filter(lambda name: name.lower() not in FRAMING_NAMES)
HEADER_VALUE = st.builds(
    lambda words: " ".join(words),
    st.lists(st.text(alphabet=VISIBLE, min_size=1, max_size=12), min_size=0, max_size=4),
)
REASON = st.text(alphabet=VISIBLE + " ", max_size=20).map(str.strip)


@dataclass
class Parsed:
    """What a parser read from one response; `rejected` when it refused it."""

    rejected: bool = False
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    """A complete HTTP/1.1 response, sometimes broken in one way both parsers should refuse."""
    status = draw(st.integers(200, 599).filter(lambda code: code not in (204, 304)))
    head = f"HTTP/1.1 {status} {draw(REASON)}".rstrip() + "\r\n"
    for name, value in draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=6)):
        head += f"{name}:{draw(st.sampled_from(['', ' ', '  ']))}{value}\r\n"
    broken = draw(st.sampled_from([None, "header", "length", "chunk"]))
    if broken == "header":
        head += f"{draw(HEADER_NAME)}\r\n"
    if draw(st.booleans()):
        body = draw(st.binary(max_size=200))
        length = (
            str(len(body)) if broken != "length" else f"{len(body)}{draw(st.sampled_from('xX+-'))}"
        )
        return f"{head}Content-Length: {length}\r\n\r\n".encode() + body
    framed = b""
    for chunk in draw(st.lists(st.binary(min_size=1, max_size=60), max_size=5)):
        size = format(len(chunk), draw(st.sampled_from(["x", "X", "04x"])))
        extension = draw(st.sampled_from(["", ";name", ";name=value"]))
        framed += f"{size}{extension}\r\n".encode() + chunk + b"\r\n"
    if broken == "chunk":
        framed += b"zz\r\nab\r\n"
    trailers = "".join(
        f"{n}: {v}\r\n" for n, v in draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=2))
    )
    return (
        f"{head}Transfer-Encoding: chunked\r\n\r\n".encode()
        + framed
        + f"0\r\n{trailers}\r\n".encode()
    )


def parse_with_httpwire(raw: bytes) -> Parsed:
    """Read `raw` as the recorder does: head, framing, then the body's payload bytes."""

    async def read() -> Parsed:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        head = await httpwire.read_head(reader)
        assert head is not None
        framing = httpwire.response_framing(head, "GET")
        body = bytearray()

        async def keep_going(_data: bytes) -> bool:
            return True

        ended = await httpwire.relay_body(reader, framing, keep_going, body.extend)
        assert ended
        return Parsed(False, head.status, head.headers, bytes(body))

    try:
        return asyncio.run(read())
    except httpwire.WireError:
        return Parsed(rejected=True)


def parse_with_llhttp(raw: bytes) -> Parsed:
    """Read `raw` with llhttp; a message it does not finish counts as rejected."""
    parsed = Parsed()
    finished = []

    class Callbacks:
        def on_header(self, name: bytes, value: bytes) -> None:
            parsed.headers.append((name.decode("latin-1"), value.decode("latin-1")))

        def on_body(self, body: bytes) -> None:
            parsed.body += body

        def on_message_complete(self) -> None:
            finished.append(True)

    parser = httptools.HttpResponseParser(Callbacks())
    try:
        parser.feed_data(raw)
    except httptools.HttpParserError:
        return Parsed(rejected=True)
    if not finished:
        return Parsed(rejected=True)
    parsed.status = parser.get_status_code()
    return parsed


def _without_trailers(parsed: Parsed, raw: bytes) -> Parsed:
    """llhttp reports trailer fields as header fields; httpwire keeps them in the body framing."""
    head_end = raw.index(b"\r\n\r\n")
    count = raw[:head_end].count(b"\r\n")
    return Parsed(parsed.rejected, parsed.status, parsed.headers[:count], parsed.body)


@settings(max_examples=400, deadline=None)
@given(responses())
def test_httpwire_reads_responses_as_llhttp_does(raw: bytes):
    ours, theirs = parse_with_httpwire(raw), parse_with_llhttp(raw)
    if not theirs.rejected:
        theirs = _without_trailers(theirs, raw)
    assert ours == theirs, raw
