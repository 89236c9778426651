"""Every embed and link form the issue lists, in small pages written for the test."""

import json

from collector.extract import extract

PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of the article body, long enough, with a comma, to count as text.</p>"
    for i in range(6)
)


def page(inner: str, *, header: str = "", footer: str = "", head: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>T</title>{head}</head><body>"
        f"<header>{header}</header><main><article>{PARAGRAPHS}{inner}</article></main>"
        f"<footer>{footer}</footer></body></html>"
    )


def posts(html: str, platform: str | None = None) -> list[tuple[str, str | None, str | None]]:
    return [(c.platform, c.post_id, c.url) for c in extract(html).posts(platform)]


def test_twitter_embed_forms() -> None:
    html = page(
        '<blockquote class="twitter-tweet"><p lang="fr">Bonjour</p>&mdash; A (@a) '
        '<a href="https://twitter.com/a/status/1?ref_src=twsrc%5Etfw">25 septembre 2018</a>'
        "</blockquote>"
        '<iframe class="twitter-tweet-rendered" data-tweet-id="2"></iframe>'
        '<iframe src="https://platform.twitter.com/embed/Tweet.html?id=3"></iframe>'
        '<amp-twitter data-tweetid="4" width="375" height="472"></amp-twitter>'
        '<div class="embed" data-embed-type="twitter" data-embed-id="5"></div>'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        "https://twitter.com/f/status/6</div></figure>"
        '<div data-embedded-url="https://twitter.com/g/status/7"></div>'
        '<blockquote data-tweetid="8"><a href="https://twitter.com/h/status/8"></a></blockquote>'
    )
    result = extract(html)
    found = {c.post_id: c for c in result.posts("twitter")}
    assert list(found) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert all(c.embedded for c in found.values())
    first = found["1"]
    assert (first.author_handle, first.author_name, first.posted_at, first.text) == (
        "a",
        "A",
        "2018-09-25",
        "Bonjour",
    )
    assert found["8"].url == "https://x.com/h/status/8"
    assert found["2"].url == "https://x.com/i/status/2"


def test_inline_links_in_every_twitter_url_form() -> None:
    links = [
        "https://twitter.com/a/status/11",
        "https://x.com/b/status/12?s=20",
        "https://mobile.twitter.com/c/status/13",
        "https://www.twitter.com/d/statuses/14",
        "https://twitter.com/i/web/status/15",
        "https://x.com/i/status/16",
        "https://twitter.com/#!/e/status/17",
        "https://twitter.com/f/status/18/photo/1",
        "https://fxtwitter.com/g/status/19",
        "https://vxtwitter.com/g/status/20",
        "https://nitter.net/h/status/21",
    ]
    body = "".join(f'<p>See <a href="{u}">this post</a>, which matters.</p>' for u in links)
    assert [pid for _, pid, _ in posts(page(body))] == [str(n) for n in range(11, 22)]


def test_other_platform_embeds() -> None:
    html = page(
        '<script async src="https://telegram.org/js/telegram-widget.js" '
        'data-telegram-post="durov/43" data-width="100%"></script>'
        '<iframe src="https://t.me/nexta_live/123?embed=1"></iframe>'
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>'
        '<amp-youtube data-videoid="aqz-KE-bpKQ"></amp-youtube>'
        '<blockquote class="instagram-media" '
        'data-instgrm-permalink="https://www.instagram.com/p/CxYz/?utm_source=ig_embed">'
        "</blockquote>"
        '<blockquote class="tiktok-embed" '
        'cite="https://www.tiktok.com/@scout2015/video/6718335390845095173" '
        'data-video-id="6718335390845095173"></blockquote>'
        '<blockquote class="tiktok-embed" data-video-id="7100000000000000001"></blockquote>'
        '<blockquote class="bluesky-embed" '
        'data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/3kxyz"></blockquote>'
        '<blockquote class="reddit-embed-bq"><a href="https://www.reddit.com/r/news/comments/'
        'abc123/title/">post</a></blockquote>'
        '<div class="fb-post" data-href="https://www.facebook.com/nasa/posts/10159"></div>'
        '<blockquote class="text-post-media" '
        'data-text-post-permalink="https://www.threads.net/@zuck/post/C1abc"></blockquote>'
    )
    assert [(p, pid) for p, pid, _ in posts(html)] == [
        ("telegram", "durov/43"),
        ("telegram", "nexta_live/123"),
        ("youtube", "dQw4w9WgXcQ"),
        ("youtube", "aqz-KE-bpKQ"),
        ("instagram", "CxYz"),
        ("tiktok", "6718335390845095173"),
        ("tiktok", "7100000000000000001"),
        ("bluesky", "3kxyz"),
        ("reddit", "abc123"),
        ("facebook", "10159"),
        ("threads", "C1abc"),
    ]


def test_not_citations() -> None:
    html = page(
        '<p>Share: <a href="https://twitter.com/intent/tweet?url=x">tweet</a> '
        '<a href="https://www.facebook.com/sharer/sharer.php?u=x">share</a> '
        '<a href="https://t.me/share/url?url=x">telegram</a></p>'
        '<script async src="https://platform.twitter.com/widgets.js"></script>'
        '<div class="related-articles"><a href="https://news.example/other">Other</a>'
        '<a href="https://twitter.com/x/status/99">a related post</a></div>'
        '<div class="share-bar"><a href="https://twitter.com/site">Follow</a></div>',
        header='<a href="https://twitter.com/site">@site</a>',
        footer='<a href="https://www.facebook.com/site">fb</a>'
        '<a href="https://twitter.com/y/status/98">footer post</a>',
    )
    assert extract(html).citations == []


def test_profiles_and_links_in_the_body_with_occurrences_and_context() -> None:
    html = page(
        '<p>The mayor <a href="https://twitter.com/sliccardo?ref_src=twsrc">tweeted</a> '
        "about it. Earlier that day, "
        '<a href="https://www.reuters.com/world/x?utm_source=twitter#main">Reuters reported</a> '
        "the news. Then he deleted it.</p>"
        '<p>Again <a href="https://www.reuters.com/world/x">Reuters</a> confirmed it.</p>'
    )
    result = extract(html, base_url="https://news.example/a")
    profile, link = result.citations
    assert (profile.kind, profile.platform, profile.url, profile.author_handle) == (
        "profile",
        "twitter",
        "https://x.com/sliccardo",
        "sliccardo",
    )
    assert (link.kind, link.platform, link.url) == (
        "link",
        "web",
        "https://www.reuters.com/world/x",
    )
    assert [o.raw for o in link.occurrences] == [
        "https://www.reuters.com/world/x?utm_source=twitter#main",
        "https://www.reuters.com/world/x",
    ]
    assert link.occurrences[0].context == ("Earlier that day, Reuters reported the news.")


def test_escaped_embed_in_json_of_a_script_only_page() -> None:
    """A page whose article exists only as JSON (rendered by scripts): read the data."""
    body = json.dumps(
        {
            "body": '<p>Text</p><blockquote class="twitter-tweet"><a href='
            '"https://twitter.com/a/status/555">June 1, 2020</a></blockquote>',
            "source": "https://t.me/rybar/77",
        }
    )
    html = (
        "<html><head><title>App</title></head><body><div id='root'></div>"
        f"<script id='__DATA__' type='application/json'>{body}</script></body></html>"
    )
    found = [(c.post_id, c.occurrences[0].via) for c in extract(html).posts()]
    assert found == [("555", "embed"), ("rybar/77", "script")]


def test_base_href_resolves_relative_links() -> None:
    html = page(
        '<p>Read <a href="/world/story.html?utm_campaign=x">our story</a> for more.</p>',
        head='<base href="https://news.example/sub/">',
    )
    (link,) = extract(html).citations
    assert link.url == "https://news.example/world/story.html"


def test_unlinked_urls_in_body_text() -> None:
    html = page("<p>Source: https://t.me/rybar/5123 and youtu.be/dQw4w9WgXcQ, not example.com.</p>")
    assert [(p, pid) for p, pid, _ in posts(html)] == [
        ("telegram", "rybar/5123"),
        ("youtube", "dQw4w9WgXcQ"),
    ]


def test_telegram_post_page_fixture() -> None:
    """A real t.me post page (metascraper fixture, shared with the platform tests): its
    `?embed=1` iframe and widget script name the post; the widget script is no citation."""
    from tests.extract.conftest import FIXTURES

    data = (FIXTURES / "telegram" / "metascraper__post-full-image.html").read_bytes()
    result = extract(data, base_url="https://t.me/chollometro/28542")
    (post,) = result.posts()
    assert (post.platform, post.post_id, post.url, post.author_handle) == (
        "telegram",
        "chollometro/28542",
        "https://t.me/chollometro/28542",
        "chollometro",
    )
    assert post.embedded
    assert not any(c.url and c.url.endswith(".js") for c in result.citations)


def test_escaped_embeds_inside_the_article() -> None:
    """Embeds kept as escaped HTML: in a component's JSON attribute and in a JSON script."""
    props = json.dumps(
        {
            "html": '<blockquote class="twitter-tweet"><p>One</p>&mdash; A (@a) '
            '<a href="https://twitter.com/a/status/601">March 3, 2021</a></blockquote>'
        }
    )
    attribute = props.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    script = json.dumps(
        {
            "body": '<blockquote class="twitter-tweet"><a href="https://x.com/b/status/602">x</a>'
            "</blockquote>"
        }
    ).replace("<", "\\u003c")
    html = page(
        f'<div class="embed" data-props="{attribute}"></div>'
        f'<script type="application/json">{script}</script>'
    )
    found = {c.post_id: c for c in extract(html).posts()}
    assert list(found) == ["601", "602"]
    assert (found["601"].author_handle, found["601"].posted_at, found["601"].text) == (
        "a",
        "2021-03-03",
        "One",
    )


def test_written_out_urls_are_not_relative_to_the_page() -> None:
    html = page(
        "<p>Photo: pic.twitter.com/AbCdE and t.co/XyZ12, in the text, with a comma.</p>"
        '<p>A <a href="story.html">relative link</a> resolves against the page.</p>'
    )
    result = extract(html, base_url="https://news.example/2020/a/")
    assert [c.url for c in result.citations] == [  # links first, then what the text holds
        "https://news.example/2020/a/story.html",
        "https://pic.twitter.com/AbCdE",
        "https://t.co/XyZ12",
    ]
    assert [c.url for c in extract(html).citations] == [  # no base: the relative link is dropped
        "https://pic.twitter.com/AbCdE",
        "https://t.co/XyZ12",
    ]


def test_canonical_link_is_the_base_of_a_saved_page() -> None:
    html = page(
        '<p>Read <a href="/other.html">the other story</a>, and '
        '<a href="https://news.example/this">this page itself</a>.</p>',
        head='<link rel="canonical" href="https://news.example/this">',
    )
    assert [c.url for c in extract(html).citations] == ["https://news.example/other.html"]
