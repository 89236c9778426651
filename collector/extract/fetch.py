"""Reading a source for `evidence extract`: a URL (HTTP, optionally rendered), a file, or stdin.

HTTP reuses the adapters' streamed GET (`collector.platforms.fetching.fetch_raw`: size cap,
every redirect hop recorded). `--render` (the DOM after scripts ran, because embeds often exist
only then) is not done here: it needs the capture engine, which is a layer below `collect`, so
it lives in `collector.collect.render` and the command sets `SourceInfo.rendered_html`.
"""

import asyncio
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from archive.errors import EvidenceError
from archive.timeutil import utcnow
from collector.capture.client import make_client
from collector.capture.settings import CaptureSettings
from collector.extract.document import MAX_BYTES
from collector.platforms.fetching import FetchError, fetch_raw

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36"
)


@dataclass
class SourceInfo:
    """What was read, and how."""

    kind: str  # url | file | stdin
    location: str
    data: bytes
    content_type: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    rendered_html: str | None = None
    fetched_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "size": len(self.data),
            "content_type": self.content_type,
            "final_url": self.final_url,
            "http_status": self.http_status,
            "redirects": self.redirects,
            "rendered": self.rendered_html is not None,
        }


def _read_limited(stream: Any, max_bytes: int, what: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise EvidenceError(f"{what} is larger than the limit of {max_bytes / 2**20:.0f} MiB")
    return data


async def _http(
    url: str, proxy: str | None, timeout: float, max_bytes: int, network: CaptureSettings | None
) -> SourceInfo:
    headers = {"user-agent": USER_AGENT, "accept": "text/html,text/plain;q=0.9,*/*;q=0.5"}
    client = (
        make_client(network.with_overrides(proxy=proxy))
        if network is not None
        else httpx.AsyncClient(proxy=proxy, timeout=timeout, headers=headers)
    )
    async with client:
        try:
            raw = await asyncio.wait_for(
                fetch_raw(client, "source", url, max_bytes=max_bytes + 1), timeout * 2
            )
        except (FetchError, TimeoutError) as exc:
            raise EvidenceError(f"cannot fetch {url}: {exc or 'timed out'}") from exc
    if raw.truncated or len(raw.body) > max_bytes:
        raise EvidenceError(f"{url} is larger than the limit of {max_bytes / 2**20:.0f} MiB")
    content_type = next((v for k, v in raw.headers if k.lower() == "content-type"), None)
    return SourceInfo(
        kind="url",
        location=url,
        data=raw.body,
        content_type=content_type,
        final_url=raw.final_url,
        http_status=raw.status,
        redirects=raw.redirects,
        fetched_at=raw.fetched_at,
    )


def fetch_source(
    location: str,
    *,
    proxy: str | None = None,
    timeout: float = 30.0,
    max_bytes: int = MAX_BYTES,
    network: CaptureSettings | None = None,
) -> SourceInfo:
    """Read `location`: an http(s) URL, `-` for stdin, or a local file path.

    With `network`, a URL is fetched under the capture network settings (proxy, host rules,
    extra CA, address guard), as `collect` and `capture` fetch."""
    if location == "-":
        return SourceInfo("stdin", "-", _read_limited(sys.stdin.buffer, max_bytes, "stdin"))
    if location.lower().startswith(("http://", "https://")):
        return asyncio.run(_http(location, proxy, timeout, max_bytes, network))
    path = Path(location).expanduser()
    if not path.is_file():
        raise EvidenceError(f"no such file: {location}")
    with path.open("rb") as handle:
        data = _read_limited(handle, max_bytes, str(path))
    return SourceInfo("file", str(path), data, fetched_at=utcnow())
