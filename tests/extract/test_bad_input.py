"""Bad input: binary, empty, huge, wrongly declared charsets, deep nesting, hostile markup.

Time bounds are in CPU seconds of this process, so a busy machine does not fail them.
"""

import time

import pytest

from collector.extract import UnsupportedDocument, extract
from collector.extract.document import read_document

EMBED = (
    '<blockquote class="twitter-tweet"><p>Grüße aus Köln</p>&mdash; Jörg (@joerg) '
    '<a href="https://twitter.com/joerg/status/123">1. März 2020</a></blockquote>'
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF document"),
        (b"\x1f\x8b\x08\x00" + bytes(50), "gzip data"),
        (b"\x7fELF\x02\x01\x01" + bytes(50), "executable"),
        (bytes(range(256)) * 4, "binary data"),
    ],
)
def test_binary_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedDocument, match=message):
        extract(data)


@pytest.mark.parametrize("data", [b"", b"   \n\t ", "", "\n\n"])
def test_empty_is_refused_clearly(data: bytes | str) -> None:
    with pytest.raises(UnsupportedDocument, match="empty"):
        extract(data)


def test_non_text_content_type_is_refused() -> None:
    with pytest.raises(UnsupportedDocument, match="application/octet-stream"):
        extract(b"<p>hi</p>", content_type="application/octet-stream")


def test_fifty_megabytes_is_refused_quickly() -> None:
    big = b"<html><body>" + b"<p>" + b"a" * (50 * 1024 * 1024) + b"</p></body></html>"
    started = time.process_time()
    with pytest.raises(UnsupportedDocument, match=r"50\.\d MiB; the limit is 32 MiB"):
        extract(big)
    assert time.process_time() - started < 1.0


def test_large_page_under_the_limit_gives_a_correct_result_in_bounded_time() -> None:
    filler = "<p>Filler paragraph, with commas, about nothing in particular at all.</p>" * 60_000
    html = f"<html><body><article>{filler}{EMBED}{filler}</article></body></html>".encode()
    assert len(html) > 8_000_000
    started = time.process_time()
    result = extract(html)
    assert time.process_time() - started < 20
    assert [c.post_id for c in result.posts()] == ["123"]


def test_declared_latin1_but_actually_utf8() -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"><title>Köln</title></head><body>'
        + EMBED
        + "</body></html>"
    ).encode("utf-8")
    result = extract(html)
    assert result.encoding == "utf-8"
    assert any("declared charset iso8859-1" in w for w in result.warnings)
    (post,) = result.posts()
    assert (post.text, post.author_name, post.posted_at) == ("Grüße aus Köln", "Jörg", "2020-03-01")


def test_declared_utf8_but_actually_cp1252() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>Köln</title></head><body>'
        + EMBED
        + "<p>Ein längerer Absatz über Köln, Düsseldorf und Müller’s Straße.</p></body></html>"
    ).encode("cp1252")
    result = extract(html, content_type="text/html; charset=utf-8")
    assert any("not valid UTF-8" in w for w in result.warnings)
    (post,) = result.posts()
    assert post.post_id == "123"
    assert post.author_name == "Jörg"


def test_header_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    embed = EMBED.replace("Grüße aus Köln", "Привет из Москвы").replace("Jörg", "Юрий")
    text = "<html><body><p>Привет, мир</p>" + embed.replace("1. März 2020", "1 марта 2020")
    result = extract(text.encode("koi8-r"), content_type="text/html; charset=KOI8-R")
    assert result.encoding == "koi8-r"
    (post,) = result.posts()
    assert (post.text, post.author_name, post.posted_at) == (
        "Привет из Москвы",
        "Юрий",
        "2020-03-01",
    )


def test_utf16_with_bom() -> None:
    result = extract(("\ufeff<html><body>" + EMBED + "</body></html>").encode("utf-16"))
    assert [c.post_id for c in result.posts()] == ["123"]


def test_html_is_detected_by_content_not_name() -> None:
    assert read_document(b"<!DOCTYPE html><p>x</p>", "text/plain").media_type == "text/html"
    assert read_document(b"# Title\n\nSome *markdown* text.").media_type == "text/plain"
    assert read_document("  <html><body>hi</body></html>").media_type == "text/html"


@pytest.mark.parametrize(
    "make",
    [
        lambda d: "<div>" * d + EMBED + "</div>" * d,
        lambda d: "<div><p>x</p>" * d + EMBED,
        lambda d: "<section><div>" * d + EMBED,
    ],
)
def test_deeply_nested_html(make) -> None:
    html = make(100_000)
    started = time.process_time()
    result = extract(html)
    assert time.process_time() - started < 10
    assert [c.post_id for c in result.posts()] == ["123"]
    assert any("nested deeper" in w for w in result.warnings)


def test_unclosed_and_broken_markup() -> None:
    html = (
        "<html><body><p>Open <b>bold <i>italic <a href='https://twitter.com/a/status/5'>post"
        "<blockquote class=twitter-tweet><p>unclosed <a href=https://twitter.com/b/status/6>x"
        "<<<>>>&&&;;<!-- never closed comment"
    )
    result = extract(html)
    assert {c.post_id for c in result.posts()} <= {"5", "6"}


def test_text_with_nul_bytes_as_str_is_refused() -> None:
    with pytest.raises(UnsupportedDocument):
        extract("abc\x00def" * 10)


@pytest.mark.parametrize(
    "text",
    [
        "www." * 50_000,
        ("www." + "a-b." * 62 + " ") * 2_000,
        ("http://" + "a-b." * 62 + "/ ") * 2_000,
        "https://example.com/" + "a" * 500_000,
        "@" * 100_000,
        "(@a)" * 50_000,
        "— " * 50_000 + "(@a) May 1, 2020",
        "Post https://t.co/abc pic.twitter.com/x\n— A (@a) May 1, 2020\n" * 20_000,
    ],
    ids=["www", "www-dashes", "http-dashes", "long-url", "ats", "handles", "dashes", "sigs"],
)
def test_pathological_text_is_bounded(text: str) -> None:
    """Shapes that make URL regexes backtrack (twitter-text's domain pattern is polynomial)."""
    started = time.process_time()
    extract(text)
    assert time.process_time() - started < 5


def test_long_url_in_text_is_still_found() -> None:
    url = "https://example.com/" + "a" * 400 + "?q=1"
    (citation,) = extract(f"Source: {url}).\n").citations
    assert citation.url == url


def test_many_links_in_one_block_are_linear() -> None:
    links = "".join(
        f'word {i}, <a href="https://example.com/p{i}">link {i}</a> more text here. '
        for i in range(20_000)
    )
    started = time.process_time()
    result = extract(f"<html><body><p>{links}</p></body></html>")
    assert time.process_time() - started < 10
    assert len(result.citations) == 20_000
    assert result.citations[7].occurrences[0].context == "word 7, link 7 more text here."
