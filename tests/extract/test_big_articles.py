"""Big articles: every link found, in order, and the work per link bounded.

No timing here (benchmarks/extract.py measures); these check the result on large inputs and the
algorithm's shape: what the extractor keeps alive while it walks.
"""

import gc
import weakref

import pytest
from selectolax.lexbor import LexborHTMLParser

from benchmarks.extract import generated_article
from collector.extract import extract, html

LINKS = 20_000


def test_every_link_of_a_big_article_in_page_order() -> None:
    result = extract(generated_article(LINKS), base_url="https://news.example/generated")
    assert len(result.citations) == LINKS
    expected = [
        (
            f"https://x.com/user{i % 997}/status/{10**17 + i}",
            f"https://example.com/news/{i}",
            f"https://news.example/relative/{i}",
            f"https://t.me/channel{i % 50}/{i}",
        )[i % 4]
        for i in range(LINKS)
    ]
    assert [c.url for c in result.citations] == expected
    assert all(len(c.occurrences) == 1 and c.occurrences[0].via == "link" for c in result.citations)
    assert [c.occurrences[0].position for c in result.citations] == list(range(LINKS))
    assert "story 4001" in result.citations[4001].occurrences[0].context


def test_a_post_with_thousands_of_links_keeps_each_once_in_order() -> None:
    links = " ".join(
        f'<a href="https://t.co/a{i % 5000}">t.co/a{i % 5000}</a>' for i in range(10_000)
    )
    page = (
        '<html><body><article><blockquote class="twitter-tweet"><p>'
        f"{links}</p>&mdash; A (@a) "
        '<a href="https://twitter.com/a/status/1234567890123">May 1, 2020</a>'
        "</blockquote></article></body></html>"
    )
    (post,) = extract(page).citations
    assert post.post_id == "1234567890123"
    assert [link["url"] for link in post.links] == [f"https://t.co/a{i}" for i in range(5000)]


class _Tracked(LexborHTMLParser):
    """A parser whose instances can be counted while alive."""

    live: "weakref.WeakSet[_Tracked]" = weakref.WeakSet()
    most = 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _Tracked.live.add(self)
        _Tracked.most = max(_Tracked.most, len(_Tracked.live))


def test_escaped_embeds_are_read_one_fragment_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    embeds = 2_000
    escaped = "".join(
        '<div data-x="&lt;blockquote class=&quot;twitter-tweet&quot;&gt;&lt;a href=&quot;'
        f'https://twitter.com/a/status/{10**15 + i}&quot;&gt;x&lt;/a&gt;&lt;/blockquote&gt;"></div>'
        for i in range(embeds)
    )
    text = "Words of the article. " * 40
    page = f"<html><body><article><p>{text}</p>{escaped}</article></body></html>"
    monkeypatch.setattr(html, "LexborHTMLParser", _Tracked)
    gc.disable()  # only references may free a parser, so the count is exact
    try:
        result = extract(page)
    finally:
        gc.enable()
    assert [c.post_id for c in result.citations] == [str(10**15 + i) for i in range(embeds)]
    assert _Tracked.most <= 3, "fragment parsers are freed once read (page, fragment, spare)"
