"""HTTP exchanges made outside a browser capture (the resolve step's CDX queries, candidate
posts and archived copies) written as one gzipped WARC 1.1 file with warcio.

httpx hands over decoded bodies, so the stored response records carry the decoded bytes: their
`Content-Encoding` and `Transfer-Encoding` headers are dropped and `Content-Length` set to the
stored length, so a replay reads what was received after decoding.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__

_DROPPED = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True)
class Exchange:
    """One response as received: URL, status, headers, (decoded) body, when."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def exchanges_warc(exchanges: list[Exchange], purpose: str) -> bytes:
    """A WARC with a warcinfo record naming `purpose`, then one response record per exchange."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    info = {"software": f"evidence-collector/{__version__}", "description": purpose}
    writer.write_record(writer.create_warcinfo_record("exchanges.warc.gz", info))
    for exchange in exchanges:
        headers = [(k, v) for k, v in exchange.headers if k.lower() not in _DROPPED]
        headers.append(("Content-Length", str(len(exchange.body))))
        http = StatusAndHeaders(_status_line(exchange.status), headers, protocol="HTTP/1.1")
        date = exchange.fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record = writer.create_warc_record(
            exchange.url, "response", payload=io.BytesIO(exchange.body), http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )  # fmt: skip
        writer.write_record(record)
    return out.getvalue()
