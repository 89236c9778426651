"""HTTP for adapters: one GET streamed into a `RawResponse`, capped in size, redirects recorded.

Bodies are kept as delivered after Content-Encoding is undone (the transfer bytes belong to
the WARC that the browser capture writes).

The `httpx.AsyncClient` is always passed in, so proxies, timeouts and test servers are the
caller's choice. Redirects are followed here (per request) and every hop is recorded.
"""

import httpx

from archive.timeutil import iso, utcnow
from collector.platforms.result import PlatformResult, RawResponse

CHUNK = 64 * 1024


class FetchError(Exception):
    """A request could not be made or its answer not read (network, TLS, size)."""


def _media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value.split(";")[0].strip().lower() if value else None


def _hops(response: httpx.Response) -> list[dict[str, object]]:
    return [
        {
            "url": str(hop.request.url),
            "status": hop.status_code,
            "location": hop.headers.get("location"),
        }
        for hop in response.history
    ]


async def fetch_raw(
    client: httpx.AsyncClient,
    name: str,
    url: str,
    *,
    max_bytes: int,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """GET `url`; return the exact body bytes (at most `max_bytes`) and what came with them.

    A body longer than `max_bytes` is cut and marked `truncated`. Network failures raise
    FetchError with a one-line reason.
    """
    fetched_at = utcnow()
    request = client.build_request("GET", url, params=params, headers=headers)
    try:
        response = await client.send(request, stream=True, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise FetchError(f"{name}: {type(exc).__name__} for {request.url}: {exc}") from exc
    body = bytearray()
    truncated = False
    try:
        async for chunk in response.aiter_bytes(CHUNK):
            body.extend(chunk)
            if len(body) > max_bytes:
                del body[max_bytes:]
                truncated = True
                break
    except httpx.HTTPError as exc:
        raise FetchError(f"{name}: reading {request.url} failed: {exc}") from exc
    finally:
        await response.aclose()
    data = bytes(body)
    return RawResponse(
        name=name,
        url=str(request.url),
        status=response.status_code,
        headers=list(response.headers.multi_items()),
        body=data,
        media_type=_media_type(response),
        fetched_at=fetched_at,
        final_url=str(response.url),
        redirects=_hops(response),
        truncated=truncated,
    )


def describe(raw: RawResponse) -> dict[str, object]:
    """A JSON-ready summary of a raw response (without the body)."""
    return {
        "name": raw.name,
        "url": raw.url,
        "final_url": raw.final_url,
        "status": raw.status,
        "media_type": raw.media_type,
        "size": len(raw.body),
        "sha256": raw.sha256,
        "fetched_at": iso(raw.fetched_at),
        "redirects": raw.redirects,
        "truncated": raw.truncated,
    }


async def fetch_into(
    result: PlatformResult,
    client: httpx.AsyncClient,
    name: str,
    url: str,
    *,
    max_bytes: int,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse | None:
    """`fetch_raw`, keeping the answer in `result.raw`; a failure becomes a note and None."""
    try:
        raw = await fetch_raw(
            client, name, url, max_bytes=max_bytes, params=params, headers=headers
        )
    except FetchError as exc:
        result.notes.append(str(exc))
        return None
    result.raw.append(raw)
    if raw.truncated:
        result.notes.append(f"{name}: answer larger than {max_bytes} bytes; cut")
    return raw
