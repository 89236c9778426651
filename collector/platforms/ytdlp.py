"""Video platforms through yt-dlp used as a library: YouTube, TikTok, Instagram, Facebook,
Reddit, VK, Vimeo and Dailymotion.

Which URLs it takes is yt-dlp's own knowledge: the `suitable()` of the single-video extractors
named in `EXTRACTORS` (never the Generic extractor, which would claim every page; channel,
user and playlist extractors are left out, so a profile is captured as a page, not crawled).
A URL is also taken when its canonical form (`collector.sites`) is suitable: `watch?v=…&list=…`
is the video. yt-dlp is imported on first use (it is slow to import and the CLI must start
fast).

yt-dlp does its own networking (the httpx client is not used; a proxy is given with
`proxy=`). Metadata and the media file are separate steps: `fetch` reads the info dict,
`download_video` fetches the file under the size and time limits of the config. The info dict
(sanitized JSON) is kept as a raw response named `ytdlp.info` (status 0: not an HTTP answer).

Logged in (`self.session`, set by the acquirer when the capture uses a session), the session's
cookies for its hosts are put into yt-dlp's own cookie jar in memory (`set_cookie` on
`YoutubeDL.cookiejar`); no cookies file is ever written, not even a temporary one. yt-dlp
then sends them as a browser would (by domain, path and `Secure`), its extractors read them
(Instagram's CSRF token), and echoes them into the info dict (each format's `cookies` field).
Every value in the jar after the fetch, those the site set included, is left in
`seen_secrets` for the acquirer to scrub the stored data with (`collect/sessions.py`).
"""

import asyncio
import hashlib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from http.cookiejar import Cookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from archive.timeutil import utcnow
from archive.vocabulary import Availability
from collector.platforms.base import Adapter
from collector.platforms.config import PlatformConfig
from collector.platforms.result import DownloadedMedia, MediaItem, PlatformResult, RawResponse
from collector.sites.classify import classify_url
from collector.sites.registry import VIDEO_REDIRECT_HOSTS

if TYPE_CHECKING:
    from yt_dlp import YoutubeDL
    from yt_dlp.extractor.common import InfoExtractor

EXTRACTORS = frozenset(
    {
        "Youtube",
        "TikTok",
        "TikTokVM",
        "Instagram",
        "Facebook",
        "FacebookReel",
        "Reddit",
        "VK",
        "Vimeo",
        "Dailymotion",
    }
)
"""yt-dlp extractor keys (`ie_key()`) whose URLs this adapter takes."""

PLATFORMS = {
    "youtube": "youtube",
    "youtubetab": "youtube",
    "tiktok": "tiktok",
    "instagram": "instagram",
    "facebook": "facebook",
    "facebookreel": "facebook",
    "reddit": "reddit",
    "vk": "vk",
    "vimeo": "vimeo",
    "dailymotion": "dailymotion",
}

# yt-dlp error wording → availability (first match wins).
_ERRORS = (
    ("private video", Availability.PROTECTED),
    ("this account is private", Availability.PROTECTED),
    ("confirm your age", Availability.AGE_RESTRICTED),
    ("age-restricted", Availability.AGE_RESTRICTED),
    ("inappropriate for some users", Availability.AGE_RESTRICTED),
    ("terminated", Availability.SUSPENDED),
    ("suspended", Availability.SUSPENDED),
    ("not available in your country", Availability.WITHHELD),
    ("geo restrict", Availability.WITHHELD),
    ("removed by the uploader", Availability.DELETED),
    ("has been removed", Availability.DELETED),
    ("video unavailable", Availability.DELETED),
    ("http error 404", Availability.NOT_FOUND),
    ("unsupported url", Availability.NOT_FOUND),
)


@cache
def extractors() -> tuple[type["InfoExtractor"], ...]:
    """yt-dlp's extractor classes named in EXTRACTORS (imported once, on first use)."""
    from yt_dlp.extractor import gen_extractor_classes

    return tuple(ie for ie in gen_extractor_classes() if ie.ie_key() in EXTRACTORS)


class _Log:
    """yt-dlp logger that keeps messages instead of printing them (errors are raised anyway)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def debug(self, message: str) -> None:
        self.messages.append(message)

    info = warning = error = debug


class YtdlpAdapter(Adapter):
    """Video pages of the platforms yt-dlp supports."""

    name = "ytdlp"

    @classmethod
    def suitable(cls, url: str) -> bool:
        """True when one of yt-dlp's EXTRACTORS takes `url` or its canonical form, or `url` is
        a site's video redirect link (yt-dlp follows it to the extractor that takes the video)."""
        if (urlsplit(url.strip()).hostname or "").removeprefix("www.") in VIDEO_REDIRECT_HOSTS:
            return True
        info = classify_url(url.strip())
        canonical = info.canonical_url if info is not None else None
        candidates = [url.strip()] + ([canonical] if canonical else [])
        return any(ie.suitable(u) for ie in extractors() for u in candidates)

    def __init__(self, config: PlatformConfig | None = None, proxy: str | None = None) -> None:
        super().__init__(config)
        self.proxy = proxy

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "skip_download": True,
            "noplaylist": True,
            "socket_timeout": min(60.0, self.config.ytdlp_timeout),
            "max_filesize": self.config.ytdlp_max_bytes,
            "cachedir": False,
            "logger": _Log(),
        }
        if self.proxy:
            options["proxy"] = self.proxy
        return options

    @contextmanager
    def _ydl(self, options: dict[str, Any]) -> Iterator["YoutubeDL"]:
        """A YoutubeDL with the session's cookies in its jar (in memory only); every value
        given and every value the jar holds at the end is added to `seen_secrets`."""
        import yt_dlp

        with yt_dlp.YoutubeDL(options) as ydl:
            for cookie in self.session.scoped_cookies() if self.session else []:
                given = jar_cookie(cookie)
                ydl.cookiejar.set_cookie(given)
                self.seen_secrets.add(given.value or "")
            try:
                yield ydl
            finally:
                if self.session is not None:
                    self.seen_secrets.update(c.value or "" for c in ydl.cookiejar)
                    self.seen_secrets.discard("")

    def _extract(self, url: str) -> dict[str, Any]:
        with self._ydl(self._options()) as ydl:
            info = ydl.extract_info(url, download=False)
            return ydl.sanitize_info(info)

    async def fetch(self, url: str, client: httpx.AsyncClient | None = None) -> PlatformResult:
        from yt_dlp.utils import DownloadError

        result = PlatformResult(platform="video", url=url)
        fetched_at = utcnow()
        try:
            info = await asyncio.wait_for(
                asyncio.to_thread(self._extract, url), timeout=self.config.ytdlp_timeout
            )
        except TimeoutError:
            result.set_availability(
                Availability.UNKNOWN, f"yt-dlp took longer than {self.config.ytdlp_timeout}s"
            )
            return result
        except DownloadError as exc:
            message = str(exc).removeprefix("ERROR: ")
            result.set_availability(classify_error(message), message)
            return result
        result.raw.append(
            RawResponse(
                name="ytdlp.info",
                url=url,
                status=0,
                headers=[],
                body=json.dumps(info, ensure_ascii=False, sort_keys=True).encode("utf-8"),
                media_type="application/json",
                fetched_at=fetched_at,
                final_url=info.get("webpage_url"),
            )
        )
        map_info(info, result)
        return result

    def _download(self, url: str, folder: Path) -> tuple[Path, dict[str, Any]]:
        from yt_dlp.utils import DownloadError

        options = self._options() | {
            "skip_download": False,
            "outtmpl": str(folder / "media.%(ext)s"),
            "format": f"best[filesize<?{self.config.ytdlp_max_bytes}]/best",
        }
        with self._ydl(options) as ydl:
            info = ydl.sanitize_info(ydl.extract_info(url, download=True))
        files = [p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part")]
        if not files:
            raise DownloadError("yt-dlp wrote no file (over the size limit or no format)")
        return files[0], info

    async def download_video(self, url: str) -> DownloadedMedia:
        """Download the best single-file format of `url` within the configured limits.

        Raises DownloadError (yt-dlp's) or TimeoutError.
        """
        fetched_at = utcnow()
        with tempfile.TemporaryDirectory(prefix="evidence-ytdlp-") as tmp:
            path, info = await asyncio.wait_for(
                asyncio.to_thread(self._download, url, Path(tmp)),
                timeout=self.config.ytdlp_timeout,
            )
            data = path.read_bytes()
        return DownloadedMedia(
            url=url,
            final_url=info.get("url") or url,
            status=200,
            media_type=_media_type(info.get("ext")),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            fetched_at=fetched_at,
        )


def jar_cookie(cookie: dict[str, Any]) -> Cookie:
    """A Playwright cookie object as an `http.cookiejar.Cookie` (what yt-dlp's jar holds)."""
    domain = str(cookie.get("domain", ""))
    expires = cookie.get("expires")
    lasting = isinstance(expires, int | float) and expires > 0
    return Cookie(
        version=0,
        name=str(cookie["name"]),
        value=str(cookie.get("value", "")),
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=domain.startswith("."),
        domain_initial_dot=domain.startswith("."),
        path=str(cookie.get("path") or "/"),
        path_specified=True,
        secure=bool(cookie.get("secure")),
        expires=int(expires) if lasting else None,
        discard=not lasting,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""} if cookie.get("httpOnly") else {},
    )


def _media_type(ext: str | None) -> str | None:
    return {
        "mp4": "video/mp4",
        "webm": "video/webm",
        "mkv": "video/x-matroska",
        "m4a": "audio/mp4",
        "mp3": "audio/mpeg",
        "mov": "video/quicktime",
    }.get(ext or "")


def classify_error(message: str) -> Availability:
    """Availability for a yt-dlp error message."""
    lowered = message.lower()
    for needle, availability in _ERRORS:
        if needle in lowered:
            return availability
    return Availability.UNKNOWN


def map_info(info: dict[str, Any], result: PlatformResult) -> None:
    """Fill `result` from a yt-dlp info dict."""
    extractor = str(info.get("extractor_key") or info.get("extractor") or "").lower()
    result.platform = PLATFORMS.get(extractor, "video")
    result.source = f"ytdlp.{extractor or 'unknown'}"
    result.set_availability(Availability.AVAILABLE)
    result.post_id = str(info["id"]) if info.get("id") is not None else None
    result.url = info.get("webpage_url") or result.url
    result.author_name = info.get("uploader") or info.get("channel") or info.get("creator")
    handle = info.get("uploader_id") or info.get("channel_id")
    result.author_handle = str(handle).lstrip("@") if handle else None
    result.author_id = info.get("channel_id") or info.get("uploader_id")
    stamp = info.get("timestamp") or info.get("release_timestamp")
    if isinstance(stamp, int | float):
        result.posted_at = datetime.fromtimestamp(stamp, UTC)
    elif info.get("upload_date"):
        day = str(info["upload_date"])
        result.extra["posted_date"] = f"{day[:4]}-{day[4:6]}-{day[6:8]}"
    result.text = info.get("description") or info.get("title")
    result.language = info.get("language")
    names = {
        "view_count": "views",
        "like_count": "likes",
        "comment_count": "comments",
        "repost_count": "reposts",
    }
    result.metrics = {new: info[old] for old, new in names.items() if info.get(old) is not None}
    formats = [
        {
            "format_id": f.get("format_id"),
            "ext": f.get("ext"),
            "url": f.get("url"),
            "width": f.get("width"),
            "height": f.get("height"),
            "tbr": f.get("tbr"),
            "protocol": f.get("protocol"),
        }
        for f in info.get("formats") or []
    ]
    media_url = info.get("url") or (formats[-1]["url"] if formats else None)
    if media_url:
        kind = "m3u8" if "m3u8" in str(info.get("protocol") or "") else "video"
        result.media.append(
            MediaItem(
                url=media_url,
                kind=kind,
                variants=formats,
                width=info.get("width"),
                height=info.get("height"),
                duration_ms=int(info["duration"] * 1000) if info.get("duration") else None,
                preview_url=info.get("thumbnail"),
            )
        )
    result.extra.update(
        {
            "title": info.get("title"),
            "duration_s": info.get("duration"),
            "availability": info.get("availability"),
            "age_limit": info.get("age_limit"),
            "tags": info.get("tags"),
            "extractor": info.get("extractor"),
        }
    )
    if info.get("age_limit") and info["age_limit"] >= 18:
        result.notes.append("yt-dlp reports an age limit of 18")
