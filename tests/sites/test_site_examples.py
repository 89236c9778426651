"""Every site module's URL examples, against the extractor's classifier and adapter routing.

A URL means one thing everywhere: the platform, kind, post id and canonical URL its site module
promises, and the adapter that acquires it, for the URL as written and for its canonical form.
"""

import subprocess
import sys

import pytest

from archive.vocabulary import CitationKind
from collector.extract import extract
from collector.platforms.registry import ADAPTERS, adapter_class_for
from collector.sites.classify import classify_url
from collector.sites.keys import target_key
from collector.sites.model import EmbedAttribute, Platform, UrlExample
from collector.sites.registry import PLATFORMS, all_examples

EXAMPLES = all_examples()


def test_every_site_has_examples() -> None:
    named = {name for name, _ in EXAMPLES}
    assert {p.name for p in PLATFORMS} <= named
    assert {"mastodon", "web"} <= named


@pytest.mark.parametrize(("site", "example"), EXAMPLES, ids=[e.url for _, e in EXAMPLES])
def test_example(site: str, example: UrlExample) -> None:
    info = classify_url(example.url)
    assert info is not None
    assert (info.platform, info.kind, info.post_id) == (site, example.kind, example.post_id)
    if example.canonical is not None:
        assert info.canonical_url == example.canonical
    assert adapter_class_for(example.url).name == example.adapter
    if info.canonical_url is not None:
        assert adapter_class_for(info.canonical_url).name == example.adapter
        again = classify_url(info.canonical_url)
        assert again == info, "a canonical URL classifies as itself"


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a.site is not None])
def test_a_site_adapter_takes_exactly_its_site_posts(adapter: type) -> None:
    for site, example in EXAMPLES:
        is_post = example.kind == CitationKind.POST and site == adapter.site.name
        assert adapter.suitable(example.url) == is_post, example.url


def test_post_forms_share_one_target_key() -> None:
    forms = [
        "https://twitter.com/jack/status/20",
        "https://x.com/i/web/status/20",
        "https://nitter.net/jack/status/20",
        "https://platform.twitter.com/embed/Tweet.html?id=20",
    ]
    infos = [classify_url(url) for url in forms]
    keys = {
        target_key(
            {"platform": i.platform, "kind": i.kind, "post_id": i.post_id, "url": i.canonical_url}
        )
        for i in infos
        if i is not None
    }
    assert keys == {"twitter:post:20"}


@pytest.mark.parametrize(
    ("modules", "heavy"),
    [
        (
            "collector.sites.classify, collector.sites.keys, collector.extract",
            ("yt_dlp", "twitter_text", "lxml", "extruct", "PIL", "httpx", "playwright"),
        ),
        ("collector.platforms.registry", ("yt_dlp", "twitter_text", "lxml", "extruct", "PIL")),
        (
            "collector.platforms.media, collector.platforms.evidence_card",
            ("PIL", "imagehash", "numpy", "yt_dlp", "lxml", "extruct"),
        ),
    ],
)
def test_url_modules_import_nothing_heavy(modules: str, heavy: tuple[str, ...]) -> None:
    code = f"import sys, {modules}\nprint(' '.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_ytdlp_routing_is_yt_dlp_s_own() -> None:
    from collector.platforms.ytdlp import EXTRACTORS, extractors

    assert {ie.ie_key() for ie in extractors()} == EXTRACTORS, "every key names an extractor"
    assert adapter_class_for("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1").name == (
        "ytdlp"
    ), "the canonical form (list dropped) is the video"
    assert adapter_class_for("https://www.youtube.com/@channel").name == "generic"
    assert adapter_class_for("https://www.tiktok.com/@user").name == "generic"


EMBEDS = [(p, rule) for p in PLATFORMS for rule in p.embed_attributes]


@pytest.mark.parametrize(("platform", "rule"), EMBEDS, ids=[r.attribute for _, r in EMBEDS])
def test_embed_attribute_examples(platform: Platform, rule: EmbedAttribute) -> None:
    elements = [s for s in platform.embed_selectors if s.replace("-", "").isalpha()]
    tag = rule.tag or (elements[0] if elements else "div")
    page = (
        f'<html><body><article><{tag} class="{rule.class_word or ""}-embed" '
        f'{rule.attribute}="{rule.example}"></{tag}></article></body></html>'
    )
    (citation,) = extract(page).citations
    expected = classify_url(rule.url.format(rule.example))
    assert expected is not None and expected.kind == CitationKind.POST
    assert (citation.platform, citation.kind, citation.url) == (
        platform.name,
        CitationKind.POST,
        expected.canonical_url,
    )
    assert [o.via for o in citation.occurrences] == ["embed"]
    assert citation.occurrences[0].raw == rule.raw.format(rule.example)
