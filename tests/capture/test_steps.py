"""The step runner and status derivation, with stand-in steps and no browser."""

import asyncio
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archive.timeutil import utcnow
from archive.vocabulary import CaptureStatus
from collector.capture.assemble import capture_status
from collector.capture.recorder import Limits, Recorder
from collector.capture.run import CaptureRun, StepOutcome
from collector.capture.settings import CaptureSettings
from collector.capture.steps import STEPS, Budget, Step, run_steps


def _run(timeout_s: float = 8.0) -> CaptureRun:
    recorder = Recorder(None, None, Limits(1, 1, 1.0, 1))  # type: ignore[arg-type]
    return CaptureRun(
        "http://example.org/", CaptureSettings(timeout_s=timeout_s), utcnow(), recorder
    )


async def _ok(_run: CaptureRun, _page: Any) -> None:
    return None


async def _hang(_run: CaptureRun, _page: Any) -> None:
    await asyncio.sleep(60)


async def _browser_timeout(_run: CaptureRun, _page: Any) -> None:
    raise PlaywrightTimeoutError("no message to go by")


async def _browser_error(_run: CaptureRun, _page: Any) -> None:
    raise PlaywrightError("Target page closed\nmore detail")


def _outcomes(run: CaptureRun) -> dict[str, StepOutcome]:
    return {step.name: step.outcome for step in run.steps}


def test_declared_steps_are_in_order_with_their_budgets():
    names = ["navigate", "settle", "scroll", "screenshots", "dom", "fonts", "pdf"]
    assert [s.name for s in STEPS] == names
    assert [s.always for s in STEPS] == [False, False, False, True, True, True, True]
    assert {s.budget for s in STEPS if not s.always} == {Budget.PAGE}
    assert {s.budget for s in STEPS if s.always} == {Budget.CAPTURE}


def test_a_step_out_of_time_skips_page_steps_and_leaves_time_for_always_steps():
    run = _run(timeout_s=4.0)  # page deadline 1 s before the capture's
    steps = (
        Step("first", Budget.PAGE, always=False, run=_hang),
        Step("second", Budget.PAGE, always=False, run=_ok),
        Step("shots", Budget.CAPTURE, always=True, run=_ok),
    )
    asyncio.run(run_steps(run, None, steps))  # type: ignore[arg-type]
    assert _outcomes(run) == {
        "first": StepOutcome.TIMED_OUT,
        "second": StepOutcome.SKIPPED,
        "shots": StepOutcome.OK,
    }
    assert run.problems == ["time budget ran out during first"]
    assert capture_status(run) == (CaptureStatus.PARTIAL, "time budget ran out during first")


def test_browser_errors_are_typed_not_read_from_their_text():
    run = _run()
    steps = (
        Step("slow", Budget.CAPTURE, always=True, run=_browser_timeout),
        Step("broken", Budget.CAPTURE, always=True, run=_browser_error),
    )
    asyncio.run(run_steps(run, None, steps))  # type: ignore[arg-type]
    assert _outcomes(run) == {"slow": StepOutcome.TIMED_OUT, "broken": StepOutcome.FAILED}
    assert run.problems == ["time budget ran out during slow", "broken failed: Target page closed"]


def test_no_page_stops_the_run_and_fails_the_capture():
    run = _run()

    async def no_page(run: CaptureRun, _page: Any) -> None:
        run.fatal = "navigation failed: net::ERR_CONNECTION_REFUSED"

    steps = (
        Step("navigate", Budget.PAGE, always=False, run=no_page),
        Step("dom", Budget.CAPTURE, always=True, run=_ok),
    )
    asyncio.run(run_steps(run, None, steps))  # type: ignore[arg-type]
    assert _outcomes(run) == {"navigate": StepOutcome.OK, "dom": StepOutcome.SKIPPED}
    assert capture_status(run) == (
        CaptureStatus.FAILED,
        "navigation failed: net::ERR_CONNECTION_REFUSED",
    )


def test_unwanted_steps_do_not_run_and_a_clean_run_is_complete():
    run = _run()
    steps = (
        Step("dom", Budget.CAPTURE, always=True, run=_ok),
        Step("pdf", Budget.CAPTURE, always=True, run=_hang, wanted=lambda s: s.pdf),
    )
    asyncio.run(run_steps(run, None, steps))  # type: ignore[arg-type]
    assert _outcomes(run) == {"dom": StepOutcome.OK}
    assert capture_status(run) == (CaptureStatus.COMPLETE, None)
