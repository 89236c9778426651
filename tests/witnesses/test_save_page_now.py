"""Save Page Now 2: the job and status answers, their error cases, and 429 back-off."""

import asyncio
import json

import httpx

from archive.vocabulary import WitnessStatus
from collector.witnesses import wayback
from tests.witnesses.services import WitnessServices, json_answer

URL = "https://x.com/Maks_NAFO_FELLA/status/1838999999999999999"
FAST = wayback.SaveLimits(poll_s=0.05, max_retries=2, max_retry_after_s=5, deadline_s=5)
JOB = json.dumps({"url": URL, "job_id": "spn2-0123abcd"})
SUCCESS = json.dumps(
    {"status": "success", "job_id": "spn2-0123abcd", "original_url": URL,
     "timestamp": "20261201231500", "duration_sec": 6.2}
)  # fmt: skip


def save(services: WitnessServices, limits: wayback.SaveLimits = FAST):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with httpx.AsyncClient() as client:
            return await wayback.save(client, services.base, URL, "KEY", "SECRET", limits)

    return asyncio.run(go())


def test_job_polled_to_its_memento(services: WitnessServices) -> None:
    services.answers["/save"] = [json_answer(JOB)]
    services.answers["/save/status/"] = [json_answer('{"status": "pending"}'), json_answer(SUCCESS)]
    answer = save(services)
    assert answer.status == WitnessStatus.SAVED
    assert answer.newest and answer.newest.url.endswith("/web/20261201231500/" + URL)
    assert answer.details["job_id"] == "spn2-0123abcd"
    post = services.requests[0]
    assert post["method"] == "POST" and post["authorization"] == "LOW KEY:SECRET"
    assert b"url=https%3A%2F%2Fx.com" in post["body"]
    assert [r["path"] for r in services.requests[1:]] == ["/save/status/spn2-0123abcd"] * 2


def test_429_backs_off_by_retry_after(services: WitnessServices) -> None:
    services.answers["/save"] = [
        json_answer('{"message": "slow down"}', status=429, headers={"Retry-After": "1"}),
        json_answer(JOB),
    ]
    services.answers["/save/status/"] = [json_answer(SUCCESS)]
    answer = save(services)
    assert answer.status == WitnessStatus.SAVED
    assert answer.details["backed_off_s"] == [1.0]
    first, second = services.requests[0]["at"], services.requests[1]["at"]
    assert second - first >= 0.95


def test_429_past_the_retries_is_a_failed_answer(services: WitnessServices) -> None:
    services.answers["/save"] = [
        json_answer("{}", status=429, headers={"Retry-After": "0.1"}),
    ]
    answer = save(services)
    assert answer.status == WitnessStatus.FAILED
    assert "rate limited" in (answer.error or "")
    assert len(services.requests) == FAST.max_retries + 1


def test_limit_answer_is_not_accepted(services: WitnessServices) -> None:
    services.answers["/save"] = [
        json_answer(
            '{"status": "error", "status_ext": "error:too-many-daily-captures",'
            ' "message": "This URL has been already captured 10 times today."}'
        )
    ]
    answer = save(services)
    assert answer.status == WitnessStatus.FAILED
    assert answer.error == "not accepted: error:too-many-daily-captures"
    assert len(services.requests) == 1


def test_job_error_is_recorded(services: WitnessServices) -> None:
    services.answers["/save"] = [json_answer(JOB)]
    services.answers["/save/status/"] = [
        json_answer('{"status": "error", "status_ext": "error:not-found", "message": "404"}')
    ]
    answer = save(services)
    assert answer.status == WitnessStatus.FAILED and answer.error == "error:not-found"


def test_job_still_pending_at_the_deadline(services: WitnessServices) -> None:
    services.answers["/save"] = [json_answer(JOB)]
    services.answers["/save/status/"] = [json_answer('{"status": "pending"}')]
    limits = wayback.SaveLimits(poll_s=0.05, deadline_s=0.3)
    answer = save(services, limits)
    assert answer.status == WitnessStatus.FAILED
    assert answer.error == "still pending at the deadline"


def test_unauthorised_is_a_failed_answer(services: WitnessServices) -> None:
    services.answers["/save"] = [json_answer('{"message": "bad keys"}', status=401)]
    answer = save(services)
    assert answer.status == WitnessStatus.FAILED and answer.http_status == 401
