"""URL classification: every URL form the issue lists, per platform."""

import pytest

from collector.extract import classify_url

POSTS = [
    # (url, platform, post_id, handle, canonical)
    ("https://twitter.com/jack/status/20", "twitter", "20", "jack", "https://x.com/jack/status/20"),
    (
        "https://x.com/jack/status/20?s=20&t=abc",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://www.twitter.com/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://mobile.twitter.com/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "http://twitter.com/jack/statuses/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    ("https://twitter.com/i/web/status/20", "twitter", "20", None, "https://x.com/i/status/20"),
    ("https://x.com/i/status/20", "twitter", "20", None, "https://x.com/i/status/20"),
    (
        "https://twitter.com/#!/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://twitter.com/jack/status/20/photo/1",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://x.com/jack/status/20/video/1",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://fxtwitter.com/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://vxtwitter.com/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    ("https://fixupx.com/jack/status/20", "twitter", "20", "jack", "https://x.com/jack/status/20"),
    (
        "https://nitter.net/jack/status/20#m",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://nitter.example.org/jack/status/20",
        "twitter",
        "20",
        "jack",
        "https://x.com/jack/status/20",
    ),
    (
        "https://platform.twitter.com/embed/Tweet.html?id=20&theme=dark",
        "twitter",
        "20",
        None,
        "https://x.com/i/status/20",
    ),
    ("https://t.me/durov/123", "telegram", "durov/123", "durov", "https://t.me/durov/123"),
    ("https://t.me/s/durov/123", "telegram", "durov/123", "durov", "https://t.me/durov/123"),
    (
        "https://t.me/durov/123?embed=1&mode=tme",
        "telegram",
        "durov/123",
        "durov",
        "https://t.me/durov/123",
    ),
    ("https://telegram.me/durov/123", "telegram", "durov/123", "durov", "https://t.me/durov/123"),
    (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&si=x",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://youtu.be/dQw4w9WgXcQ?si=abc",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://youtube.com/shorts/dQw4w9WgXcQ",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
        "youtube",
        "dQw4w9WgXcQ",
        None,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ),
    (
        "https://www.instagram.com/p/CxYz123/?utm_source=ig_embed",
        "instagram",
        "CxYz123",
        None,
        "https://www.instagram.com/p/CxYz123/",
    ),
    (
        "https://www.instagram.com/reel/CxYz123/",
        "instagram",
        "CxYz123",
        None,
        "https://www.instagram.com/reel/CxYz123/",
    ),
    (
        "https://www.instagram.com/someone/p/CxYz123/",
        "instagram",
        "CxYz123",
        None,
        "https://www.instagram.com/p/CxYz123/",
    ),
    (
        "https://www.tiktok.com/@scout2015/video/6718335390845095173?lang=en",
        "tiktok",
        "6718335390845095173",
        "scout2015",
        "https://www.tiktok.com/@scout2015/video/6718335390845095173",
    ),
    (
        "https://www.tiktok.com/embed/v2/6718335390845095173",
        "tiktok",
        "6718335390845095173",
        None,
        "https://www.tiktok.com/embed/v2/6718335390845095173",
    ),
    (
        "https://bsky.app/profile/jay.bsky.team/post/3kabcdef",
        "bluesky",
        "3kabcdef",
        "jay.bsky.team",
        "https://bsky.app/profile/jay.bsky.team/post/3kabcdef",
    ),
    (
        "https://www.reddit.com/r/news/comments/abc123/some_title/?utm_source=share",
        "reddit",
        "abc123",
        None,
        "https://www.reddit.com/r/news/comments/abc123/",
    ),
    (
        "https://old.reddit.com/r/news/comments/abc123/",
        "reddit",
        "abc123",
        None,
        "https://www.reddit.com/r/news/comments/abc123/",
    ),
    ("https://redd.it/abc123", "reddit", "abc123", None, "https://www.reddit.com/comments/abc123/"),
    (
        "https://www.facebook.com/nasa/posts/10159",
        "facebook",
        "10159",
        "nasa",
        "https://www.facebook.com/nasa/posts/10159",
    ),
    (
        "https://www.facebook.com/permalink.php?story_fbid=42&id=7",
        "facebook",
        "42",
        "7",
        "https://www.facebook.com/permalink.php?story_fbid=42&id=7",
    ),
    (
        "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fnasa%2Fposts%2F10159",
        "facebook",
        "10159",
        "nasa",
        "https://www.facebook.com/nasa/posts/10159",
    ),
    (
        "https://www.threads.net/@zuck/post/C1abc",
        "threads",
        "C1abc",
        "zuck",
        "https://www.threads.net/@zuck/post/C1abc",
    ),
    (
        "https://vk.com/wall-22822305_1234",
        "vk",
        "-22822305_1234",
        None,
        "https://vk.com/wall-22822305_1234",
    ),
    ("https://vk.com/durov?w=wall1_2", "vk", "1_2", None, "https://vk.com/wall1_2"),
    (
        "https://mastodon.social/@Gargron/109366321337337337",
        "mastodon",
        "109366321337337337",
        "Gargron@mastodon.social",
        "https://mastodon.social/@Gargron/109366321337337337",
    ),
    (
        "https://mastodon.social/users/Gargron/statuses/109366321337337337",
        "mastodon",
        "109366321337337337",
        "Gargron@mastodon.social",
        "https://mastodon.social/@Gargron/109366321337337337",
    ),
]


@pytest.mark.parametrize(("url", "platform", "post_id", "handle", "canonical"), POSTS)
def test_posts(url: str, platform: str, post_id: str, handle: str | None, canonical: str) -> None:
    info = classify_url(url)
    assert info is not None
    assert (info.platform, info.kind, info.post_id, info.handle, info.canonical_url) == (
        platform,
        "post",
        post_id,
        handle,
        canonical,
    )


@pytest.mark.parametrize(
    ("url", "platform", "kind", "canonical"),
    [
        ("https://twitter.com/jack", "twitter", "profile", "https://x.com/jack"),
        ("https://x.com/jack/media", "twitter", "profile", "https://x.com/jack"),
        (
            "https://twitter.com/#!/BreitbartNews",
            "twitter",
            "profile",
            "https://x.com/BreitbartNews",
        ),
        ("https://t.me/durov", "telegram", "profile", "https://t.me/durov"),
        ("https://www.youtube.com/@mkbhd", "youtube", "profile", "https://www.youtube.com/@mkbhd"),
        (
            "https://www.instagram.com/nasa/",
            "instagram",
            "profile",
            "https://www.instagram.com/nasa/",
        ),
        (
            "https://www.tiktok.com/@scout2015",
            "tiktok",
            "profile",
            "https://www.tiktok.com/@scout2015",
        ),
        (
            "https://bsky.app/profile/jay.bsky.team",
            "bluesky",
            "profile",
            "https://bsky.app/profile/jay.bsky.team",
        ),
        (
            "https://www.reddit.com/user/spez",
            "reddit",
            "profile",
            "https://www.reddit.com/user/spez/",
        ),
        ("https://www.threads.net/@zuck", "threads", "profile", "https://www.threads.net/@zuck"),
        ("pic.twitter.com/aOGEWgEt2o", "twitter", "media", "https://pic.twitter.com/aOGEWgEt2o"),
        (
            "https://pbs.twimg.com/media/Fabc.jpg",
            "twitter",
            "media",
            "https://pbs.twimg.com/media/Fabc.jpg",
        ),
        ("http://t.co/A5xC8oWInC", "twitter", "link", "https://t.co/A5xC8oWInC"),
        (
            "https://example.com/a/?utm_source=x&id=3#top",
            "web",
            "link",
            "https://example.com/a/?id=3",
        ),
        ("https://example.com/photo.JPG", "web", "media", "https://example.com/photo.JPG"),
    ],
)
def test_profiles_media_and_links(url: str, platform: str, kind: str, canonical: str) -> None:
    info = classify_url(url)
    assert info is not None
    assert (info.platform, info.kind, info.canonical_url) == (platform, kind, canonical)


@pytest.mark.parametrize(
    "url",
    [
        "https://twitter.com/intent/tweet?text=hi&url=https://example.com",
        "https://twitter.com/intent/retweet?tweet_id=20",
        "https://twitter.com/share?url=x",
        "https://twitter.com/hashtag/python?src=hash",
        "https://x.com/intent/follow?screen_name=jack",
        "https://www.facebook.com/sharer/sharer.php?u=https://example.com",
        "https://www.facebook.com/sharer.php?u=x",
        "https://t.me/share/url?url=https://example.com",
        "https://www.linkedin.com/shareArticle?mini=true&url=x",
        "https://pinterest.com/pin/create/button/?url=x",
        "https://api.whatsapp.com/send?text=x",
        "https://www.reddit.com/submit?url=x",
        "https://vk.com/share.php?url=x",
        "http://b.hatena.ne.jp/entry/https://buzzap.jp/news/x/",
    ],
)
def test_share_buttons(url: str) -> None:
    info = classify_url(url)
    assert info is not None and info.kind == "share"


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.twitter.com/widgets.js",
        "//platform.twitter.com/widgets.js",
        "https://telegram.org/js/telegram-widget.js?22",
        "https://cdn.example.com/site.min.css",
    ],
)
def test_widget_scripts(url: str) -> None:
    info = classify_url(url)
    assert info is not None and info.kind == "asset"


@pytest.mark.parametrize(
    "url", ["mailto:a@b.c", "javascript:void(0)", "", "   ", "ftp://x.org/a", "data:text/html,hi"]
)
def test_not_http(url: str) -> None:
    assert classify_url(url) is None


def test_relative_urls_use_the_base() -> None:
    info = classify_url("/jack/status/20", "https://twitter.com/somewhere")
    assert info is not None and info.post_id == "20"
    info = classify_url("../story.html?utm_medium=x", "https://news.example/a/b/")
    assert info is not None and info.canonical_url == "https://news.example/a/story.html"
