"""The status page's og:image becomes the post's photo at original size."""

from pathlib import Path

from collector.platforms.result import PlatformResult
from collector.platforms.twitter_parse import parse_status_page

PAGES = Path(__file__).parents[1] / "fixtures" / "twitter-status-pages"


def test_status_page_photo_at_original_size() -> None:
    html = (PAGES / "metascraper__x.com_UaSmart_934106870834454529_image.html").read_text()
    result = PlatformResult(
        platform="twitter", url="https://x.com/UaSmart/status/934106870834454529"
    )
    parse_status_page(html, result)
    assert [(m.kind, m.url) for m in result.media] == [
        ("photo", "https://pbs.twimg.com/media/DPadOKpXcAIL-NW.jpg?name=orig")
    ]


def test_gif_page_keeps_its_still_frame() -> None:
    html = (PAGES / "metascraper__x.com_Kikobeats_880139124791029763_gif.html").read_text()
    result = PlatformResult(
        platform="twitter", url="https://x.com/Kikobeats/status/880139124791029763"
    )
    parse_status_page(html, result)
    assert result.author_handle == "Kikobeats"
    assert [(m.kind, m.url) for m in result.media] == [
        ("photo", "https://pbs.twimg.com/tweet_video_thumb/DDbh3WCXYAAZfz9.jpg?name=orig")
    ]
