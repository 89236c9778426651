"""Hypothesis: arbitrary text and HTML never crash the extractor and finish in bounded time."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.extract import UnsupportedDocument, extract

FRAGMENTS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='share'>",
        "</div>",
        "<blockquote class='twitter-tweet'>",
        "</blockquote>",
        "<a href='https://twitter.com/a/status/1'>",
        "<a href='//x.com/i/status/",
        "</a>",
        "<iframe data-tweet-id='77' src='https://t.me/c/1/2?embed=1'>",
        "<script>var u='https:\\/\\/twitter.com\\/z\\/status\\/9';</script>",
        "&mdash; N (@h) September 25, 2024",
        "\n— Name (@handle) 25. März 2018\n",
        "pic.twitter.com/AbC",
        "https://t.co/xyz",
        "(@",
        "<",
        ">",
        "&#x",
        "\u202e",
        "é",
        " ",
    ]
)
HTMLISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=30)), max_size=80).map("".join)


def _bounded(document: str | bytes) -> None:
    started = time.process_time()
    try:
        result = extract(document)
    except UnsupportedDocument:
        return
    assert time.process_time() - started < 2.0
    for citation in result.citations:
        data = citation.to_dict()
        assert data["kind"] in ("post", "profile", "link", "media")
        assert data["occurrences"], "every citation was seen at least once"
        assert data["url"] is not None or data["author_handle"] is not None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text(text: str) -> None:
    _bounded(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTMLISH)
def test_arbitrary_htmlish(text: str) -> None:
    _bounded(text)
    _bounded("<html><body>" + text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _bounded(data)
