"""Generic pages, Bluesky, yt-dlp (real library against a loopback page), registry, config."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from yt_dlp.utils import DownloadError

from archive.errors import EvidenceError
from collector.platforms.bluesky import BlueskyAdapter
from collector.platforms.config import PlatformConfig
from collector.platforms.generic import GenericAdapter
from collector.platforms.registry import adapter_for
from collector.platforms.result import PlatformResult
from collector.platforms.twitter_parse import parse_status_page
from collector.platforms.ytdlp import YtdlpAdapter, classify_error
from tests.platforms.conftest import fixture_path, load_json, run
from tests.platforms.fakeweb import FakeWeb

VERGE = (
    "https://www.theverge.com/2019/7/3/20680681/"
    "ios-13-beta-3-facetime-attention-correction-eye-contact"
)


def fetch(web: FakeWeb, adapter, url: str) -> PlatformResult:
    async def go() -> PlatformResult:
        async with web.client() as client:
            return await adapter.fetch(url, client)

    return run(go())


def test_generic_news_page(web: FakeWeb, config: PlatformConfig) -> None:
    html = fixture_path("news-articles-embedding-tweets", "trafilatura__theverge.com.ios13.html")
    web.add(VERGE, html.read_bytes())
    result = fetch(web, GenericAdapter(config), VERGE)
    assert result.availability == "available" and result.platform == "generic"
    assert result.author_name == "Jon Porter"
    assert result.posted_at == datetime(2019, 7, 3, 8, 22, 7, tzinfo=UTC)
    assert result.text == "Fake eye contact for improved intimacy"
    assert result.extra["title"] == "iOS 13 will fix the FaceTime eye contact problem"
    assert result.extra["site_name"] == "The Verge"
    assert result.extra["twitter_card"]["twitter:card"] == "summary_large_image"
    assert result.extra["json_ld"][0]["@type"] == "NewsArticle"
    assert [m.url for m in result.media] == [
        "https://cdn.vox-cdn.com/thumbor/E3Z7nv0iFjl6ztUEK-xF1QWI2rc=/0x146:2040x1214/fit-in/"
        "1200x630/cdn.vox-cdn.com/uploads/chorus_asset/file/13721811/DSCF2931.jpg",
        "https://cdn.vox-cdn.com/thumbor/20-i7AIyQ5ky3jKvLrgf_0UjUds=/0x170:2040x1190/fit-in/"
        "1200x600/cdn.vox-cdn.com/uploads/chorus_asset/file/13721811/DSCF2931.jpg",
    ]
    assert result.links[0].kind == "canonical" and result.links[0].url == VERGE
    assert result.raw[0].sha256 == hashlib.sha256(html.read_bytes()).hexdigest()


def test_generic_reports_the_x_interstitial(web: FakeWeb, config: PlatformConfig) -> None:
    record = load_json(
        "twitter-status-pages",
        "oscarotero-embed__twitter.com_pepephone_436461658601713664_2024_redirect_to_x.json",
    )
    web.add("https://example.org/x-page", record["body"])
    result = fetch(web, GenericAdapter(config), "https://example.org/x-page")
    assert result.availability == "unknown"
    assert "migrate interstitial" in result.availability_reason


def test_generic_not_found(web: FakeWeb, config: PlatformConfig) -> None:
    result = fetch(web, GenericAdapter(config), "https://example.org/gone")
    assert result.availability == "not_found" and result.availability_reason == "HTTP 404"


def test_x_status_page_meta_tags() -> None:
    path = fixture_path(
        "twitter-status-pages", "metascraper__x.com_UaSmart_934106870834454529_image.html"
    )
    result = PlatformResult(
        platform="twitter", url="https://x.com/UaSmart/status/934106870834454529"
    )
    parse_status_page(path.read_text(encoding="utf-8"), result)
    assert result.availability == "available"
    assert (result.author_name, result.author_handle) == ("SmartUA", "UaSmart")
    assert result.text == (
        "Y terminamos el dia con Cultura de empresa con @patoroco, @flopezluis, Katia, "
        "Angélica en @codemotion_es #codemotion2017"
    )
    assert result.extra["og_image"] == "https://pbs.twimg.com/media/DPadOKpXcAIL-NW.jpg:large"


def test_bluesky_thread(web: FakeWeb, config: PlatformConfig) -> None:
    body = load_json("bluesky", "fxembed__thread-single.json")
    web.add(
        "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
        "?uri=at://author.test/app.bsky.feed.post/rkeymain",
        json.dumps(body),
        content_type="application/json",
    )
    url = "https://bsky.app/profile/author.test/post/rkeymain"
    result = fetch(web, BlueskyAdapter(config), url)
    assert result.availability == "available" and result.source == "bluesky.getPostThread"
    assert (result.author_handle, result.author_name, result.author_id) == (
        "author.test",
        "Author",
        "did:plc:test111",
    )
    assert result.post_id == "rkeymain"
    assert result.text == "Hello world"
    assert result.posted_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert result.language == "en"
    assert result.metrics == {"likes": 2, "reposts": 1, "replies": 3, "quotes": 0}
    assert result.extra["cid"] == "bafycidmain"


def test_bluesky_not_found(web: FakeWeb, config: PlatformConfig) -> None:
    web.add(
        "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread",
        '{"error":"NotFound","message":"Post not found: at://a.test/app.bsky.feed.post/x"}',
        status=400,
        content_type="application/json",
    )
    result = fetch(web, BlueskyAdapter(config), "https://bsky.app/profile/a.test/post/x")
    assert result.availability == "not_found"
    assert result.availability_reason.startswith("Post not found")


CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20
PAGE = (
    '<html><head><meta property="og:title" content="A clip"></head><body>'
    '<video src="/media/clip.mp4" width="320" height="240"></video></body></html>'
)


@pytest.fixture
def video_site(web: FakeWeb) -> FakeWeb:
    # yt-dlp does its own HTTP, so the pages are served on the loopback address itself.
    web.add("http://127.0.0.1/watch", PAGE)
    web.add("http://127.0.0.1/media/clip.mp4", CLIP, content_type="video/mp4")
    return web


def test_ytdlp_metadata_from_a_loopback_page(video_site: FakeWeb) -> None:
    adapter = YtdlpAdapter(PlatformConfig.load({"ytdlp_timeout": 60}, env={}))
    result = run(adapter.fetch(video_site.base_url + "/watch"))
    assert result.availability == "available"
    assert result.platform == "video" and result.source.startswith("ytdlp.")
    assert result.text.startswith("A clip")
    (media,) = result.media
    assert media.kind == "video" and media.url == video_site.base_url + "/media/clip.mp4"
    info = result.raw[0]
    assert info.name == "ytdlp.info" and info.status == 0
    assert info.json()["webpage_url"] == video_site.base_url + "/watch"


def test_ytdlp_download_within_limits(video_site: FakeWeb) -> None:
    adapter = YtdlpAdapter(PlatformConfig.load({"ytdlp_timeout": 60}, env={}))
    got = run(adapter.download_video(video_site.base_url + "/watch"))
    assert got.data == CLIP
    assert got.sha256 == hashlib.sha256(CLIP).hexdigest()
    assert got.media_type == "video/mp4"


def test_ytdlp_download_over_size_limit(video_site: FakeWeb) -> None:
    small = PlatformConfig.load({"ytdlp_timeout": 60, "ytdlp_max_bytes": 1000}, env={})
    with pytest.raises(DownloadError, match="wrote no file"):
        run(YtdlpAdapter(small).download_video(video_site.base_url + "/watch"))


def test_ytdlp_missing_page_is_not_found(web: FakeWeb) -> None:
    adapter = YtdlpAdapter(PlatformConfig.load({"ytdlp_timeout": 60}, env={}))
    result = run(adapter.fetch(web.base_url + "/missing"))
    assert result.availability == "not_found"
    assert "HTTP Error 404" in result.availability_reason


def test_ytdlp_error_wording() -> None:
    assert (
        classify_error("[youtube] abc: Private video. Sign in if you've been granted access")
        == "protected"
    )
    assert (
        classify_error("Sign in to confirm your age. This video may be inappropriate")
        == "age_restricted"
    )
    assert classify_error("This video has been removed by the uploader") == "deleted"
    assert classify_error("something else") == "unknown"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://twitter.com/jack/status/20", "twitter"),
        ("https://t.me/durov/42", "telegram"),
        ("https://bsky.app/profile/a.test/post/3k", "bluesky"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "ytdlp"),
        ("https://youtu.be/dQw4w9WgXcQ", "ytdlp"),
        ("https://www.tiktok.com/@user/video/7100000000000000000", "ytdlp"),
        ("https://www.instagram.com/p/Cabc123/", "ytdlp"),
        ("https://www.reddit.com/r/pics/comments/abc123/title/", "ytdlp"),
        ("https://vk.com/video-12345_67890", "ytdlp"),
        ("https://www.facebook.com/watch?v=123", "ytdlp"),
        ("https://example.org/article", "generic"),
        ("https://x.com/jack", "generic"),
    ],
)
def test_registry(url: str, name: str) -> None:
    assert adapter_for(url, PlatformConfig()).name == name


def test_config_precedence_and_errors() -> None:
    section = {"twitter_syndication_url": "http://mirror.test/", "media_max_bytes": 10}
    env = {"EVIDENCE_TWITTER_SYNDICATION_URL": "http://env.test", "EVIDENCE_YTDLP_TIMEOUT": "5"}
    config = PlatformConfig.load(section, env=env)
    assert config.twitter_syndication_url == "http://env.test"
    assert config.media_max_bytes == 10 and config.ytdlp_timeout == 5.0
    assert PlatformConfig.load(
        {"twitter_oembed_url": "http://o.test/oembed/"}, env={}
    ).twitter_oembed_url == ("http://o.test/oembed")
    with pytest.raises(EvidenceError, match="media_max_bytes must be a number"):
        PlatformConfig.load({}, env={"EVIDENCE_MEDIA_MAX_BYTES": "lots"})
    with pytest.raises(EvidenceError, match="must be positive"):
        PlatformConfig.load({"image_max_pixels": 0}, env={})


def test_syndication_base_url_from_config(web: FakeWeb) -> None:
    from collector.platforms.twitter import TwitterAdapter

    web.add(
        "http://mirror.test/sub/tweet-result?id=20",
        '{"__typename":"TweetTombstone"}',
        content_type="application/json",
    )
    config = PlatformConfig.load(
        {}, env={"EVIDENCE_TWITTER_SYNDICATION_URL": "http://mirror.test/sub"}
    )
    result = fetch(web, TwitterAdapter(config), "https://twitter.com/jack/status/20")
    assert result.raw[0].url.startswith("http://mirror.test/sub/tweet-result?id=20&")
    assert "token=6dq1a2xwd93" in result.raw[0].url
