"""Reading cookies.txt and storage-state files: what is kept, and clear errors that never
quote a value."""

import json
from pathlib import Path

import pytest

from archive.session_formats import (
    SESSION_COOKIE,
    SessionFileError,
    check_storage_state,
    read_cookies_txt,
    read_storage_state,
)
from tests.sessions.conftest import COOKIES_TXT, CSRF, SID, state


def _file(tmp_path: Path, text: str, name: str = "cookies.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cookies_txt_httponly_session_and_expired(tmp_path: Path) -> None:
    read = read_cookies_txt(_file(tmp_path, COOKIES_TXT), now=1_700_000_000)
    by_name = {c["name"]: c for c in read["cookies"]}
    assert set(by_name) == {"sid", "csrftoken"}, "the expired cookie is dropped"
    assert by_name["sid"]["httpOnly"] is True and by_name["sid"]["value"] == SID
    assert by_name["sid"]["domain"] == "members.example.test"
    assert by_name["sid"]["expires"] == 2_000_000_000.0 and by_name["sid"]["secure"] is True
    assert by_name["csrftoken"]["httpOnly"] is False
    assert by_name["csrftoken"]["expires"] == SESSION_COOKIE, "expiry 0 is a session cookie"
    assert by_name["csrftoken"]["domain"] == ".members.example.test"
    assert read["origins"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sid\tvalue\n", "not a Netscape cookies.txt"),
        (f"# Netscape HTTP Cookie File\nx.com\tFALSE\t/\tTRUE\t0\tsid {SID}\n", "line 2: 6"),
        (f"# Netscape HTTP Cookie File\nx.com\tTRUE\t/\tTRUE\t0\tsid\t{SID}\n", "leading dot"),
        (f"# Netscape HTTP Cookie File\nx.com\tFALSE\t/\tyes\t0\tsid\t{SID}\n", "TRUE or FALSE"),
        (f"# Netscape HTTP Cookie File\nx.com\tFALSE\t/\tTRUE\tsoon\tsid\t{SID}\n", "Unix time"),
        (f"# Netscape HTTP Cookie File\n\nx.com\tFALSE\t/\tTRUE\t0\t\t{SID}\n", "line 3"),
        ("# Netscape HTTP Cookie File\n# nothing here\n", "holds no cookies"),
        (f"# Netscape HTTP Cookie File\nx.com\tFALSE\t/\tTRUE\t1000\tsid\t{SID}\n", "expired"),
    ],
)
def test_malformed_cookies_txt(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SessionFileError) as caught:
        read_cookies_txt(_file(tmp_path, text), now=1_700_000_000)
    message = str(caught.value)
    assert expected in message and SID not in message and "\n" not in message


def test_cookies_txt_not_text_or_missing(tmp_path: Path) -> None:
    binary = tmp_path / "cookies.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SessionFileError, match="not a UTF-8 text file"):
        read_cookies_txt(binary)
    with pytest.raises(SessionFileError, match="cannot read"):
        read_cookies_txt(tmp_path / "absent.txt")


def test_storage_state_checked_and_normalized(tmp_path: Path) -> None:
    data = state()
    data["origins"] = [{"origin": "https://members.example.test/", "localStorage": [
        {"name": "token", "value": "local-storage-token-value"}]}]  # fmt: skip
    read = read_storage_state(_file(tmp_path, json.dumps(data), "state.json"))
    assert [c["name"] for c in read["cookies"]] == ["sid", "csrftoken"]
    assert read["origins"][0]["origin"] == "https://members.example.test"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(cookies={}), "'cookies' must be a list"),
        (lambda d: d["cookies"][0].pop("value"), "cookies[0]: 'value' must be a string"),
        (lambda d: d["cookies"][1].update(sameSite="lax"), "cookies[1]: 'sameSite'"),
        (lambda d: d["cookies"][0].update(expires="never"), "'expires' must be a number"),
        (lambda d: d["cookies"][0].update(httpOnly="yes"), "'httpOnly' must be true or false"),
        (lambda d: d.update(origins=[{"origin": "members"}]), "'origin' must be a URL"),
        (lambda d: d.update(cookies=[], origins=[]), "no cookies and no origins"),
        (lambda d: [c.update(expires=1000) for c in d["cookies"]], "has expired"),
    ],
)
def test_bad_storage_states(change, expected: str) -> None:
    data = state()
    change(data)
    with pytest.raises(SessionFileError) as caught:
        check_storage_state(data, "state.json", now=1_700_000_000)
    assert expected in str(caught.value) and SID not in str(caught.value)
    assert CSRF not in str(caught.value)


def test_storage_state_not_json(tmp_path: Path) -> None:
    with pytest.raises(SessionFileError, match="is not JSON"):
        read_storage_state(_file(tmp_path, f"sid={SID}", "state.json"))
