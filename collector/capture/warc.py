"""Writing a capture's exchanges as one gzipped WARC 1.1 file with warcio, streamed.

Request and response blocks are the exact bytes on the wire, so records are built directly
(warcio would otherwise re-serialize parsed HTTP headers). Digests follow warcio's own
convention (`warcio check` recomputes them): the block digest covers the whole block, the
payload digest the bytes after the HTTP head, as transferred.

For a capture made logged in, the same writer writes the scrubbed WARC (a `Scrubber`:
blocks from `scrubrecords.py`, digests over the scrubbed bytes, redactions listed by record)
and the original for sealing; both get the same record ids (`seed`), so a redaction's record
is found in the original.
"""

import base64
import hashlib
import platform
import uuid
from collections.abc import Iterable
from datetime import datetime
from importlib.metadata import version
from typing import Protocol

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__ as tool_version
from archive.timeutil import iso
from archive.vocabulary import RedactionReason
from collector.capture.recorder import Exchange
from collector.capture.scrub import Scrubber
from collector.capture.scrubrecords import scrubbed_request, scrubbed_response
from collector.capture.spool import Spool

WARC_VERSION = "WARC/1.1"


def _digest(hasher: "hashlib._Hash") -> str:
    return "sha256:" + base64.b32encode(hasher.digest()).decode("ascii")


def _digests(block: Spool) -> tuple[str, str]:
    """Block and payload digests of a spooled block, read in pieces.

    The payload is what follows the first blank line (the end of the first HTTP head)."""
    whole, payload = hashlib.sha256(), hashlib.sha256()
    head_end: int | None = None
    seen = b""
    for piece in block.chunks():
        whole.update(piece)
        if head_end is None:
            seen = seen[-3:] + piece
            found = seen.find(b"\r\n\r\n")
            if found >= 0:
                head_end = found + 4
                payload.update(seen[head_end:])
        else:
            payload.update(piece)
    return _digest(whole), _digest(payload)


def _warc_date(moment: datetime) -> str:
    return iso(moment) or ""


def _record(
    record_type: str,
    uri: str | None,
    block: Spool,
    content_type: str,
    headers: dict[str, str],
    record_id: str,
) -> ArcWarcRecord:
    fields = StatusAndHeaders("", [], protocol=WARC_VERSION)
    fields.add_header("WARC-Type", record_type)
    fields.add_header("WARC-Record-ID", record_id)
    if uri:
        fields.add_header("WARC-Target-URI", uri)
    for name, value in headers.items():
        fields.add_header(name, value)
    block_digest, payload_digest = _digests(block)
    fields.add_header("WARC-Block-Digest", block_digest)
    if record_type in ("request", "response"):
        fields.add_header("WARC-Payload-Digest", payload_digest)
    return ArcWarcRecord(
        "warc", record_type, fields, block.reader(), None, content_type, len(block)
    )


def warc_protocols(exchange: Exchange) -> str:
    """`WARC-Protocol` (IIPC proposal for WARC 1.1 revisions): the application protocol, then
    the TLS version, e.g. `h2, tls/1.3`."""
    names = [exchange.protocol]
    version = exchange.tls.version if exchange.tls else None
    if version and version.startswith("TLSv"):
        names.append("tls/" + (version[4:] if "." in version else version[4:] + ".0"))
    return ", ".join(names)


def warcinfo_fields(browser: str, playwright: str) -> dict[str, str]:
    """The warcinfo record's fields: the software, browser and library versions."""
    return {
        "software": f"evidence-collector/{tool_version} (warcio/{version('warcio')})",
        "browser": browser,
        "playwright": f"playwright-python/{playwright}",
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "recorder": (
            "in-process recording proxy: the browser's own TLS passed through and decrypted"
            " with its key log (HTTP/1.1 blocks as transferred; HTTP/2 messages as HTTP/1.1-style"
            " heads with the header fields as received and the DATA bytes as sent)"
        ),
    }


class _Ids:
    """Record ids: random, or derived from `seed` in order (the same for two writes)."""

    def __init__(self, seed: uuid.UUID | None) -> None:
        self.seed = seed
        self.count = 0

    def next(self) -> str:
        self.count += 1
        made = uuid.uuid4() if self.seed is None else uuid.uuid5(self.seed, str(self.count))
        return f"<urn:uuid:{made}>"


class WarcOut(Protocol):
    """Where a WARC is written: warcio needs only `write` and `flush` (a file, a `Sealer`)."""

    def write(self, data: bytes, /) -> int:
        """Take bytes."""
        ...

    def flush(self) -> None:
        """Pass on what was written."""
        ...


def warc_name(started: datetime) -> str:
    """The file name of the WARC of a capture started at `started`."""
    return f"capture-{started.strftime('%Y%m%dT%H%M%S')}.warc.gz"


def write_warc(
    exchanges: Iterable[Exchange],
    filename: str,
    info: dict[str, str],
    started: datetime,
    out: WarcOut,
    scrubber: Scrubber | None = None,
    seed: uuid.UUID | None = None,
    decode_cap: int = 0,
) -> None:
    """Write a gzipped WARC 1.1 to `out`: warcinfo, then a response and request record per
    exchange, each block streamed from its spool (gzip per record, as warcio writes it).

    With a `scrubber` the blocks and target URIs are scrubbed (bodies decoded up to
    `decode_cap` bytes where their encoding hides a secret) and each redaction is listed."""
    ids = _Ids(seed)
    writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    info_block = Spool()
    info_block.write("".join(f"{key}: {value}\r\n" for key, value in info.items()).encode())
    warcinfo = _record(
        "warcinfo",
        None,
        info_block,
        "application/warc-fields",
        {"WARC-Date": _warc_date(started), "WARC-Filename": filename},
        ids.next(),
    )
    writer.write_record(warcinfo)
    info_block.close()
    info_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
    for exchange in exchanges:
        if exchange.response_head is None:
            continue
        common = {"WARC-Date": _warc_date(exchange.started_at), "WARC-Warcinfo-ID": info_id}
        protocols = warc_protocols(exchange)
        if protocols:
            common["WARC-Protocol"] = protocols
        if exchange.ip:
            common["WARC-IP-Address"] = exchange.ip
        if exchange.companion:  # requested by a platform adapter beside the page, not the page
            common["WARC-Evidence-Requested-By"] = "platform-adapter"
        response_headers = dict(common)
        if exchange.truncated:
            response_headers["WARC-Truncated"] = exchange.truncated
        uri, response_id, request_id = exchange.url, ids.next(), ids.next()
        response_block, request_block = exchange.response, exchange.request
        if scrubber is not None:
            uri, count = scrubber.scrub_text(uri)
            where = {"record": response_id, "type": "response", "uri": uri}
            scrubber.note(where, "url", RedactionReason.SESSION_VALUE, count)
            response_block = scrubbed_response(exchange, scrubber, where, decode_cap)
            where = {"record": request_id, "type": "request", "uri": uri}
            request_block = scrubbed_request(exchange, scrubber, where)
        response = _record(
            "response",
            uri,
            response_block,
            "application/http; msgtype=response",
            response_headers,
            response_id,
        )
        writer.write_record(response)
        request_headers = {**common, "WARC-Concurrent-To": response_id}
        request = _record(
            "request",
            uri,
            request_block,
            "application/http; msgtype=request",
            request_headers,
            request_id,
        )
        writer.write_record(request)
        if scrubber is not None:
            response_block.close()
            request_block.close()
