"""The whole path through the command line, against the test world's login site: a session
added from a cookies.txt, captures logged in (bound host), logged out (`--no-session`), with
an expired session (partial, "session expired", marked for a check), `session check`, and no
secret in any byte of the home or of the report export."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.sessions import SessionStore
from collector.cli.app import app
from tests.sessions.leaks import leaks
from tests.world import loginsite
from tests.world.server import World

pytestmark = pytest.mark.browser
MEMBERS = f"https://{loginsite.HOST}/members"


@pytest.fixture
def world_env(test_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("EVIDENCE_HOST_RESOLVER_RULES", test_world.resolver_rules)
    monkeypatch.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
    monkeypatch.setenv("EVIDENCE_ALLOW_PRIVATE", "1")
    return test_world


def _cli(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.stdout, result.stderr


def _capture(home: Path, *flags: str) -> dict:
    code, out, err = _cli(home, "capture", "--json", *flags, MEMBERS)
    assert code == 0, err
    (row,) = json.loads(out)
    return row


def test_logged_in_logged_out_expired(world_env: World, tmp_path: Path) -> None:
    home, site = tmp_path / "home", world_env.login
    login = site.log_in()
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(site.cookies_txt(login), encoding="utf-8")
    rotated_before = len(site.rotated)
    code, out, err = _cli(
        home, "session", "add", "sock", "--cookies", str(cookies), "--host", loginsite.HOST,
        "--handle", loginsite.HANDLE, "--check-url", MEMBERS, "--rate", "600",
    )  # fmt: skip
    assert code == 0, err
    assert "2 cookies, bound to members.example.test" in out and login.sid not in out

    row = _capture(home)  # bound host: logged in without naming the session
    assert row["status"] == "complete", row["status_reason"]
    assert row["title"] == loginsite.TITLE
    assert any(c["csrf"] == login.csrf for c in site.api_calls), "the API answered the session"

    out_row = _capture(home, "--no-session")
    assert out_row["status"] == "partial" and "session expired" not in out_row["status_reason"]
    assert "login" in out_row["status_reason"]

    code, out, err = _cli(home, "session", "check", "sock")
    assert code == 0 and "logged-in" in out, out + err

    site.expire(login)
    stale = _capture(home, "--session", "sock")
    assert stale["status"] == "partial" and "session expired" in stale["status_reason"]
    assert SessionStore(home).state("sock").needs_check.startswith("session expired")  # type: ignore[union-attr]
    code, out, _ = _cli(home, "session", "list")
    assert "needs check" in out
    code, out, _ = _cli(home, "session", "check", "sock", "--json")
    assert code == 1 and json.loads(out)["result"] == "logged-out"

    exports = tmp_path / "exports"
    exports.mkdir()
    for form, name in (("report", "report.html"), ("wacz", "c.wacz"), ("bagit", "bag.zip")):
        code, _out, err = _cli(home, "export", row["capture_id"], "--format", form,
                               "--output", str(exports / name))  # fmt: skip
        assert code == 0, err
    secrets = set(login.secrets) | set(site.rotated[rotated_before:])
    assert leaks(home, secrets) == [] and leaks(tmp_path / "exports", secrets) == []
    report = (exports / "report.html").read_text(encoding="utf-8")
    assert f"captured logged in as {loginsite.HANDLE} (session sock)" in report
    code, _out, err = _cli(home, "verify")
    assert code == 0, err


def test_bad_inputs_store_nothing(world_env: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    broken = tmp_path / "broken.txt"
    broken.write_text("# Netscape HTTP Cookie File\nx.com\tFALSE\t/\tTRUE\t0\tsid\n", "utf-8")
    code, _out, err = _cli(home, "session", "add", "bad", "--cookies", str(broken))
    assert (
        code == 1 and err.startswith("error: ") and "line 2" in err and len(err.splitlines()) == 1
    )
    code, _out, err = _cli(home, "session", "add", "two", "--cookies", str(broken),
                           "--profile", str(tmp_path))  # fmt: skip
    assert code == 1 and "exactly one of" in err
    assert SessionStore(home).names() == [], "nothing stored half"
    code, _out, err = _cli(home, "capture", "--session", "nobody", MEMBERS)
    assert code == 1 and "no session named 'nobody'" in err
    code, _out, err = _cli(home, "capture", "--session", "x", "--no-session", MEMBERS)
    assert code == 1 and "exclude each other" in err


def test_report_names_the_session_when_the_handle_is_unknown(world_env: World, tmp_path: Path):
    home, site = tmp_path / "home", world_env.login
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(site.cookies_txt(site.log_in()), encoding="utf-8")
    code, _out, err = _cli(home, "session", "add", "desk-2", "--cookies", str(cookies),
                           "--rate", "600")  # fmt: skip
    assert code == 0, err
    row = _capture(home, "--session", "desk-2")
    assert row["status"] == "complete", row["status_reason"]
    report = tmp_path / "report.html"
    code, _out, err = _cli(home, "export", row["capture_id"], "--format", "report",
                           "--output", str(report))  # fmt: skip
    assert code == 0, err
    text = report.read_text(encoding="utf-8")
    assert "captured logged in as the account of session desk-2 (handle not recorded)" in text
