"""Wayback Availability and CDX, Memento TimeMaps and archive.today against loopback services
answering in each service's documented format."""

import asyncio
from datetime import UTC, datetime

import httpx

from archive.vocabulary import WitnessMethod, WitnessService, WitnessStatus
from archive.witness_settings import WitnessSettings
from collector.witnesses import archive_today, memento, wayback
from collector.witnesses.ask import WitnessSlots, ask_witnesses
from tests.witnesses.services import WitnessServices, json_answer, text_answer

URL = "https://x.com/Maks_NAFO_FELLA/status/1838999999999999999"

AVAILABLE = """{"url": "x.com/Maks_NAFO_FELLA/status/1", "archived_snapshots": {"closest":
 {"status": "200", "available": true, "url": "http://web.archive.org/web/20240926010203/https://x.com/a",
  "timestamp": "20240926010203"}}}"""
CDX_JSON = """[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],
["com,x)/a","20240926010203","https://x.com/a","text/html","200","AAAA","1234"],
["com,x)/a","2024092","https://x.com/a","text/html","200","BBBB","1"],
["com,x)/a","20240927000000"],
["com,x)/a","20241001120000","https://x.com/a","text/html","200","CCCC","99"]]"""
CDX_TEXT = """com,x)/a 20240926010203 https://x.com/a text/html 200 AAAA 1234
garbage line
com,x)/a notatime https://x.com/a text/html 200 AAAA 1234
"""
TIMEMAP = """<https://x.com/a>; rel="original",
<http://agg.example/timemap/link/https://x.com/a>; rel="self"; type="application/link-format",
<https://archive.ph/AbCdE>; rel="first memento"; datetime="Thu, 26 Sep 2024 01:02:03 GMT",
<http://arquivo.pt/wayback/20241001120000/https://x.com/a>; rel="memento";
 datetime="Tue, 01 Oct 2024 12:00:00 GMT",
<http://web.archive.org/web/20240927/https://x.com/a>; rel="last memento"; datetime="not a date"
"""


def run(coro):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with httpx.AsyncClient() as client:
            return await coro(client)

    return asyncio.run(go())


def test_availability_names_the_closest_snapshot(services: WitnessServices) -> None:
    services.answers["/wayback/available"] = [json_answer(AVAILABLE)]
    answer = run(lambda c: wayback.availability(c, services.base, URL))
    assert answer.status == WitnessStatus.FOUND
    assert answer.mementos[0].datetime == datetime(2024, 9, 26, 1, 2, 3, tzinfo=UTC)
    assert "url=https%3A%2F%2Fx.com" in services.requests[0]["path"]
    assert answer.body == AVAILABLE.encode()


def test_availability_without_snapshot_is_none(services: WitnessServices) -> None:
    services.answers["/wayback/available"] = [json_answer('{"archived_snapshots": {}}')]
    assert run(lambda c: wayback.availability(c, services.base, URL)).status == WitnessStatus.NONE


def test_availability_garbage_is_a_failed_answer(services: WitnessServices) -> None:
    services.answers["/wayback/available"] = [json_answer("<html>maintenance</html>")]
    answer = run(lambda c: wayback.availability(c, services.base, URL))
    assert answer.status == WitnessStatus.FAILED and answer.error


def test_cdx_json_keeps_wellformed_rows_and_counts_malformed(services: WitnessServices) -> None:
    services.answers["/cdx/search/cdx"] = [json_answer(CDX_JSON)]
    answer = run(lambda c: wayback.cdx_lookup(c, services.base, "https://x.com/a"))
    assert answer.status == WitnessStatus.FOUND
    assert [m.datetime.day for m in answer.mementos if m.datetime] == [26, 1]
    assert answer.details["malformed_rows"] == 2
    assert answer.newest and answer.newest.url.endswith("/web/20241001120000/https://x.com/a")


def test_cdx_text_output_is_read_too() -> None:
    rows, skipped = wayback.parse_cdx(CDX_TEXT.encode())
    assert [row.timestamp for row in rows] == ["20240926010203"]
    assert skipped == 2


def test_cdx_unreadable_answers_give_no_rows() -> None:
    for body in (b"[", b'{"a": 1}', b"[1, 2]", b"", b"\xff\xfe"):
        rows, _ = wayback.parse_cdx(body)
        assert rows == []


def test_snapshot_url_raw_form() -> None:
    assert (
        wayback.snapshot_url("http://w", "20240926010203", "https://x.com/a")
        == "http://w/web/20240926010203id_/https://x.com/a"
    )


def test_timemap_in_link_format(services: WitnessServices) -> None:
    services.answers["/timemap/link/"] = [text_answer(TIMEMAP, kind="application/link-format")]
    answer = run(lambda c: memento.timemap(c, f"{services.base}/timemap/link", "https://x.com/a"))
    assert answer.status == WitnessStatus.FOUND
    assert [m.archive for m in answer.mementos] == ["archive.ph", "arquivo.pt", "web.archive.org"]
    assert answer.mementos[2].datetime is None  # an unreadable datetime is kept, undated
    assert answer.newest and answer.newest.archive == "arquivo.pt"
    assert services.requests[0]["path"] == "/timemap/link/https://x.com/a"


def test_timemap_404_means_no_copy(services: WitnessServices) -> None:
    answer = run(lambda c: memento.timemap(c, f"{services.base}/timemap/link", "https://x.com/a"))
    assert answer.status == WitnessStatus.NONE and answer.http_status == 404


def test_archive_today_is_only_looked_up(services: WitnessServices) -> None:
    services.answers["/timemap/"] = [text_answer(TIMEMAP, kind="application/link-format")]
    answer = run(lambda c: archive_today.lookup(c, services.base, "https://x.com/a"))
    assert answer.service == WitnessService.ARCHIVE_TODAY
    assert answer.status == WitnessStatus.FOUND
    assert [r["method"] for r in services.requests] == ["GET"]


def test_a_witness_that_times_out_is_a_failed_answer(services: WitnessServices) -> None:
    services.answers["/wayback/available"] = [json_answer(AVAILABLE)]
    services.delay_s = 1.5
    settings = WitnessSettings(
        wayback_url=services.base, timemap_url="", archive_today_url="", timeout_s=0.3
    )
    answers = run(lambda c: ask_witnesses(c, settings, URL))
    assert [(a.method, a.status) for a in answers] == [
        (WitnessMethod.AVAILABILITY, WitnessStatus.FAILED),
        (WitnessMethod.CDX, WitnessStatus.FAILED),
    ]
    assert all("no answer within 0.3 s" in (a.error or "") for a in answers)


def test_refused_connection_is_a_failed_answer() -> None:
    settings = WitnessSettings(
        wayback_url="http://127.0.0.1:9", timemap_url="http://127.0.0.1:9/tm",
        archive_today_url="", timeout_s=5,
    )  # fmt: skip
    answers = run(lambda c: ask_witnesses(c, settings, URL))
    assert len(answers) == 3 and all(a.status == WitnessStatus.FAILED for a in answers)
    assert all("ConnectError" in (a.error or "") for a in answers)


def test_no_submission_without_keys(services: WitnessServices) -> None:
    settings = WitnessSettings(
        wayback_url=services.base, timemap_url="", archive_today_url="", witnesses=("wayback",)
    )
    run(lambda c: ask_witnesses(c, settings, URL))
    assert all(r["route"] != "/save" for r in services.requests)


def test_questions_share_a_bounded_number_of_slots(services: WitnessServices) -> None:
    services.answers["/wayback/available"] = [json_answer(AVAILABLE)]
    services.delay_s = 0.2
    settings = WitnessSettings(
        wayback_url=services.base, timemap_url=f"{services.base}/timemap/link",
        archive_today_url=services.base, timeout_s=10,
    )  # fmt: skip
    slots = WitnessSlots(lookups=asyncio.Semaphore(2))
    urls = [f"https://example.org/{n}" for n in range(4)]

    async def many(client):  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(ask_witnesses(client, settings, u, slots) for u in urls))

    answers = run(many)
    assert sum(len(a) for a in answers) == 16
    assert services.most_in_flight == 2
