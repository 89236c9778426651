"""Resolving the seed article's MAKS 24 signature (no link) through a CDX answer with decoys."""

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from archive.witness_settings import WitnessSettings
from collector.collect.resolve import Resolution, ResolutionStatus, resolve_signature
from collector.extract import extract
from collector.platforms.config import PlatformConfig
from collector.sites import snowflake
from tests.witnesses.services import Answer, WitnessServices, json_answer, text_answer

SEED = Path(__file__).parents[1] / "fixtures" / "seeds" / "article-realrepublic-drones.txt"
HANDLE = "Maks_NAFO_FELLA"
QUOTE = (
    "🇨🇳🤬 Russia has established a weapons programme in China to develop and produce "
    "long-range attack drones, - Reuters"
)


def snowflake_at(when: datetime, sequence: int = 0) -> str:
    return str(((int(when.timestamp() * 1000) - snowflake.TWITTER_EPOCH_MS) << 22) | sequence)


# The real post: 22:10 UTC on the 25th; it is gone from X, so its text comes from the archived
# copy, with a trailing t.co link the article left out.
REAL = snowflake_at(datetime(2024, 9, 25, 22, 10, tzinfo=UTC), 7)
SAME_DAY = snowflake_at(datetime(2024, 9, 25, 9, 0, tzinfo=UTC), 1)  # same day, other text
OTHER_DAY = snowflake_at(datetime(2024, 9, 21, 9, 0, tzinfo=UTC), 2)  # same text, other day
TWIN = snowflake_at(datetime(2024, 9, 25, 10, 0, tzinfo=UTC), 3)  # same text, same day


def seed_citation() -> dict:
    (citation,) = [
        c for c in extract(SEED.read_bytes(), content_type="text/plain").citations
        if c.author_handle == HANDLE
    ]  # fmt: skip
    return {"kind": citation.kind, "platform": citation.platform, "url": None,
            "author_handle": citation.author_handle, "posted_at": citation.posted_at,
            "text": citation.text}  # fmt: skip


def cdx(ids: list[str]) -> str:
    rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
    for n, post_id in enumerate(ids):
        rows.append(
            [
                f"com,x)/{HANDLE.lower()}/status/{post_id}",
                f"2024092612000{n}",
                f"https://x.com/{HANDLE}/status/{post_id}",
                "text/html",
                "200",
                "D",
                "1",
            ]
        )
    rows.append(["com,x)/x", "not-a-time", f"https://x.com/{HANDLE}/status/{REAL}"])  # malformed
    rows.append(
        [
            "com,x)/x",
            "20240926120000",
            f"https://x.com/{HANDLE}/status/12345",
            "text/html",
            "200",
            "D",
            "1",
        ]
    )  # a sequential id, not a Snowflake
    return json.dumps(rows)  # fmt: skip


def syndication(texts: dict[str, str]):  # type: ignore[no-untyped-def]
    def answer(path: str) -> Answer:
        post_id = parse_qs(urlsplit(path).query)["id"][0]
        if post_id not in texts:
            return 404, {"Content-Type": "application/json"}, b"{}"
        body = {"__typename": "Tweet", "id_str": post_id, "text": texts[post_id],
                "created_at": "2024-09-25T09:00:00.000Z",
                "user": {"screen_name": HANDLE, "name": "MAKS 24"}}  # fmt: skip
        return json_answer(json.dumps(body))

    return answer


def archived(texts: dict[str, str]):  # type: ignore[no-untyped-def]
    def answer(path: str) -> Answer:
        post_id = path.rstrip("/").rsplit("/", 1)[-1]
        text = texts.get(post_id)
        if text is None:
            return 404, {}, b"not archived"
        html = f'<html><head><meta property="og:description" content="“{text}”"></head></html>'
        return text_answer(html, kind="text/html")

    return answer


def resolve(services: WitnessServices, citation: dict) -> Resolution:
    settings = WitnessSettings(wayback_url=services.base, timeout_s=5)
    platforms = PlatformConfig(twitter_syndication_url=services.base)

    async def go() -> Resolution:
        async with httpx.AsyncClient() as client:
            return await resolve_signature(client, platforms, settings, citation)

    return asyncio.run(go())


def test_the_seed_signature_resolves_past_its_decoys(services: WitnessServices) -> None:
    services.answers["/cdx/search/cdx"] = [json_answer(cdx([SAME_DAY, OTHER_DAY, REAL]))]
    services.handlers["/tweet-result"] = syndication(
        {SAME_DAY: "Another post about drones that day", OTHER_DAY: QUOTE}
    )
    services.handlers["/web/"] = archived({REAL: QUOTE + " https://t.co/AbCdEf12"})
    resolution = resolve(services, seed_citation())
    assert resolution.status == ResolutionStatus.RESOLVED, resolution.reason
    (match,) = resolution.matches
    assert match.post_id == REAL and match.score == 1.0
    assert match.text_from and match.text_from.startswith("archived copy ")
    assert f"/web/20240926120002id_/https://x.com/{HANDLE}/status/{REAL}" in match.text_from
    assert {c.post_id for c in resolution.candidates} == {SAME_DAY, REAL}  # OTHER_DAY: out of range
    cdx_queries = [q for q in resolution.queries if "/cdx/" in q["url"]]
    assert len(cdx_queries) == 2 and all(q["malformed_rows"] == 1 for q in cdx_queries)
    assert "twitter.com%2FMaks_NAFO_FELLA%2Fstatus%2F" in cdx_queries[0]["url"]
    assert "x.com%2FMaks_NAFO_FELLA%2Fstatus%2F" in cdx_queries[1]["url"]
    urls = [exchange.url for exchange in resolution.exchanges]
    assert sum("/cdx/search/cdx" in u for u in urls) == 2
    assert sum("/tweet-result" in u for u in urls) >= 2  # each candidate's own data
    assert sum(f"id_/https://x.com/{HANDLE}/status/{REAL}" in u for u in urls) == 1
    assert resolution.payload()["candidates"][0]["score"] < 0.9


def test_two_matching_posts_are_ambiguous(services: WitnessServices) -> None:
    services.answers["/cdx/search/cdx"] = [json_answer(cdx([TWIN, REAL]))]
    services.handlers["/tweet-result"] = syndication({TWIN: QUOTE, REAL: QUOTE})
    resolution = resolve(services, seed_citation())
    assert resolution.status == ResolutionStatus.AMBIGUOUS
    assert {m.post_id for m in resolution.matches} == {TWIN, REAL}
    assert "2 posts match the quote" in resolution.reason


def test_nothing_found_says_what_was_tried(services: WitnessServices) -> None:
    services.answers["/cdx/search/cdx"] = [json_answer(cdx([SAME_DAY, OTHER_DAY]))]
    services.handlers["/tweet-result"] = syndication({SAME_DAY: "Other text", OTHER_DAY: QUOTE})
    resolution = resolve(services, seed_citation())
    assert resolution.status == ResolutionStatus.UNRESOLVED
    assert "no post matched the quote" in resolution.reason
    assert "1 of the handle's archived status URLs fall on 2024-09-25" in resolution.reason


def test_cdx_failure_is_unresolved_with_the_error(services: WitnessServices) -> None:
    services.answers["/cdx/search/cdx"] = [text_answer("busy", status=503)]
    resolution = resolve(services, seed_citation())
    assert resolution.status == ResolutionStatus.UNRESOLVED
    assert "lookups failed: HTTP 503" in resolution.reason


@pytest.mark.parametrize(
    ("change", "missing"),
    [({"posted_at": None}, "full date"), ({"posted_at": "September 25"}, "full date"),
     ({"author_handle": None}, "handle"), ({"text": " "}, "quoted text")],
)  # fmt: skip
def test_signature_without_what_to_search_by(
    services: WitnessServices, change: dict, missing: str
) -> None:
    resolution = resolve(services, seed_citation() | change)
    assert resolution.status == ResolutionStatus.UNRESOLVED
    assert f"states no {missing}" in resolution.reason
    assert services.requests == []


def test_a_date_with_no_year_makes_no_signature_to_resolve() -> None:
    text = f"{QUOTE}\n— MAKS 24 (@{HANDLE}) September 25\n"
    citations = extract(text.encode(), content_type="text/plain").citations
    assert not [c for c in citations if c.url is None and c.author_handle == HANDLE]


def test_snowflake_times_and_the_all_zones_day() -> None:
    assert snowflake.post_time("1838999999999999999") == datetime(
        2024, 9, 25, 17, 52, 21, 624000, tzinfo=UTC
    )
    for bad in ("12345", "abc", "-5", "١٢٣٤٥٦٧٨٩٠١٢", str(1 << 63), ""):
        assert snowflake.post_time(bad) is None, bad
    low, high = snowflake.id_range(date(2024, 9, 25))
    assert snowflake.post_time(low) == datetime(2024, 9, 24, 10, 0, tzinfo=UTC)
    end = snowflake.post_time(high)
    assert end and end.isoformat().startswith("2024-09-26T11:59:59.999")
    assert low <= int(REAL) <= high and not low <= int(OTHER_DAY) <= high
