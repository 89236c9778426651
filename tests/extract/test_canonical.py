"""Canonical URLs: tracking removed, one spelling, idempotent (examples and properties)."""

import json
import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.extract import classify_url
from collector.sites import canonical
from collector.sites.canonical import canonicalize_url
from tests.extract.conftest import FIXTURES

W3LIB = json.loads((FIXTURES / "url-canonicalization" / "w3lib__test_url_cases.json").read_text())[
    "functions"
]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://Example.COM:80/a b?z=1&a=2", "http://example.com/a%20b?a=2&z=1"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com/x?utm_source=tw&utm_medium=s&id=3", "https://example.com/x?id=3"),
        ("https://example.com/x?fbclid=abc&gclid=1", "https://example.com/x"),
        ("https://example.com/x#section-2", "https://example.com/x"),
        ("https://example.com/app#!/thing/1", "https://example.com/app#!/thing/1"),
        ("//cdn.example.com/a", "https://cdn.example.com/a"),
        ("https://пример.рф/путь", "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C"),
        ("https://example.com./a", "https://example.com/a"),
    ],
)
def test_examples(raw: str, canonical: str) -> None:
    assert canonicalize_url(raw) == canonical


def _inputs(section: str) -> list[str]:
    values = []
    for case in W3LIB[section]:
        args = case.get("args") or case.get("input") or []
        first = args[0] if isinstance(args, list) and args else args
        if isinstance(first, str):
            values.append(first)
    return values


W3LIB_URLS = [
    *_inputs("canonicalize_url"),
    *_inputs("url_query_cleaner"),
    *_inputs("safe_url_string"),
]


def test_w3lib_cases_were_loaded() -> None:
    assert len(W3LIB_URLS) > 50


@pytest.mark.parametrize("url", W3LIB_URLS)
def test_idempotent_on_w3lib_cases(url: str) -> None:
    once = canonicalize_url(url, "http://www.example.com/")
    if once is not None:
        assert canonicalize_url(once) == once


URL_PARTS = st.builds(
    lambda scheme, host, path, query, frag: f"{scheme}://{host}{path}{query}{frag}",
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(
        [
            "example.com",
            "Example.COM:8080",
            "twitter.com",
            "x.com",
            "t.me",
            "www.youtube.com",
            "пример.рф",
            "a.b.c.example",
            "youtu.be",
            "bsky.app",
            "mastodon.social",
        ]
    ),
    st.text(alphabet="/abcXYZ09@._-~%:é?", max_size=40).map(lambda p: "/" + p),
    st.text(alphabet="&=abcutm_sid%20+é", max_size=30).map(lambda q: "?" + q),
    st.sampled_from(["", "#x", "#!/a/status/1", "#/route"]),
)


@settings(max_examples=300, deadline=None)
@given(URL_PARTS)
def test_canonical_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    if once is not None:
        assert canonicalize_url(once) == once


@settings(max_examples=300, deadline=None)
@given(URL_PARTS)
def test_classified_canonical_is_stable(url: str) -> None:
    info = classify_url(url)
    if info is None or info.canonical_url is None:
        return
    again = classify_url(info.canonical_url)
    assert again is not None
    assert (again.platform, again.kind, again.post_id, again.canonical_url) == (
        info.platform,
        info.kind,
        info.post_id,
        info.canonical_url,
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    canonicalize_url(text)
    classify_url(text)


def _slow_canonical(url: str) -> str | None:
    """`canonical_form` with both shortcuts turned off."""
    never = re.compile(r"(?!)")
    with (
        patch.object(canonical, "ALREADY_CANONICAL", never),
        patch.object(canonical, "PLAIN_URL", never),
    ):
        return canonical.canonical_form(url)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(canonical.ALREADY_CANONICAL, fullmatch=True))
def test_already_canonical_urls_are_what_w3lib_makes_of_them(url: str) -> None:
    assert canonical.ALREADY_CANONICAL.match(url)
    assert canonical.canonical_form(url) == url == _slow_canonical(url)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(canonical.PLAIN_URL, fullmatch=True))
def test_plain_urls_canonicalize_as_after_safe_url_string(url: str) -> None:
    with patch.object(canonical, "ALREADY_CANONICAL", re.compile(r"(?!)")):
        assert canonical.canonical_form(url) == _slow_canonical(url)
