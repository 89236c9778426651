"""The encrypted session store: nothing secret on disk, clear errors, atomic changes, host
binding, the rate limit and cool-down, the check mark; and the picker's choice per URL."""

import os
import stat
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from archive.errors import EvidenceError, NotFoundError
from archive.sessions import SessionError, SessionStore, normalize_host
from archive.vocabulary import PageVerdict
from collector.capture.result import CaptureResult
from collector.collect.sessions import SessionChoice, SessionPicker
from tests.sessions.conftest import CSRF, SID, state, stored


def _all_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def test_stored_encrypted_with_private_key(tmp_path: Path) -> None:
    record = stored(tmp_path, "sock", ("members.example.test",), handle="@sockpuppet")
    store = SessionStore(tmp_path)
    assert store.get("sock") == record
    data = _all_bytes(tmp_path)
    assert SID.encode() not in data and CSRF.encode() not in data
    assert b"members.example.test" not in data, "even the hosts are inside the ciphertext"
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "session.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "sessions").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "sessions" / "sock.session").st_mode) == 0o600
    assert not [p for p in (tmp_path / "sessions").iterdir() if p.name.endswith(".tmp")]
    assert SID not in repr(record.summary()) and record.summary()["cookies"] == 2


def test_wrong_key_or_swapped_file_does_not_decrypt(tmp_path: Path) -> None:
    stored(tmp_path, "a")
    folder = tmp_path / "sessions"
    os.replace(folder / "a.session", folder / "b.session")
    with pytest.raises(SessionError, match="'b' cannot be decrypted"):
        SessionStore(tmp_path).get("b")
    os.replace(folder / "b.session", folder / "a.session")
    (tmp_path / "keys" / "session.key").write_bytes(os.urandom(32))
    with pytest.raises(SessionError, match="not the key it was stored with"):
        SessionStore(tmp_path).get("a")


def test_names_hosts_and_replacing(tmp_path: Path) -> None:
    stored(tmp_path, "one", ("x.com",))
    with pytest.raises(SessionError, match="exists"):
        stored(tmp_path, "one")
    with pytest.raises(SessionError, match="host x.com is already bound to session 'one'"):
        stored(tmp_path, "two", ("x.com",))
    assert not (tmp_path / "sessions" / "two.session").exists(), "nothing stored half"
    with pytest.raises(SessionError, match="invalid session name"):
        stored(tmp_path, "../evil")
    store = SessionStore(tmp_path)
    store.add(replace(store.get("one"), hosts=("twitter.com",)), replace=True)
    stored(tmp_path, "two", ("x.com",))
    assert store.names() == ["one", "two"]
    assert store.bound_to("mobile.x.com").name == "two"  # type: ignore[union-attr]
    assert store.bound_to("notx.com") is None
    store.remove("two")
    with pytest.raises(NotFoundError, match="no session named 'two'"):
        store.remove("two")
    assert store.names() == ["one"]


@pytest.mark.parametrize(
    ("given", "host"), [("X.com", "x.com"), ("https://x.com/home", "x.com"), ("x.com.", "x.com")]
)
def test_host_normalized(given: str, host: str) -> None:
    assert normalize_host(given) == host


def test_bad_host() -> None:
    with pytest.raises(SessionError, match="invalid host"):
        normalize_host("not a host")


def test_scope_is_cookie_domains_without_binding(tmp_path: Path) -> None:
    record = stored(tmp_path, storage_state=state(domain=".example.test"))
    assert record.scope == ("example.test",)
    assert record.covers("members.example.test") and not record.covers("example.org")


def test_rate_limit_spaces_starts_and_cooldown_pauses(tmp_path: Path) -> None:
    record = stored(tmp_path, rate_per_minute=6, cooldown_s=300)  # one start per 10 s
    store = SessionStore(tmp_path)
    assert store.reserve(record, now=1000.0) == 0.0
    assert store.reserve(record, now=1001.0) == pytest.approx(9.0)
    assert store.reserve(record, now=1001.0) == pytest.approx(19.0)
    assert store.reserve(record, now=2000.0) == 0.0
    store.cool_down(record, "x.com answered with HTTP 429", now=2000.0)
    assert store.reserve(record, now=2001.0) == pytest.approx(299.0)
    assert store.state(record.name).uses == 5
    assert store.state(record.name).cooldown_reason == "x.com answered with HTTP 429"


def test_needs_check_mark(tmp_path: Path) -> None:
    stored(tmp_path)
    store = SessionStore(tmp_path)
    store.mark_needs_check("sock", "session expired: the page showed a login wall")
    assert store.state("sock").needs_check.startswith("session expired")  # type: ignore[union-attr]
    store.mark_checked("sock", logged_in=True)
    assert store.state("sock").needs_check is None and store.state("sock").checked_at


def test_picker_choices(tmp_path: Path) -> None:
    stored(tmp_path, "bound", ("members.example.test",))
    stored(tmp_path, "free", storage_state=state(domain="other.example.test"))
    url = "https://members.example.test/members"
    auto = SessionPicker(tmp_path, SessionChoice())
    assert auto.record_for(url).name == "bound"  # type: ignore[union-attr]
    assert auto.record_for("https://other.example.test/") is None, "unbound: only by name"
    named = SessionPicker(tmp_path, SessionChoice("free"))
    assert named.record_for("https://other.example.test/a").name == "free"  # type: ignore[union-attr]
    assert named.record_for(url) is None, "a named session is used on its own hosts only"
    with pytest.raises(EvidenceError, match="none of the URLs is on its hosts"):
        named.require_fit([url])
    assert SessionPicker(tmp_path, SessionChoice(off=True)).record_for(url) is None
    with pytest.raises(EvidenceError, match="exclude each other"):
        SessionChoice.from_flags("bound", True)
    with pytest.raises(NotFoundError):
        SessionPicker(tmp_path, SessionChoice("absent"))


def test_job_choice_round_trip() -> None:
    assert SessionChoice.from_job({}) is None
    choice = SessionChoice("sock")
    assert SessionChoice.from_job(choice.as_job()) == choice
    assert SessionChoice.from_job(SessionChoice(off=True).as_job()) == SessionChoice(off=True)


def _capture(verdict: str, http_status: int = 200) -> CaptureResult:
    result = CaptureResult.__new__(CaptureResult)
    result.details = {"page_verdict": {"verdict": verdict, "reason": "r", "signals": []}}
    result.requested_url = result.final_url = "https://members.example.test/members"
    result.http_status = http_status
    return result


def test_after_a_capture_marks_or_cools(tmp_path: Path) -> None:
    record = stored(tmp_path, cooldown_s=60)
    picker = SessionPicker(tmp_path, SessionChoice())
    store = SessionStore(tmp_path)
    assert picker.after(record, _capture(PageVerdict.PAGE)) == []
    assert store.state("sock").needs_check is None and store.state("sock").cooldown_until == 0
    (note,) = picker.after(record, _capture(PageVerdict.LOGIN_WALL))
    assert "marked for `evidence session check`" in note
    assert "login wall" in (store.state("sock").needs_check or "")
    (note,) = picker.after(record, _capture(PageVerdict.PAGE, 429))
    assert "cools down for 60 s" in note and store.state("sock").cooldown_until > 0
    (note,) = picker.after(record, _capture(PageVerdict.BOT_CHALLENGE))
    assert "bot challenge" in (store.state("sock").cooldown_reason or "")


def test_unwritable_home_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sessions").write_text("a file in the way", encoding="utf-8")
    with pytest.raises(SessionError, match="cannot write sessions in"):
        stored(tmp_path)


def _first_keys_at_once(home: Path, threads_n: int) -> tuple[list[bytes], list[BaseException]]:
    """Each thread makes the store's first key, all started together."""
    start = threading.Barrier(threads_n)
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def make() -> None:
        start.wait()
        try:
            keys.append(SessionStore(home)._new_key())
        except BaseException as exc:  # noqa: BLE001  every thread's failure is reported
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return keys, errors


def test_threads_making_the_first_key_at_once_share_one(tmp_path: Path) -> None:
    for attempt in range(5):
        home = tmp_path / str(attempt)
        keys, errors = _first_keys_at_once(home, 8)
        assert errors == []
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert not [p for p in (home / "keys").iterdir() if p.name.endswith(".tmp")]
