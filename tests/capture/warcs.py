"""Reading a capture's WARC in tests."""

import io

from warcio.archiveiterator import ArchiveIterator

from collector.capture.result import CaptureResult


def warc_records(result: CaptureResult) -> list:
    """(type, headers, raw block) of every record in the capture's WARC."""
    warc = result.artifact("warc")
    assert warc is not None
    records = []
    for record in ArchiveIterator(io.BytesIO(warc.data), no_record_parse=True):
        records.append((record.rec_type, record.rec_headers, record.raw_stream.read()))
    return records


def responses(result: CaptureResult) -> dict[str, bytes]:
    """Target URI -> raw response block."""
    return {
        headers.get_header("WARC-Target-URI"): block
        for kind, headers, block in warc_records(result)
        if kind == "response"
    }
