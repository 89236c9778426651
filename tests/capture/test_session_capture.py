"""Captures made logged in: the context starts from the session's storage state, the capture
says which session (never its secrets), and a login wall is told apart from the page."""

import json
import ssl

import httpx
import pytest

from archive.vocabulary import CaptureStatus, PageVerdict
from collector.capture.session import CaptureSession, session_from_state
from tests.capture.conftest import EngineRunner
from tests.world import loginsite
from tests.world.server import World

MEMBERS = f"https://{loginsite.HOST}/members"


def _session(world: World, name: str = "sock") -> tuple[CaptureSession, loginsite.Login]:
    login = world.login.log_in()
    state = world.login.storage_state(login)
    return session_from_state(name, state, loginsite.HANDLE), login


def _capture(engine: EngineRunner, url: str, session: CaptureSession | None):
    return engine.call(engine.engine.capture(url, session=session))


def test_form_login_sets_httponly_session_and_readable_csrf(test_world: World) -> None:
    trust = ssl.create_default_context(cafile=str(test_world.ca_file))
    with httpx.Client(verify=trust) as client:
        url = test_world.https("/login?next=/members", "localhost")
        form = {"username": loginsite.USERNAME, "password": loginsite.PASSWORD}
        host = {"Host": loginsite.HOST}
        answer = client.post(url, data=form, headers=host)
        wrong = client.post(url, data={**form, "password": "nope"}, headers=host)
    assert answer.status_code == 303 and answer.headers["location"] == "/members"
    cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith("sid=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("csrftoken=") and "HttpOnly" not in c for c in cookies)
    assert wrong.status_code == 200 and b"Wrong username or password" in wrong.content


def test_logged_in_capture_shows_members_page_and_api(engine: EngineRunner, test_world: World):
    session, login = _session(test_world)
    result = _capture(engine, MEMBERS, session)
    assert result.status is CaptureStatus.COMPLETE, result.status_reason
    assert result.details["page_verdict"]["verdict"] == PageVerdict.PAGE
    assert result.details["session"] == {"name": "sock", "handle": loginsite.HANDLE}
    assert {"navigate", "close", "artifacts"} <= set(result.details["timings_s"])  # every step
    assert result.title == loginsite.TITLE
    dom = result.artifact("dom")
    assert dom is not None and b"API answered: 3 items" in dom.data
    calls = [c for c in test_world.login.api_calls if c["csrf"] == login.csrf]
    assert calls and calls[-1]["sid"] in test_world.login.rotated  # the rotated cookie was used


def test_logged_out_capture_is_a_login_wall(engine: EngineRunner, test_world: World) -> None:
    result = _capture(engine, MEMBERS, None)
    verdict = result.details["page_verdict"]
    assert result.status is CaptureStatus.PARTIAL
    assert verdict["verdict"] == PageVerdict.LOGIN_WALL
    assert "session expired" not in verdict["reason"]
    assert result.final_url is not None and "/login" in result.final_url
    assert "session" not in result.details


def test_expired_session_says_so(engine: EngineRunner, test_world: World) -> None:
    session, login = _session(test_world, "stale")
    test_world.login.expire(login)
    result = _capture(engine, MEMBERS, session)
    assert result.status is CaptureStatus.PARTIAL
    assert result.details["page_verdict"]["verdict"] == PageVerdict.LOGIN_WALL
    assert "session expired" in (result.status_reason or "")
    assert result.details["session"]["name"] == "stale"


def test_session_repr_and_record_hide_secrets(test_world: World) -> None:
    session, login = _session(test_world)
    shown = repr(session) + json.dumps(session.record())
    assert login.sid not in shown and login.csrf not in shown
    assert {login.sid, login.csrf} <= session.all_secrets()


@pytest.mark.parametrize("path", ["/login", "/signin", "/account/sign-in"])
def test_sign_in_paths(path: str) -> None:
    from collector.capture.verdict import LOGIN_PATH

    assert LOGIN_PATH.search(path)
