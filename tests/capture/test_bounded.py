"""Memory per capture stays bounded: large bodies are spooled to disk, and compressed bodies
are decoded in bounded steps up to a cap. (Peak figures for the whole process tree, with a
2 GiB body and a 10 GB gzip bomb, come from `benchmarks/memory.py`.)"""

import gzip
import io
import tracemalloc
import zlib

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from archive.vocabulary import CaptureStatus
from collector.capture import decode
from collector.capture.engine import capture_urls
from collector.capture.httpwire import Head, parse_head
from collector.capture.render import RenderGate, is_document_request
from collector.capture.settings import CaptureSettings
from collector.capture.spool import MemoryBudget, Spool
from tests.capture.heavy import BAND_PX, HeavyServer, band_colour, gzip_bomb

MIB = 1024 * 1024


def _settings(**overrides: object) -> CaptureSettings:
    values: dict[str, object] = {"allow_private": True, "timeout_s": 60.0, "concurrency": 1}
    values.update(overrides)
    return CaptureSettings(**values)  # type: ignore[arg-type]


@pytest.mark.browser
def test_large_body_goes_to_disk_not_memory():
    size = 64 * MIB
    settings = _settings(max_response_bytes=128 * MIB, max_total_bytes=256 * MIB)
    with HeavyServer() as server:
        tracemalloc.start()
        try:
            [result] = capture_urls([server.url(f"/fetch?bytes={size}")], settings)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.status == "complete", result.status_reason
    assert result.title == "fetched", "the page read the whole body"
    assert peak < 24 * MIB, f"Python allocations peaked at {peak / MIB:.0f} MiB"
    warc = result.artifact("warc")
    assert warc.on_disk and warc.size > size, "the WARC is a file, not bytes"
    with warc.open() as stream:
        lengths = [
            record.length
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
            and record.rec_headers.get_header("WARC-Target-URI").endswith(f"/body?bytes={size}")
        ]
    assert lengths and lengths[0] > size


@pytest.mark.browser
def test_gzip_bomb_ends_partial_at_the_decoding_cap():
    settings = _settings(max_decoded_bytes=8 * MIB)
    with HeavyServer() as server:
        [result] = capture_urls([server.url(f"/bomb?bytes={512 * MIB}")], settings)
    assert result.status == "partial"
    assert "max_decoded_bytes" in result.status_reason
    assert "8388608 byte limit" in result.status_reason
    assert result.artifact("server-html").size <= 8 * MIB
    with result.artifact("warc").open() as stream:
        [page] = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
        assert page.rec_headers.get_header("WARC-Truncated") == "length"


def test_gzip_bomb_generator_is_valid_gzip():
    stream = b"".join(gzip_bomb(3 * MIB))
    assert gzip.decompress(stream) == bytes(3 * MIB)


def _decode_all(encoding: str | None, body: bytes, cap: int) -> tuple[bytes, decode.Decoder]:
    decoder = decode.Decoder(encoding, cap)
    out = bytearray()
    for start in range(0, len(body), 4096):
        for piece in decoder.feed(body[start : start + 4096]):
            assert len(piece) <= decode.READ_BYTES
            out += piece
    return bytes(out), decoder


DATA = bytes(range(256)) * 4096


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(DATA)),
        ("deflate", zlib.compress(DATA)),
        ("deflate", zlib.compress(DATA)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress(DATA)),
        (None, DATA),
    ],
)
def test_decoder_round_trips_and_stops_at_the_cap(encoding, body):
    decoded, decoder = _decode_all(encoding, body, 10 * len(DATA))
    assert decoded == DATA and not decoder.capped
    decoded, decoder = _decode_all(encoding, body, 1000)
    assert decoded == DATA[:1000] and decoder.capped


def test_decoder_expands_a_bomb_in_bounded_steps():
    bomb = b"".join(gzip_bomb(64 * MIB))
    decoded, decoder = _decode_all("gzip", bomb, 5 * MIB)
    assert len(decoded) == 5 * MIB and decoder.capped


def test_undecodable_body_is_kept_as_transferred():
    spool = Spool()
    spool.write(b"not gzip at all")
    out = io.BytesIO()
    outcome = decode.decode_body(
        lambda: spool.reader(), False, "gzip", 100, out.write, lambda: out.seek(0)
    )
    assert outcome.failed and out.getvalue() == b"not gzip at all"


def test_spools_share_a_memory_budget():
    budget = MemoryBudget(limit=1500)
    first, second = Spool(budget, memory_bytes=1000), Spool(budget, memory_bytes=1000)
    first.write(b"a" * 900)
    second.write(b"b" * 500)
    assert budget.used == 1400 and not first.on_disk and not second.on_disk
    second.write(b"c" * 200)
    assert second.on_disk and budget.used == 900
    first.close()
    assert budget.used == 0
    assert second.read() == b"b" * 500 + b"c" * 200


def test_spool_moves_to_disk_past_its_memory():
    spool = Spool(memory_bytes=1000)
    spool.write(b"a" * 600)
    assert not spool.on_disk
    spool.write(b"b" * 600)
    assert spool.on_disk and len(spool) == 1200
    assert spool.read() == b"a" * 600 + b"b" * 600
    assert spool.read(590, 610) == b"a" * 10 + b"b" * 10
    spool.close()


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=5000),
    encoding=st.sampled_from(["gzip", "deflate", "br"]),
    piece=st.integers(1, 700),
    cap=st.integers(0, 6000),
)
def test_decoding_in_any_pieces_gives_the_capped_prefix(data, encoding, piece, cap):
    body = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[encoding](data)
    decoder = decode.Decoder(encoding, cap)
    out = b"".join(
        b"".join(decoder.feed(body[start : start + piece])) for start in range(0, len(body), piece)
    )
    assert out == data[:cap]
    assert decoder.capped == (len(data) > cap)


def test_chunked_compressed_body_is_decoded_from_its_spool():
    compressed = gzip.compress(DATA)
    spool = Spool(memory_bytes=4096)
    for start in range(0, len(compressed), 1000):
        piece = compressed[start : start + 1000]
        spool.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    spool.write(b"0\r\n\r\n")
    out = io.BytesIO()
    outcome = decode.decode_body(spool.reader, True, "gzip", len(DATA), out.write, out.truncate)
    assert out.getvalue() == DATA and not outcome.capped and not outcome.failed


@pytest.mark.browser
def test_very_tall_page_gives_clipped_tiles_of_the_right_bands():
    settings = _settings()
    with HeavyServer() as server:
        [result] = capture_urls([server.url("/tall?px=100000")], settings)
    assert result.status == CaptureStatus.PARTIAL
    assert "page is 100000 px tall" in result.status_reason
    assert "top 20000 px (max_page_height)" in result.status_reason
    tiles = [a for a in result.artifacts if a.role == "screenshot-full"]
    assert [t.details["top"] for t in tiles] == [0, 8000, 16000]
    for tile in tiles:
        image = Image.open(io.BytesIO(tile.data)).convert("RGB")
        assert image.size == (1280, tile.details["height"])
        band = tile.details["top"] // BAND_PX
        assert image.getpixel((640, image.height // 2)) == band_colour(band), tile.name
    viewport = Image.open(io.BytesIO(result.artifact("screenshot-viewport").data))
    assert viewport.size == (1280, 800)
    assert result.details["page_height"] == 100000, "the viewport was restored after the tiles"


@pytest.mark.browser
def test_browser_is_given_only_the_render_limit_of_a_document():
    render, recorded = 1 * MIB, 4 * MIB
    settings = _settings(max_render_bytes=render, max_response_bytes=recorded)
    with HeavyServer() as server:
        url = server.url(f"/text?bytes={16 * MIB}")
        [result] = capture_urls([url], settings)
    assert result.status == CaptureStatus.PARTIAL
    assert f"the browser was given only the first {render} bytes of {url}" in result.status_reason
    assert "(max_render_bytes)" in result.status_reason
    assert "page loading was stopped at the render limit" in result.status_reason
    assert "time budget" not in result.status_reason, "it ends on the size limits, in time"
    assert f"the {recorded} byte limit" in result.status_reason
    assert len(result.artifact("dom").data) < render + 4096, "the browser saw only its share"
    tiles = [a for a in result.artifacts if a.role == "screenshot-full"]
    assert len(tiles) > 1, "a page cut at the render limit is tall: it is tiled"
    assert {t.details["height"] for t in tiles[:-1]} == {settings.cut_tile_height}, (
        "a cut page is shot in small tiles (their paint memory follows their area)"
    )
    with result.artifact("warc").open() as stream:
        [page] = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
        assert page.rec_headers.get_header("WARC-Truncated") == "length"
        assert page.length == recorded, "the WARC has what the server sent, past the render limit"


def test_render_limit_applies_to_documents_only():
    def head(*fields: str) -> Head:
        return parse_head(("GET / HTTP/1.1\r\n" + "".join(f + "\r\n" for f in fields)).encode())

    assert is_document_request(head("Sec-Fetch-Dest: document", "Accept: */*"))
    assert is_document_request(head("Sec-Fetch-Dest: iframe"))
    assert not is_document_request(head("Sec-Fetch-Dest: empty", "Accept: text/html"))
    assert not is_document_request(head("Sec-Fetch-Dest: image"))
    assert is_document_request(head("Accept: text/html,application/xhtml+xml,*/*;q=0.8"))
    assert not is_document_request(head("Accept: */*"))
    assert not is_document_request(head())


def test_render_gate_admits_up_to_the_limit_then_nothing():
    gate = RenderGate(10)
    assert gate.admit(b"abcdef", 0) == b"abcdef"
    assert gate.admit(b"ghijkl", 0) == b"ghij" and gate.closed and gate.given == 10
    assert gate.admit(b"more", 0) == b""
    decoded = RenderGate(10)
    assert decoded.admit(b"ab", 8) == b"ab"
    assert decoded.admit(b"cd", 11) == b"" and decoded.closed and decoded.given == 2
    unlimited = RenderGate(None)
    assert unlimited.admit(b"x" * 100, 10**9) == b"x" * 100 and not unlimited.closed
