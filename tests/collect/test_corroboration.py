"""The vantage comparison as pure functions, and the proxy URL redaction, without a browser."""

import asyncio

import httpx
import pytest

from archive.errors import EvidenceError
from collector.capture.settings import CaptureSettings, redacted_proxy
from collector.collect.corroboration import (
    SIMILAR_PHASH_DISTANCE,
    Observation,
    compare,
    observe,
    phash_distance,
)
from collector.collect.vantage import (
    is_vantage_capture,
    seen_exit_ip,
    vantage_rows,
    vantage_settings,
)

POST = {
    "id": "post_1",
    "capture_id": "cap_1",
    "platform": "twitter",
    "post_id": "20",
    "text": "just setting up my twttr",
    "author_handle": "jack",
    "author_name": "jack",
    "availability": "available",
}
SAME_PICTURE = "c3c33c3c3c3cc3c3"
OTHER_PICTURE = "3c3cc3c3c3c33c3c"  # every bit flipped


def _artifacts(html: str = "a" * 64, phash: str = SAME_PICTURE, media: tuple[str, ...] = ()):
    def shot(role: str, sha: str, value: str) -> dict:
        return {"role": role, "blob_sha256": sha, "details": {"image": {"phash": value}}}

    rows = [
        {"role": "server-html", "blob_sha256": html, "details": {}},
        shot("screenshot-full", "f" * 64, "0"),
        shot("screenshot-viewport", "e" * 64, phash),
    ]
    rows += [{"role": "media", "blob_sha256": sha, "details": {}} for sha in media]
    return rows


def _observe(capture_id: str = "cap_1", post=POST, **kwargs) -> Observation:
    return observe(capture_id, "complete", _artifacts(**kwargs), post)


def test_identical_captures_agree_on_everything() -> None:
    result = compare(_observe(media=("1" * 64,)), _observe("cap_2", media=("1" * 64,)))
    assert result["agrees"] is True
    assert result["post"]["agrees"] is True and result["post"]["differences"] == []
    assert result["server_html"] == {
        "agrees": True, "main": "a" * 64, "vantage": "a" * 64, "note": None, "differences": []
    }  # fmt: skip
    assert result["screenshot_phash_distance"] == 0
    assert result["screenshot"]["agrees"] is True
    assert "screenshot-viewport" in result["screenshot"]["note"], "the viewport shot is compared"


def test_different_text_media_html_and_picture_disagree() -> None:
    other_post = {**POST, "text": "a different text for this region"}
    main = _observe(media=("1" * 64, "2" * 64))
    vantage = _observe("cap_2", other_post, html="b" * 64, phash=OTHER_PICTURE, media=("1" * 64,))
    result = compare(main, vantage)
    assert result["agrees"] is False
    assert result["post"]["differences"] == ["text", "media_sha256"]
    assert result["post"]["main"]["media_sha256"] == ["1" * 64, "2" * 64]
    assert result["server_html"]["agrees"] is False
    assert result["screenshot_phash_distance"] == 64
    assert result["screenshot"]["agrees"] is False


def test_media_order_does_not_matter_but_the_set_does() -> None:
    first = _observe(media=("2" * 64, "1" * 64))
    second = _observe("cap_2", media=("1" * 64, "2" * 64, "2" * 64))
    assert compare(first, second)["post"]["agrees"] is True


def test_phash_distance_threshold_is_inclusive() -> None:
    near = f"{int(SAME_PICTURE, 16) ^ (2**SIMILAR_PHASH_DISTANCE - 1):016x}"
    assert phash_distance(SAME_PICTURE, near) == SIMILAR_PHASH_DISTANCE
    assert compare(_observe(), _observe("cap_2", phash=near))["screenshot"]["agrees"] is True
    farther = f"{int(near, 16) ^ (1 << 63):016x}"
    assert compare(_observe(), _observe("cap_2", phash=farther))["screenshot"]["agrees"] is False


def test_failed_vantage_is_not_comparable_rather_than_agreeing() -> None:
    result = compare(_observe(), Observation(None, "failed"))
    assert result["agrees"] is None
    assert result["post"]["agrees"] is None and "one capture" in result["post"]["note"]
    assert result["server_html"]["agrees"] is None
    assert result["screenshot_phash_distance"] is None


def test_a_page_without_post_data_is_compared_on_html_and_screenshot() -> None:
    result = compare(_observe(post=None), _observe("cap_2", post=None, html="c" * 64))
    assert result["post"]["agrees"] is None and "either capture" in result["post"]["note"]
    assert result["agrees"] is False, "the HTML differs even though the screenshots agree"


def test_rejected_screenshot_falls_back_to_the_full_page_shot() -> None:
    rows = _artifacts()
    rows[2]["details"] = {"image_rejected": "corrupt image"}
    observed = observe("cap_1", "complete", rows[:2] + rows[3:], POST)
    assert observed.screenshot_role == "screenshot-full" and observed.screenshot_phash == "0"
    no_image = observe("cap_1", "complete", [rows[2]], POST)
    assert no_image.screenshot_phash is None and no_image.screenshot_role is None


def test_vantage_rows_summarise_a_payload() -> None:
    payload = {
        "capture_id": "cap_1",
        "vantage_capture_id": "cap_2",
        "vantage": {"proxy": "socks5://127.0.0.1:9050", "exit_ip": None},
        "vantage_status": "complete",
        "vantage_reason": None,
        "comparison": compare(_observe(), _observe("cap_2", html="b" * 64)),
    }
    [row] = vantage_rows([payload])
    assert row == {
        "corroborates": "cap_1",
        "proxy": "socks5://127.0.0.1:9050",
        "exit_ip": None,
        "capture_id": "cap_2",
        "status": "complete",
        "reason": None,
        "agrees": False,
        "post_agrees": True,
        "server_html_equal": False,
        "screenshot_phash_distance": 0,
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:s3cret@proxy.example:8080", "http://proxy.example:8080"),
        ("socks5h://only-user@10.0.0.1:1080", "socks5h://10.0.0.1:1080"),
        ("socks5://u:p%40ss@[::1]:1080/", "socks5://[::1]:1080/"),
        ("http://proxy.example:3128", "http://proxy.example:3128"),
        (None, None),
    ],
)
def test_proxy_credentials_are_removed(url: str | None, shown: str | None) -> None:
    assert redacted_proxy(url) == shown
    settings = CaptureSettings(proxy=url)
    assert settings.as_dict()["proxy"] == shown, "recorded settings never carry the secret"
    assert settings.proxy == url, "the live settings keep it, to authenticate"


def test_vantage_settings_refuse_unusable_proxies() -> None:
    base = CaptureSettings(timeout_s=7.0)
    [chosen] = vantage_settings(base, [" socks5://127.0.0.1:9050 "])
    assert chosen.proxy == "socks5://127.0.0.1:9050" and chosen.timeout_s == 7.0
    for bad in ("ftp://proxy.example:21", "", "127.0.0.1:8080"):
        with pytest.raises(EvidenceError):
            vantage_settings(base, [bad])


def _echo(status: int, body: bytes) -> dict:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))

    async def ask() -> dict:
        async with httpx.AsyncClient(transport=transport) as client:
            return await seen_exit_ip(client, "https://echo.example/ip")

    return asyncio.run(ask())


def test_exit_ip_is_recorded_only_when_the_echo_gives_an_address() -> None:
    assert _echo(200, b"203.0.113.7\n") == {
        "exit_ip": "203.0.113.7", "exit_ip_source": "https://echo.example/ip"
    }  # fmt: skip
    assert _echo(200, b"2001:db8::1")["exit_ip"] == "2001:db8::1"
    for status, body in ((200, b"<html>hello</html>"), (500, b"203.0.113.7"), (200, b"1" * 500)):
        answer = _echo(status, body)
        assert answer["exit_ip"] is None and "echo.example" in answer["exit_ip_error"], body
    assert asyncio.run(seen_exit_ip(httpx.AsyncClient(), None)) == {"exit_ip": None}


def test_only_captures_with_vantage_details_are_vantage_captures() -> None:
    assert is_vantage_capture({"vantage": {"proxy": "http://127.0.0.1:1", "corroborates": "c"}})
    assert not is_vantage_capture({"title": "x", "queue_job": 3})
    assert not is_vantage_capture(None) and not is_vantage_capture({"vantage": None})
