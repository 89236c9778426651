"""X/Twitter: recorded syndication, GraphQL, oEmbed and API answers replayed field by field.

Expected values are read off the fixture files (see tests/fixtures/*/README.md), not produced
by the parser. The syndication bodies have no licence to redistribute: those tests read
shared/fixtures and skip when it is absent.
"""

import json
from datetime import UTC, date, datetime

import pytest

from collector.platforms.config import PlatformConfig
from collector.platforms.result import PlatformResult
from collector.platforms.twitter import TwitterAdapter
from collector.platforms.twitter_parse import parse_graphql
from tests.platforms.conftest import load_json, run, shared_json
from tests.platforms.fakeweb import FakeWeb

SYNDICATION = "https://cdn.syndication.twimg.com/tweet-result"
OEMBED = "https://publish.twitter.com/oembed"


def fetch(web: FakeWeb, url: str, config: PlatformConfig) -> PlatformResult:
    async def go() -> PlatformResult:
        async with web.client() as client:
            return await TwitterAdapter(config).fetch(url, client)

    return run(go())


def serve_syndication(web: FakeWeb, post_id: str, token: str, body: object) -> None:
    # The route only answers when the adapter sends the token public clients compute
    # (values computed with node from react-tweet's formula).
    web.add(
        f"{SYNDICATION}?id={post_id}&token={token}",
        json.dumps(body),
        content_type="application/json; charset=utf-8",
    )


def test_url_patterns() -> None:
    found = TwitterAdapter.match("https://mobile.twitter.com/foo/statuses/7?s=19")
    assert found and found.handle == "foo" and found.post_id == "7"
    found = TwitterAdapter.match("https://x.com/i/web/status/1641086480675225601")
    assert found and found.handle is None
    assert TwitterAdapter.suitable("https://vxtwitter.com/jack/status/20")
    assert not TwitterAdapter.suitable("https://x.com/jack")
    assert not TwitterAdapter.suitable("https://example.com/jack/status/20")


def test_syndication_photo_tweet(web: FakeWeb, config: PlatformConfig) -> None:
    body = shared_json(
        "twitter-syndication", "tweet-rsc__tweet_with_image_1641086480675225601.json"
    )
    serve_syndication(web, "1641086480675225601", "3z7miaszni8", body)
    result = fetch(web, "https://x.com/SamuelSusla/status/1641086480675225601", config)
    assert result.availability == "available"
    assert result.source == "twitter.syndication"
    assert result.post_id == "1641086480675225601"
    assert (result.author_handle, result.author_name, result.author_id) == (
        "SamuelSusla",
        "sammy",
        "469266133",
    )
    assert result.posted_at == datetime(2023, 3, 29, 14, 34, 41, tzinfo=UTC)
    assert result.text.startswith("If you are interested about View Flattening in React Native")
    assert result.text.endswith("Let me know what you think! https://t.co/rQd6FIwZ0U")
    assert result.language == "en"
    assert [(link.url, link.expanded_url, link.kind) for link in result.links] == [
        (
            "https://t.co/4G6RAMfrHy",
            "https://github.com/reactwg/react-native-new-architecture/discussions/110",
            "link",
        ),
        (
            "https://t.co/rQd6FIwZ0U",
            "https://twitter.com/SamuelSusla/status/1641086480675225601/photo/1",
            "media",
        ),
    ]
    assert len(result.media) == 1
    photo = result.media[0]
    assert photo.kind == "photo"
    assert photo.url == "https://pbs.twimg.com/media/FsZNOgcWAAEQtrd.jpg?name=orig"
    assert (photo.width, photo.height) == (1995, 896)
    assert photo.source_post_url is None
    assert result.metrics["likes"] == 226
    assert result.metrics["conversation_count"] == 1
    assert result.raw[0].name == "twitter.syndication" and result.raw[0].status == 200
    assert result.raw[0].body == json.dumps(body).encode()
    assert result.quoted is None and result.reply_to_id is None


def test_syndication_quote_tweet(web: FakeWeb, config: PlatformConfig) -> None:
    body = shared_json(
        "twitter-syndication", "tweet-rsc__tweet_with_quote_tweet_1641895049427550208.json"
    )
    serve_syndication(web, "1641895049427550208", "3za5ye2w3ov", body)
    result = fetch(web, "https://twitter.com/mattcarrollcode/status/1641895049427550208", config)
    assert result.author_handle == "mattcarrollcode" and result.author_name == "Matt Carroll"
    assert result.posted_at == datetime(2023, 3, 31, 20, 7, 39, tzinfo=UTC)
    assert result.text.startswith("#ReactNative's new architecture renderer")
    assert result.extra["hashtags"] == ["ReactNative"]
    assert result.quoted_post_id == "1641086480675225601"
    assert result.quoted_url == "https://x.com/SamuelSusla/status/1641086480675225601"
    quoted = result.quoted
    assert quoted is not None and quoted.author_handle == "SamuelSusla"
    assert quoted.posted_at == datetime(2023, 3, 29, 14, 34, 41, tzinfo=UTC)
    assert [m.url for m in quoted.media] == [
        "https://pbs.twimg.com/media/FsZNOgcWAAEQtrd.jpg?name=orig"
    ]


def test_syndication_video_of_another_post(web: FakeWeb, config: PlatformConfig) -> None:
    body = shared_json("twitter-syndication", "urlshare__tweet_with_video_1684218600456876032.json")
    serve_syndication(web, "1684218600456876032", "42z4mwgp9h8", body)
    result = fetch(web, "https://x.com/Rainmaker1973/status/1684218600456876032", config)
    assert (result.author_handle, result.author_id) == ("Rainmaker1973", "177101260")
    assert result.posted_at == datetime(2023, 7, 26, 15, 6, 20, tzinfo=UTC)
    assert result.links[0].url == "https://t.co/1kNB4GT8ut"
    assert result.links[0].expanded_url == "https://buff.ly/450N0Px"
    (video,) = result.media
    assert video.kind == "video"
    assert video.url == (
        "https://video.twimg.com/amplify_video/1684020091854225408/vid/886x546/"
        "_Mb5SBNFpaVehGMW.mp4?tag=14"
    )
    assert video.hls_url == (
        "https://video.twimg.com/amplify_video/1684020091854225408/pl/"
        "mdYAV4YxwnjO5sca.m3u8?tag=14&container=fmp4"
    )
    assert len(video.variants) == 4
    assert video.duration_ms == 14510
    assert (video.width, video.height) == (886, 546)
    assert video.source_post_url == (
        "https://twitter.com/AiBreakfast/status/1684020175215927296/video/1"
    )
    assert result.metrics["likes"] == 20079


def test_syndication_card_and_mentions(web: FakeWeb, config: PlatformConfig) -> None:
    body = shared_json("twitter-syndication", "tweet-rsc__tweet_with_card_1629262255744503809.json")
    serve_syndication(web, "1629262255744503809", "3y6h7x4gn61", body)
    result = fetch(web, "https://twitter.com/mattcarrollcode/status/1629262255744503809", config)
    assert result.extra["mentions"] == ["reactjs", "sophiebits"]
    assert result.extra["card"] == {"name": "summary_large_image", "url": "https://t.co/fI2B6TT8rL"}
    assert result.links[0].expanded_url == "https://beta.reactjs.org/learn/tutorial-tic-tac-toe"
    assert result.text.startswith("\U0001f4f0 I recently joined @reactjs!")
    assert result.media == []


SHAPES = "unavailable_and_tombstone_shapes.json"


def test_syndication_tombstone_then_oembed_404(web: FakeWeb, config: PlatformConfig) -> None:
    shapes = load_json("twitter-syndication", SHAPES)["syndication_tweet_result_behaviour"]
    tombstone = shapes["cases"][0]["body"]
    assert tombstone == {"__typename": "TweetTombstone"}
    serve_syndication(web, "1641086480675225601", "3z7miaszni8", tombstone)
    web.add(OEMBED, '{"errors":[]}', status=404, content_type="application/json")
    result = fetch(web, "https://x.com/SamuelSusla/status/1641086480675225601", config)
    assert result.availability == "not_found"
    assert "oEmbed answered 404" in result.availability_reason
    assert "tombstone" in result.availability_reason
    assert [raw.name for raw in result.raw] == ["twitter.syndication", "twitter.oembed"]
    assert result.author_handle is None and result.text is None


def test_syndication_empty_object_is_not_found(web: FakeWeb, config: PlatformConfig) -> None:
    shapes = load_json("twitter-syndication", SHAPES)["syndication_tweet_result_behaviour"]
    serve_syndication(web, "20", "6dq1a2xwd93", shapes["cases"][1]["body"])
    result = fetch(web, "https://twitter.com/jack/status/20", config)
    assert result.availability == "not_found"
    assert "syndication answered an empty object" in result.availability_reason


def test_graphql_private_account_tombstone() -> None:
    shapes = load_json("twitter-syndication", SHAPES)
    body = {
        "data": {
            "tweetResult": {"result": shapes["graphql_TweetTombstone_private_account"]["json"]}
        }
    }
    result = PlatformResult(platform="twitter", url="https://x.com/i/status/1")
    parse_graphql(body, result)
    assert result.availability == "protected"
    assert result.availability_reason.startswith("You’re unable to view this Post")


def test_graphql_suspended_author() -> None:
    shapes = load_json("twitter-syndication", SHAPES)
    result = PlatformResult(platform="twitter", url="https://x.com/i/status/991500")
    parse_graphql(shapes["graphql_TweetUnavailable_suspended_mock"]["json"], result)
    assert result.availability == "suspended"
    assert result.availability_reason == "TweetUnavailable: Suspended"


def graphql(name: str) -> PlatformResult:
    result = PlatformResult(platform="twitter", url="https://x.com/i/status/0")
    parse_graphql(load_json("twitter-graphql", name), result)
    return result


def test_graphql_text_tweet_20() -> None:
    result = graphql("fxembed__TweetResultByRestId_20.json")
    assert result.availability == "available" and result.source == "twitter.graphql"
    assert (result.post_id, result.author_handle, result.author_name, result.author_id) == (
        "20",
        "jack",
        "jack",
        "12",
    )
    assert result.posted_at == datetime(2006, 3, 21, 20, 50, 14, tzinfo=UTC)
    assert result.text == "just setting up my twttr"
    assert result.metrics == {
        "likes": 263922,
        "reposts": 123879,
        "replies": 15818,
        "quotes": 2886,
        "bookmarks": 10651,
    }
    assert result.media == [] and result.links == []
    assert result.url == "https://x.com/jack/status/20"


def test_graphql_video_best_mp4_and_m3u8() -> None:
    result = graphql("fxembed__TweetResultByRestId_1841206275088290279.json")
    assert result.author_handle == "DivineDropbear" and result.author_name == "Tranquility Found"
    assert result.posted_at == datetime(2024, 10, 1, 19, 59, 18, tzinfo=UTC)
    assert result.metrics["views"] == 4186
    (video,) = result.media
    assert video.url == (
        "https://video.twimg.com/ext_tw_video/1841204388993646595/pu/vid/avc1/1280x720/"
        "NRpzIavCR5W-jWFh.mp4?tag=12"
    )
    assert video.hls_url == (
        "https://video.twimg.com/ext_tw_video/1841204388993646595/pu/pl/"
        "-kd3cWye2HXbiTju.m3u8?tag=12&v=cfc"
    )
    assert (video.width, video.height) == (1920, 1080)
    assert video.preview_url == (
        "https://pbs.twimg.com/ext_tw_video_thumb/1841204388993646595/pu/img/KKN8tSQm60z2FmtE.jpg"
    )
    assert result.links[0].url == "https://t.co/RoMxHhAo9X" and result.links[0].kind == "media"


def test_graphql_three_photos_at_original_size() -> None:
    result = graphql("fxembed__TweetResultByRestId_1848831595014459513.json")
    assert result.author_handle == "SpaceX" and result.author_id == "34743251"
    assert [(m.kind, m.url, m.width, m.height) for m in result.media] == [
        ("photo", "https://pbs.twimg.com/media/GahebgHbEAEevTU.jpg?name=orig", 4096, 2304),
        ("photo", "https://pbs.twimg.com/media/GahecZ5aAAEX7GX.jpg?name=orig", 2529, 3793),
        ("photo", "https://pbs.twimg.com/media/GaheddqbsAAzGXg.jpg?name=orig", 4004, 2252),
    ]
    # The three media entities share one t.co link: listed once.
    assert [link.url for link in result.links] == ["https://t.co/iwmqCeF3tE"]
    assert result.metrics["views"] == 2366779


def test_graphql_quote_with_video() -> None:
    result = graphql("fxembed__TweetResultByRestId_1902059299591090335.json")
    assert result.author_handle == "carrionkid" and result.author_name == "harlow"
    assert result.posted_at == datetime(2025, 3, 18, 18, 7, 30, tzinfo=UTC)
    assert result.language == "zxx"
    assert result.quoted_post_id == "1900793157786255768"
    assert result.quoted_url == "https://x.com/__itzt3z/status/1900793157786255768"
    quoted = result.quoted
    assert quoted is not None and quoted.author_handle == "__itzt3z"
    assert quoted.text.startswith("the funniest tik toks be the ones they dont let you save")
    assert quoted.posted_at == datetime(2025, 3, 15, 6, 16, 18, tzinfo=UTC)
    assert result.media[0].url.endswith("/576x1280/yhSQqEJfEU8wapy2.mp4?tag=12")


def oembed_record(name: str) -> dict:
    return load_json("twitter-oembed", name)


def serve_oembed(web: FakeWeb, record: dict, status_url: str) -> None:
    headers = [(k, v) for k, values in record["headers"].items() for v in values]
    web.add(
        f"{OEMBED}?url={status_url}",
        record["body_raw"],
        status=record["status"],
        content_type=None,
        headers=headers,
    )


def test_oembed_fallback_when_syndication_fails(web: FakeWeb, config: PlatformConfig) -> None:
    web.add(SYNDICATION, "upstream error", status=500, content_type="text/plain")
    record = oembed_record("ruby-oembed__oembed_702136612822634496_via_twitter.com.json")
    serve_oembed(web, record, "https://twitter.com/RailsGirlsSoC/status/702136612822634496")
    result = fetch(web, "https://x.com/RailsGirlsSoC/status/702136612822634496", config)
    assert result.availability == "available" and result.source == "twitter.oembed"
    assert "twitter.syndication: HTTP 500" in result.notes
    assert result.author_name == "Rails Girls Summer of Code"
    assert result.author_handle == "RailsGirlsSoC"
    assert result.text == (
        "Our 2016 fundraising campaign is now open!! Let’s make another amazing summer "
        "happen!✨💜💪💚✨👉 https://t.co/R8Jg36xaQx pic.twitter.com/mIwKR0fzGR"
    )
    assert result.language == "en"
    assert [(link.url, link.display_url, link.kind) for link in result.links] == [
        ("https://t.co/R8Jg36xaQx", "https://t.co/R8Jg36xaQx", "link"),
        ("https://t.co/mIwKR0fzGR", "pic.twitter.com/mIwKR0fzGR", "media"),
    ]
    assert result.extra["posted_date"] == "2016-02-23"
    assert result.posted_at.date() == date(2016, 2, 23)  # from the Snowflake id
    oembed_raw = result.raw[-1]
    assert oembed_raw.body == record["body_raw"].encode("utf-8")
    assert ("server", "tsa_a") in oembed_raw.headers


def test_oembed_pre_snowflake_tweet_keeps_only_the_day(
    web: FakeWeb, config: PlatformConfig
) -> None:
    web.add(SYNDICATION, "{}", status=503, content_type="application/json")
    record = oembed_record("ruby-oembed__oembed_71633762_via_twitter.com.json")
    serve_oembed(web, record, "https://twitter.com/bpoweski/status/71633762")
    result = fetch(web, "https://www.twitter.com/bpoweski/status/71633762", config)
    assert (result.author_name, result.author_handle) == ("Ben Poweski", "bpoweski")
    assert result.text == "working on my Ruby Security book"
    assert result.posted_at is None
    assert result.extra["posted_date"] == "2007-05-20"


def test_x_interstitial_is_recognised(web: FakeWeb, config: PlatformConfig) -> None:
    """Syndication down, oEmbed refuses: the status page a plain client gets is the interstitial."""
    web.add(SYNDICATION, "down", status=502, content_type="text/plain")
    error = oembed_record("ruby-oembed__oembed_error_400_format_xml.json")
    serve_oembed(web, error, "https://twitter.com/pepephone/status/436461658601713664")
    page = load_json(
        "twitter-status-pages",
        "oscarotero-embed__twitter.com_pepephone_436461658601713664_2024_redirect_to_x.json",
    )
    location = page["headers"]["location"][0]
    web.add(
        "https://twitter.com/pepephone/status/436461658601713664",
        "",
        status=302,
        headers=[("Location", location)],
    )
    web.add(location, page["body"], content_type=page["headers"]["content-type"][1])
    result = fetch(web, "https://twitter.com/pepephone/status/436461658601713664", config)
    assert result.availability == "unknown"
    assert "interstitial" in result.availability_reason
    page_raw = result.raw[-1]
    assert page_raw.name == "twitter.status_page"
    assert page_raw.final_url == "https://x.com/pepephone/status/436461658601713664"
    assert page_raw.redirects[0]["status"] == 302
    assert page_raw.redirects[0]["location"] == location
    assert any("HTTP 400" in note and "xml not implemented" in note for note in result.notes)
    assert result.text is None


def test_oembed_via_x_redirect_record(web: FakeWeb, config: PlatformConfig) -> None:
    """publish.x.com answered with a 302 to publish.twitter.com; the final body is replayed."""
    record = oembed_record(
        "oscarotero-embed__publish.x.com_oembed_436461658601713664_redirect.json"
    )
    web.add(SYNDICATION, "", status=500, content_type="text/plain")
    web.add(
        "https://publish.x.com/oembed",
        "",
        status=302,
        headers=[("Location", record["headers"]["location"][0])],
    )
    final = record["headers"]["location"][0]
    web.add(final, record["body"], content_type="application/json; charset=utf-8")
    config = PlatformConfig.load({"twitter_oembed_url": "https://publish.x.com/oembed"}, env={})
    result = fetch(web, "https://twitter.com/pepephone/status/436461658601713664", config)
    assert result.author_name == "Pepephone" and result.author_handle == "pepephone"
    assert result.language == "es"
    assert result.text == "RT @PabloHerreros Pepephone rompe la baraja - http://t.co/mFn7mcB1vy"
    assert [link.url for link in result.links] == ["http://t.co/mFn7mcB1vy"]
    assert result.extra["posted_date"] == "2014-02-20"
    assert result.raw[-1].redirects[0]["status"] == 302


def vx_case(name: str) -> dict:
    cases = load_json("vxtwitter-api", "bettertwitfix__vx_testdata.json")["cases"]
    return next(c for c in cases if c["name"] == name)


@pytest.mark.parametrize(
    "name", ["testMediaTweet", "testQRTTweet", "testMixedMediaTweet", "testVideoTweet"]
)
def test_vxtwitter_api(web: FakeWeb, name: str) -> None:
    case = vx_case(name)
    body = case["expected_vxtwitter_api_subset"]
    post_id = body["tweetID"]
    web.add(SYNDICATION, "", status=500, content_type="text/plain")
    web.add(
        f"https://api.vxtwitter.com/Twitter/status/{post_id}",
        json.dumps(body),
        content_type="application/json",
    )
    config = PlatformConfig.load(
        {}, env={"EVIDENCE_TWITTER_API_URL": "https://api.vxtwitter.com/Twitter"}
    )
    result = fetch(web, case["tweet_url"], config)
    assert result.availability == "available" and result.source == "twitter.api"
    assert result.post_id == post_id
    assert result.text == body["text"]
    assert result.posted_at == datetime.fromtimestamp(body["date_epoch"], UTC)
    assert result.language == body["lang"]
    assert result.reply_to_id == body["replyingToID"]
    assert result.quoted_url == body["qrtURL"]
    assert [m.kind for m in result.media] == [
        {"image": "photo", "video": "video", "gif": "gif"}[m["type"]]
        for m in body["media_extended"]
    ]
    for item, media in zip(result.media, body["media_extended"], strict=True):
        assert item.url.split("?")[0] == media["url"]
        assert (item.width, item.height) == (media["size"]["width"], media["size"]["height"])
    assert "twitter.oembed" not in [raw.name for raw in result.raw]


def test_vxtwitter_quote_id_and_reply() -> None:
    from collector.platforms.twitter_parse import parse_api

    body = vx_case("testQRTTweet")["expected_vxtwitter_api_subset"]
    result = PlatformResult(platform="twitter", url="https://x.com/i/status/0")
    parse_api(body, result)
    assert result.quoted_post_id == "1518309187515781125"
    assert (result.reply_to_handle, result.reply_to_id) == ("pdxdylan", "1611476665821003776")
