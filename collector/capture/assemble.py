"""Building a CaptureResult from a finished run: the recorded artifacts (server body, headers,
TLS chain, redirect chain, logs, WARC), the details, and the status derived from what
happened: `failed` when no page arrived, `partial` when a step timed out or failed or another
problem was noted (a limit, a tall page, requests cut off, a page verdict other than `page`:
see `verdict.py`), else `complete`."""

import uuid
from datetime import datetime
from typing import Any

from archive import __version__ as tool_version
from archive.timeutil import utcnow
from archive.vocabulary import CaptureStatus, PageVerdict
from collector.capture import artifacts as build
from collector.capture import browser as browsers
from collector.capture.lifecycle import BrowserIdentity
from collector.capture.recorder import Exchange
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.run import CaptureRun, StepOutcome
from collector.capture.scrubresult import scrub_details, scrub_result
from collector.capture.settings import redacted_proxy
from collector.capture.verdict import judge_run
from collector.capture.warc import warc_name, warcinfo_fields, write_warc


def capture_status(run: CaptureRun) -> tuple[CaptureStatus, str | None]:
    """The capture's status and its reason, from the run's fatal error, steps and problems."""
    if run.fatal is not None:
        return CaptureStatus.FAILED, run.fatal
    troubled = any(s.outcome in (StepOutcome.TIMED_OUT, StepOutcome.FAILED) for s in run.steps)
    if troubled or run.problems:
        return CaptureStatus.PARTIAL, "; ".join(run.problems)
    return CaptureStatus.COMPLETE, None


def assemble(run: CaptureRun, browser: BrowserIdentity) -> CaptureResult:
    """The result of a run whose recorder has closed: artifacts, details and status."""
    exchanges = run.recorder.exchanges
    chain = build.redirect_chain(run.navigations, exchanges)
    main = run.main_exchange()
    details: dict[str, Any] = {
        "timings_s": run.timings,
        "browser_origin": browser.origin,
        "browser_executable": browser.executable,
        "browser_changes": browser.changes,
        **run.events,
        **run.details,
    }
    if run.session is not None:
        details["session"] = run.session.record()
    if main is not None and main.response_head is not None:
        _page_artifacts(run, main, details)
    if chain:
        run.artifacts.append(build.json_artifact("redirect-chain", "redirect-chain.json", chain))
    run.artifacts.append(build.json_artifact("console-log", "console.json", run.console))
    failures = build.failed_requests(exchanges, run.browser_failures)
    run.artifacts.append(build.json_artifact("failed-requests", "failed-requests.json", failures))
    finished = utcnow()
    seed = uuid.uuid4()
    info = _warcinfo(run, browser)
    if exchanges and run.session is None:  # a session's WARCs are written by scrub_result
        run.artifacts.append(_warc_artifact(run, info))
    handshakes = build.tls_handshakes(exchanges, logged_in=run.session is not None)
    if handshakes is not None:
        run.artifacts.append(handshakes)
    run.problems += run.recorder.problems
    run.problems += [
        f"the browser was given only the first {e.rendered_bytes} bytes of {e.url}"
        f" (max_render_bytes); the WARC records what the server sent"
        for e in exchanges
        if e.rendered_bytes is not None
    ]
    if run.recorder.limit_hit:
        run.problems.append(run.recorder.limit_hit)
    if main is not None and main.truncated:
        why = f"{main.truncated}: {main.error}" if main.error else main.truncated
        run.problems.append(f"page response incomplete ({why})")
    if not run.stopped:
        verdict = judge_run(run, main, chain)
        details["page_verdict"] = verdict.as_dict()
        if verdict.verdict is not PageVerdict.PAGE:
            run.problems.append(f"page verdict {verdict.verdict}: {verdict.reason}")
    details.update(
        requests=len(exchanges),
        bytes_received=run.recorder.total_bytes,
        page_height=run.page_height,
        problems=run.problems,
        warnings=run.warnings,
        steps=[{"name": s.name, "outcome": s.outcome, "reason": s.reason} for s in run.steps],
        settings=run.settings.as_dict(),
    )
    status, reason = capture_status(run)
    result = _result(run, browser, status, reason, finished, details, chain, main)
    return result if run.session is None else scrub_result(run, result, info, seed)


def failed_result(run: CaptureRun, browser: BrowserIdentity, reason: str) -> CaptureResult:
    """A failed result for a capture that could not run its steps."""
    details: dict[str, Any] = {"problems": run.problems, "browser_changes": browser.changes}
    if run.session is not None:
        details["session"] = run.session.record()
        details = scrub_details(run.session, {**details, "reason": reason})
        reason = details.pop("reason")
    return _result(run, browser, CaptureStatus.FAILED, reason, utcnow(), details, [], None)


def _page_artifacts(run: CaptureRun, main: Exchange, details: dict[str, Any]) -> None:
    """The page's server body, response headers and TLS chain."""
    assert main.response_head is not None
    content_type = main.response_head.get("content-type")
    is_html = "html" in (content_type or "html").lower()
    role, name = ("server-html", "server.html") if is_html else ("server-body", "server.body")
    cap = run.settings.max_decoded_bytes
    body, decoded = build.spooled_artifact(
        role,
        name,
        content_type or "application/octet-stream",
        main.url,
        lambda out: build.decoded_body(main, cap, out),
    )
    run.artifacts.append(body)
    if decoded.capped and main.truncated != "length":  # else the recorder has said so
        run.problems.append(
            f"the page's body decoded past the {cap} byte limit (max_decoded_bytes);"
            f" {name} holds the first {cap} bytes"
        )
    headers = build.response_headers(main)
    run.artifacts.append(
        build.json_artifact("response-headers", "response-headers.json", headers, main.url)
    )
    cert_artifact, tls_summary = build.certificate_artifacts(main)
    if cert_artifact is not None:
        run.artifacts.append(cert_artifact)
        details["tls"] = tls_summary


def _warcinfo(run: CaptureRun, browser: BrowserIdentity) -> dict[str, str]:
    info = warcinfo_fields(f"{browser.name} {browser.version}", browsers.playwright_version())
    info["capture-url"] = run.url
    return info


def _warc_artifact(run: CaptureRun, info: dict[str, str]) -> ArtifactData:
    """The WARC as recorded."""
    name = warc_name(run.started)
    exchanges = run.recorder.exchanges
    warc, _ = build.spooled_artifact(
        "warc",
        name,
        "application/warc",
        run.url,
        lambda out: write_warc(exchanges, name, info, run.started, out),
    )
    return warc


def _result(
    run: CaptureRun,
    browser: BrowserIdentity,
    status: CaptureStatus,
    reason: str | None,
    finished: datetime,
    details: dict[str, Any],
    chain: list[dict[str, Any]],
    main: Exchange | None,
) -> CaptureResult:
    settings = run.settings
    result = CaptureResult(
        requested_url=run.url,
        status=status,
        status_reason=reason,
        started_at=run.started,
        finished_at=finished,
        final_url=chain[-1]["url"] if chain else None,
        http_status=main.status if main else None,
        title=run.title,
        redirect_chain=chain,
        server_ip=main.ip if main else None,
        browser_name=browser.name,
        browser_version=browser.version or None,
        playwright_version=browsers.playwright_version(),
        user_agent=browser.user_agent or None,
        viewport=settings.viewport,
        locale=settings.locale,
        timezone=settings.timezone,
        proxy=redacted_proxy(settings.proxy),
        tool_version=tool_version,
        artifacts=run.artifacts,
        details=details,
    )
    result.companion_result = run.companion_result
    return result
