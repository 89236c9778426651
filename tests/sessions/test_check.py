"""`session check` on a plain site: the page fetched with and without the session, logged in
only on positive evidence (a login wall without it, or the session's cookie kept and a
materially different page), "cannot tell" for a public page, never a false "logged in"."""

import threading
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.sessions import SessionStore
from archive.vocabulary import SessionCheck
from collector.capture.settings import CaptureSettings
from collector.cli.app import app
from collector.collect.session_check import check_session
from collector.platforms.config import PlatformConfig
from tests.platforms.conftest import run
from tests.sessions.conftest import SID, state, stored
from tests.world import loginsite
from tests.world.server import World

ARTICLE = " ".join(f"Paragraph {n} of a public article anyone may read." for n in range(40))


def _html(body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>Page</title></head><body>{body}</body></html>".encode()
    )


class _Public(BaseHTTPRequestHandler):
    """Pages without any login, and one that greets the session."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        jar: SimpleCookie = SimpleCookie(self.headers.get("Cookie") or "")
        signed = "sid" in jar and jar["sid"].value == SID
        headers: list[tuple[str, str]] = []
        if self.path == "/tracking":  # sets its own cookie, shows a clock: still public
            headers.append(("Set-Cookie", f"visitor={time.time_ns()}; Path=/; Max-Age=3600"))
            body = _html(f"<p>{ARTICLE}</p><p>Now {time.time_ns()}</p>")
        elif self.path == "/refresh":  # keeps the session cookie, page the same
            if signed:
                headers.append(("Set-Cookie", f"sid={SID}; Path=/; HttpOnly"))
            body = _html(f"<p>{ARTICLE}</p><p>Now {time.time_ns()}</p>")
        elif self.path == "/greets":  # keeps the session cookie, a members' page
            if signed:
                headers.append(("Set-Cookie", f"sid={SID}; Path=/; HttpOnly"))
                body = _html("<h1>Your dashboard</h1><p>Welcome back, drafts 3, messages 12</p>")
            else:
                body = _html(f"<p>{ARTICLE}</p>")
        elif self.path == "/logout-clears":  # deletes the session cookie: no evidence of login
            headers.append(
                ("Set-Cookie", "sid=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
            )
            body = _html("<h1>Your dashboard</h1>" if signed else f"<p>{ARTICLE}</p>")
        else:
            body = _html(f"<p>{ARTICLE}</p>")
        self.send_response(200)
        for name, value in [("Content-Type", "text/html; charset=utf-8"), *headers]:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def public() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Public)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _check(home: Path, settings: CaptureSettings, name: str = "sock"):
    return run(check_session(SessionStore(home), name, settings, PlatformConfig.load({}, env={})))


def _world_settings(world: World) -> CaptureSettings:
    return CaptureSettings(
        host_resolver_rules=world.resolver_rules,
        extra_ca_file=str(world.ca_file),
        allow_private=True,
    )


@pytest.mark.parametrize("check_url", [None, f"https://{loginsite.HOST}/members"])
def test_login_site_logged_in_then_out(test_world: World, tmp_path: Path, check_url) -> None:
    login = test_world.login.log_in()
    state_ = test_world.login.storage_state(login)
    stored(tmp_path, hosts=(loginsite.HOST,), storage_state=state_, check_url=check_url)
    settings = _world_settings(test_world)
    found = _check(tmp_path, settings)
    assert found.result == SessionCheck.LOGGED_IN, found.reason
    assert "without it" in found.reason and "login wall" in found.reason
    assert login.sid not in found.reason and login.csrf not in found.reason
    test_world.login.expire(login)
    found = _check(tmp_path, settings)
    assert found.result == SessionCheck.LOGGED_OUT, found.reason
    assert SessionStore(tmp_path).state("sock").needs_check


@pytest.mark.parametrize("path", ["/", "/tracking", "/refresh", "/logout-clears"])
def test_public_page_cannot_tell(public: str, tmp_path: Path, path: str) -> None:
    stored(tmp_path, storage_state=state(domain="127.0.0.1"), check_url=public + path)
    found = _check(tmp_path, CaptureSettings(allow_private=True))
    assert found.result == SessionCheck.CANNOT_TELL, found.reason
    assert SID not in found.reason
    current = SessionStore(tmp_path).state("sock")
    assert not current.needs_check and not current.checked_at, "nothing recorded either way"


def test_kept_session_cookie_and_a_different_page_is_logged_in(public: str, tmp_path: Path):
    stored(tmp_path, storage_state=state(domain="127.0.0.1"), check_url=public + "/greets")
    found = _check(tmp_path, CaptureSettings(allow_private=True))
    assert found.result == SessionCheck.LOGGED_IN, found.reason
    assert "keeping the session's cookie sid" in found.reason


def test_cannot_tell_has_its_own_exit_code(public: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    stored(home, storage_state=state(domain="127.0.0.1"), check_url=public + "/")
    result = CliRunner().invoke(app, ["--home", str(home), "session", "check", "sock",
                                      "--allow-private"])  # fmt: skip
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "cannot-tell" in result.stdout and SID not in result.stdout


def test_no_answer_is_unknown(tmp_path: Path) -> None:
    stored(tmp_path, storage_state=state(domain="127.0.0.1"), check_url="http://127.0.0.1:9/")
    found = _check(tmp_path, CaptureSettings(allow_private=True))
    assert found.result == SessionCheck.UNKNOWN, found.reason
