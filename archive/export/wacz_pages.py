"""`pages/pages.jsonl` of a WACZ: one page per capture whose final URL replays.

A capture's final URL is where the browser ended up, which is not always a page that was
recorded: a Telegram post hands over to `tg://resolve?...`, x.com's interstitial refreshes to
`twitter.com/x/migrate?...` and the connection fails. Replay tools open a page by looking its
URL up in the index, so a page entry is written only when the capture's own WARC holds a
response for that URL (matched by SURT key, as replay tools look it up; a redirect or a POST
does not count). The page's `ts` is that record's WARC-Date, to the microsecond the recorder
wrote, not the capture's start; its `title` is the title the browser showed, left out when
there was none. Which captures got no page, and why, is returned beside the bytes.

Written here rather than by py-wacz's `--detect-pages`, which lists every HTML response of
every WARC (sub-frames and redirect targets included) and knows nothing of captures.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from surt import surt
from warcio.archiveiterator import ArchiveIterator

from archive.export.select import CaptureItem, Selection

PAGES_FORMAT = "json-pages-1.0"
WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Pages:
    """The pages.jsonl bytes, the entries written and the captures left out (id -> why)."""

    data: bytes
    entries: list[dict[str, Any]]
    left_out: dict[str, str]


@dataclass(frozen=True)
class _Line:
    urlkey: str
    fields: dict[str, Any]


def _key(url: str) -> str:
    """The SURT key cdxj-indexer writes for `url` (the fragment never reaches a server)."""
    plain = urldefrag(url).url
    try:
        return str(surt(plain))
    except ValueError:
        return plain


def _index_lines(index: Path) -> Iterator[_Line]:
    with open(index, encoding="utf-8") as lines:
        for line in lines:
            urlkey, _, rest = line.rstrip("\n").partition(" ")
            _, _, fields = rest.partition(" ")
            if fields.startswith("{"):
                yield _Line(urlkey, json.loads(fields))


def _replays(line: _Line) -> bool:
    """A response a browser is shown as a page: a GET answered with a status that is not a
    redirect (a recorded 404 or 500 page replays as what the server said)."""
    status = str(line.fields.get("status") or "")
    method = str(line.fields.get("method") or "GET").upper()
    return method == "GET" and status.isdigit() and not status.startswith("3")


def _warc_date(warc: Path, offset: int) -> str:
    with open(warc, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return str(record.rec_headers.get_header("WARC-Date"))


def build_pages(
    selection: Selection, index: Path, warcs: dict[str, Path], archive_folder: Path
) -> Pages:
    """pages.jsonl for `selection` from the written CDXJ `index`; `warcs` maps a capture id to
    its WARC's file name in `archive_folder`."""
    by_file: dict[str, list[_Line]] = {}
    for line in _index_lines(index):
        by_file.setdefault(str(line.fields.get("filename")), []).append(line)
    entries: list[dict[str, Any]] = []
    left_out: dict[str, str] = {}
    for item in selection.captures:
        name = warcs.get(item.capture.id)
        if name is None:
            continue
        entry = _entry(item, by_file.get(name, []), archive_folder / name)
        if isinstance(entry, str):
            left_out[item.capture.id] = entry
        else:
            entries.append(entry)
    header = {"format": PAGES_FORMAT, "id": "pages", "title": selection.title}
    return Pages(_jsonl([header, *entries]), entries, left_out)


def _entry(item: CaptureItem, lines: list[_Line], warc: Path) -> dict[str, Any] | str:
    """The page entry of one capture, or why it has none."""
    capture = item.capture
    url = capture.final_url or capture.requested_url
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return f"its final URL {url} is not a web address (a hand-over to an app or a browser page)"
    key = _key(url)
    found = sorted(
        (line for line in lines if line.urlkey == key and _replays(line)),
        key=lambda line: int(line.fields.get("offset") or 0),
    )
    if not found:
        return f"no replayable response for its final URL {url} in its WARC"
    first = found[0]
    entry: dict[str, Any] = {
        "id": capture.id,
        "url": first.fields.get("url") or url,
        "ts": _warc_date(warc, int(first.fields["offset"])),
    }
    title = capture.details.get("title")
    if title:
        entry["title"] = title
    return entry


def _jsonl(lines: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
