"""`build_pages` on WARCs written with warcio and indexed with cdxj-indexer, as the export does:
which final URLs get a page entry, with which timestamp and title (no browser, no archive)."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer.main import write_cdx_index
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.export.select import CaptureItem, Selection
from archive.export.wacz_pages import build_pages
from archive.models import Capture

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _response(
    writer: WARCWriter, url: str, status: str, date: str, headers: list[tuple[str, str]]
) -> str:
    """Write a response record; its WARC-Record-ID."""
    http = StatusAndHeaders(status, [("Content-Type", "text/html"), *headers], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(b"<title>t</title>"), http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )  # fmt: skip
    writer.write_record(record)
    return str(record.rec_headers.get_header("WARC-Record-ID"))


def _post(writer: WARCWriter, url: str, date: str) -> None:
    """A POST exchange as the recorder writes it: the response, then its request."""
    response = _response(writer, url, "200 OK", date, [])
    request = StatusAndHeaders(
        "POST /search HTTP/1.1",
        [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "3")],
        is_http_request=True,
    )  # fmt: skip
    writer.write_record(
        writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b"q=1"),
            http_headers=request,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response},
        )  # fmt: skip
    )


def _capture(cid: str, final: str | None, title: str | None) -> CaptureItem:
    capture = Capture(
        id=cid, requested_url="https://example.test/start", final_url=final, status="complete",
        started_at=WHEN, finished_at=WHEN, tool_version="test", details={"title": title},
    )  # fmt: skip
    return CaptureItem(capture=capture, artifacts=[], tokens=[], recorded_seq=None)


def test_page_entries_need_a_replayable_response_for_the_final_url(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    plan = {
        "cap_page": ("https://example.test/page#section", "A page"),
        "cap_twice": ("https://example.test/twice", None),
        "cap_redirect": ("https://example.test/moved", "Moved"),
        "cap_post": ("https://example.test/search", "Search"),
        "cap_app": ("tg://resolve?domain=example", "Telegram"),
        "cap_other_warc": ("https://example.test/page", "Recorded by cap_page only"),
    }
    warcs = {cid: f"{cid}-capture.warc.gz" for cid in plan}
    for cid, name in warcs.items():
        with open(folder / name, "wb") as out:
            writer = WARCWriter(out, gzip=True)
            if cid == "cap_page":
                _response(writer, "https://example.test/page", "200 OK",
                          "2026-12-01T09:30:01.250000Z", [])  # fmt: skip
            if cid == "cap_twice":
                _response(writer, "https://example.test/twice", "404 Not Found",
                          "2026-12-01T09:30:02.000001Z", [])  # fmt: skip
                _response(writer, "https://example.test/twice", "200 OK",
                          "2026-12-01T09:30:09Z", [])  # fmt: skip
            if cid == "cap_redirect":
                _response(writer, "https://example.test/moved", "301 Moved Permanently",
                          "2026-12-01T09:30:03Z", [("Location", "/page")])  # fmt: skip
            if cid == "cap_post":
                _post(writer, "https://example.test/search", "2026-12-01T09:30:04Z")
            if cid == "cap_other_warc":  # its final URL is in cap_page's WARC, not in its own
                _response(writer, "https://example.test/unrelated", "200 OK",
                          "2026-12-01T09:30:05Z", [])  # fmt: skip
    index = tmp_path / "index.cdx"
    write_cdx_index(
        str(index), sorted(str(folder / n) for n in warcs.values()),
        {"sort": True, "post_append": True},
    )  # fmt: skip
    selection = Selection(
        kind="case", id="case_1", title="Case", key=None,  # type: ignore[arg-type]
        captures=[_capture(cid, final, title) for cid, (final, title) in plan.items()],
    )  # fmt: skip
    pages = build_pages(selection, index, warcs, folder)
    lines = [json.loads(line) for line in pages.data.splitlines()]
    assert lines[0] == {"format": "json-pages-1.0", "id": "pages", "title": "Case"}
    assert lines[1:] == pages.entries
    assert pages.entries == [
        {"id": "cap_page", "url": "https://example.test/page",
         "ts": "2026-12-01T09:30:01.250000Z", "title": "A page"},
        {"id": "cap_twice", "url": "https://example.test/twice",
         "ts": "2026-12-01T09:30:02.000001Z"},
    ], "the fragment is not sent; the first response wins; no title, no title field"  # fmt: skip
    assert set(pages.left_out) == {"cap_redirect", "cap_post", "cap_app", "cap_other_warc"}
    assert "not a web address" in pages.left_out["cap_app"]
    for cid in ("cap_redirect", "cap_post", "cap_other_warc"):
        assert plan[cid][0] in pages.left_out[cid]
