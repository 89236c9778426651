"""RFC 7089 TimeMaps in link format (RFC 6690), from a Memento aggregator or an archive.

The link-format parser is written here because the format is a few lines of grammar (a
comma-separated list of `<URI>; param="value"` entries) and no maintained library for it is
among the dependencies; httpx parses `Link` headers only, not link-format bodies.
"""

import re
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from archive.vocabulary import WitnessMethod, WitnessService, WitnessStatus
from collector.witnesses.answer import Memento, WitnessAnswer, failed

_ENTRY = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,]*))?)*)")
_PARAM = re.compile(r";\s*([^;,=\s]+)\s*(?:=\s*(?:\"([^\"]*)\"|([^;,]*)))?")


def parse_link_format(text: str) -> list[tuple[str, dict[str, str]]]:
    """Each `<URI>; name="value"...` entry as (URI, parameters with lower-cased names)."""
    entries = []
    for match in _ENTRY.finditer(text):
        params = {}
        for param in _PARAM.finditer(match.group(2)):
            params[param.group(1).lower()] = (param.group(2) or param.group(3) or "").strip()
        entries.append((match.group(1).strip(), params))
    return entries


def mementos_in(text: str) -> list[Memento]:
    """The mementos a TimeMap lists (entries whose `rel` includes `memento`), oldest first."""
    found = []
    for uri, params in parse_link_format(text):
        if "memento" not in params.get("rel", "").split():
            continue
        when = None
        if params.get("datetime"):
            try:
                when = parsedate_to_datetime(params["datetime"])
            except (TypeError, ValueError):
                when = None
        found.append(Memento(uri, when, urlsplit(uri).hostname or ""))
    return sorted(found, key=lambda m: (m.datetime is None, m.datetime or 0))


async def timemap(
    client: httpx.AsyncClient,
    timemap_base: str,
    url: str,
    service: WitnessService = WitnessService.MEMENTO,
) -> WitnessAnswer:
    """Ask `<timemap_base>/<url>` for its TimeMap; 404 means no archive holds a copy."""
    request_url = f"{timemap_base}/{url}"
    method = WitnessMethod.TIMEMAP
    try:
        response = await client.get(request_url, headers={"Accept": "application/link-format"})
    except httpx.HTTPError as exc:
        return failed(service, method, request_url, url, f"{type(exc).__name__}: {exc}")
    body = response.content
    if response.status_code == 404:
        return WitnessAnswer(
            service, method, WitnessStatus.NONE, request_url, url, http_status=404, body=body
        )
    if response.status_code != 200:
        answer = failed(service, method, request_url, url, f"HTTP {response.status_code}")
        answer.http_status, answer.body = response.status_code, body
        return answer
    mementos = mementos_in(body.decode("utf-8", "replace"))
    status = WitnessStatus.FOUND if mementos else WitnessStatus.NONE
    return WitnessAnswer(
        service, method, status, request_url, url, mementos, http_status=200, body=body
    )
