"""Reading a source for `evidence extract` and `collect FILE`: an http(s) URL, a file, or stdin.

A URL is fetched under the capture network settings (proxy, host rules, extra CA, the
private-address guard) with the adapters' streamed GET (`collector.platforms.fetching.fetch_raw`:
size cap, every redirect hop recorded). This is the network side of extraction, so it lives in
`collect/` and the extractor stays pure. `--render` (the DOM after scripts ran, because embeds
often exist only then) is `collector.collect.render`, which sets `SourceInfo.rendered_html`.
"""

import asyncio
import sys
from pathlib import Path
from typing import Any

from archive.errors import EvidenceError
from archive.timeutil import utcnow
from collector.capture.client import make_client
from collector.capture.settings import CaptureSettings
from collector.extract.document import MAX_BYTES
from collector.extract.source_info import SourceInfo, SourceKind
from collector.platforms.fetching import FetchError, fetch_raw


def _read_limited(stream: Any, max_bytes: int, what: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise EvidenceError(f"{what} is larger than the limit of {max_bytes / 2**20:.0f} MiB")
    return data


async def _http(url: str, timeout: float, max_bytes: int, network: CaptureSettings) -> SourceInfo:
    async with make_client(network) as client:
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
        kind=SourceKind.URL,
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

    A URL is fetched under `network` (default: the default capture settings), through `proxy`
    when given, with the same guard `collect` and `capture` have."""
    if location == "-":
        data = _read_limited(sys.stdin.buffer, max_bytes, "stdin")
        return SourceInfo(SourceKind.STDIN, "-", data, fetched_at=utcnow())
    if location.lower().startswith(("http://", "https://")):
        settings = (network or CaptureSettings()).with_overrides(proxy=proxy)
        return asyncio.run(_http(location, timeout, max_bytes, settings))
    path = Path(location).expanduser()
    if not path.is_file():
        raise EvidenceError(f"no such file: {location}")
    with path.open("rb") as handle:
        data = _read_limited(handle, max_bytes, str(path))
    return SourceInfo(SourceKind.FILE, str(path), data, fetched_at=utcnow())
