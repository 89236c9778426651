"""Telegram: the real t.me post pages (metascraper fixtures) and the embed widget markup.

No real `?embed=1` widget body or `t.me/s/` page is stored anywhere we could find (see the
shared fixture README), so the widget tests use a small hand-written page in Telegram's
documented widget markup (class names as public scrapers read them); it is marked as such.
"""

from datetime import UTC, datetime

from collector.platforms.config import PlatformConfig
from collector.platforms.result import PlatformResult
from collector.platforms.telegram import TelegramAdapter, parse_count, parse_post_page
from tests.platforms.conftest import fixture_path, run
from tests.platforms.fakeweb import FakeWeb

# HAND-WRITTEN test input in the widget's markup; not a recorded response.
WIDGET = """<!DOCTYPE html><html><body class="widget_frame_base tgme_widget body_widget_post">
<div class="tgme_widget_message text_not_supported_wrap js-widget_message"
 data-post="teslahunt/15513">
 <div class="tgme_widget_message_bubble">
  <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
   href="https://t.me/teslahunt"><span dir="auto">Tesla Hunt</span></a></div>
  <div class="tgme_widget_message_forwarded_from accent_color">Forwarded from
   <a class="tgme_widget_message_forwarded_from_name" href="https://t.me/other">Other</a></div>
  <a class="tgme_widget_message_photo_wrap" href="https://t.me/teslahunt/15513?single"
   style="width:800px;background-image:url('https://cdn4.telesco.pe/file/photo1.jpg')"></a>
  <div class="tgme_widget_message_text js-message_text" dir="auto">First line<br/>see <a
   href="https://example.org/story" target="_blank">example.org/story</a></div>
  <video src="https://cdn4.telesco.pe/file/clip.mp4"
   class="tgme_widget_message_video js-message_video"></video>
  <div class="tgme_widget_message_footer compact js-message_footer">
   <div class="tgme_widget_message_info short js-message_info">
    <span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views</span>
    <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
     href="https://t.me/teslahunt/15513"><time datetime="2023-11-02T09:15:00+00:00"
     class="time">09:15</time></a></span>
   </div></div></div></div></body></html>"""


def fetch(web: FakeWeb, url: str) -> PlatformResult:
    async def go() -> PlatformResult:
        async with web.client() as client:
            return await TelegramAdapter(PlatformConfig.load({}, env={})).fetch(url, client)

    return run(go())


def page(name: str) -> str:
    return fixture_path("telegram", name).read_text(encoding="utf-8")


def test_url_patterns() -> None:
    found = TelegramAdapter.match("https://t.me/s/teslahunt/15513")
    assert found and (found.handle, found.post_id) == ("teslahunt", "teslahunt/15513")
    assert TelegramAdapter.suitable("https://t.me/chollometro/28542?start=1")
    assert not TelegramAdapter.suitable("https://t.me/unlimitedhangout")
    assert not TelegramAdapter.suitable("https://t.co/d0rwf2dLIp")


def test_parse_count() -> None:
    assert parse_count("845") == 845
    assert parse_count("1.2K") == 1200
    assert parse_count("3.4M") == 3_400_000
    assert parse_count("n/a") is None


def test_post_page_meta_tags() -> None:
    result = PlatformResult(platform="telegram", url="https://t.me/chollometro/28542")
    parse_post_page(page("metascraper__post-full-image.html"), result)
    assert result.availability == "available"
    assert (result.author_handle, result.post_id, result.author_name) == (
        "chollometro",
        "28542",
        "Chollometro",
    )
    assert result.media[0].url.startswith(
        "https://cdn4.cdn-telegram.org/file/TCxq-MH8MaWFvsSAU2I5i2"
    )
    assert result.extra["embed_url"] == "https://t.me/chollometro/28542?embed=1&mode=tme"


def test_channel_page_is_not_a_post() -> None:
    result = PlatformResult(platform="telegram", url="https://t.me/unlimitedhangout")
    parse_post_page(page("metascraper__channel.html"), result)
    assert result.availability == "unknown"


def test_embed_widget(web: FakeWeb) -> None:
    web.add("https://t.me/teslahunt/15513?embed=1&mode=tme", WIDGET)
    result = fetch(web, "https://t.me/teslahunt/15513")
    assert result.source == "telegram.embed" and result.availability == "available"
    assert (result.author_handle, result.author_name, result.post_id) == (
        "teslahunt",
        "Tesla Hunt",
        "15513",
    )
    assert result.text == "First line\nsee example.org/story"
    assert result.posted_at == datetime(2023, 11, 2, 9, 15, tzinfo=UTC)
    assert result.metrics == {"views_text": "1.2K", "views": 1200}
    assert [(m.kind, m.url) for m in result.media] == [
        ("photo", "https://cdn4.telesco.pe/file/photo1.jpg"),
        ("video", "https://cdn4.telesco.pe/file/clip.mp4"),
    ]
    assert [link.url for link in result.links] == ["https://example.org/story"]
    assert result.extra["forwarded_from"] == "Other"
    assert [raw.name for raw in result.raw] == ["telegram.embed"]


def test_falls_back_to_the_real_post_page(web: FakeWeb) -> None:
    web.add("https://t.me/teslahunt/2351?embed=1", "busy", status=503, content_type="text/plain")
    web.add("https://t.me/teslahunt/2351", page("metascraper__post-right-preview.html"))
    result = fetch(web, "https://t.me/teslahunt/2351")
    assert result.source == "telegram.post_page"
    assert result.author_name == "Tesla Hunt" and result.post_id == "2351"
    assert result.availability == "available"
    assert result.availability_reason == "read from the post page's meta tags only"
    assert "telegram.embed: HTTP 503" in result.notes
    assert [raw.name for raw in result.raw] == [
        "telegram.embed",
        "telegram.channel_preview",
        "telegram.post_page",
    ]


def test_private_channel_post_is_taken_and_not_requested(web: FakeWeb) -> None:
    url = "https://t.me/c/1234567/89"
    assert TelegramAdapter.suitable(url), "a post to the extractor is a post to the adapter"
    result = fetch(web, url)
    assert (result.url, result.post_id, result.author_handle) == (url, "89", None)
    assert result.availability == "unknown" and result.raw == []
    assert result.extra["private_chat_id"] == "1234567"
    assert any("only their members can read" in note for note in result.notes)
