"""Helpers of the session tests: cookies.txt files and stored sessions from the login site."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.sessions import SessionRecord, SessionStore
from archive.vocabulary import SessionKind
from tests.platforms.fakeweb import FakeWeb

SID = "sid-value-0123456789abcdef"
CSRF = "csrf-value-ZYXWVUTSRQ"

COOKIES_TXT = (
    "# Netscape HTTP Cookie File\n"
    "# exported for the tests\n"
    f"#HttpOnly_members.example.test\tFALSE\t/\tTRUE\t2000000000\tsid\t{SID}\n"
    f".members.example.test\tTRUE\t/\tTRUE\t0\tcsrftoken\t{CSRF}\n"
    "members.example.test\tFALSE\t/\tFALSE\t1000\told\tlong-expired-cookie\n"
)


def state(sid: str = SID, csrf: str = CSRF, domain: str = "members.example.test") -> dict:
    """A Playwright storage state with a session and a CSRF cookie."""
    base = {"domain": domain, "path": "/", "expires": -1, "secure": True, "sameSite": "Lax"}
    return {
        "cookies": [
            {"name": "sid", "value": sid, "httpOnly": True, **base},
            {"name": "csrftoken", "value": csrf, "httpOnly": False, **base},
        ],
        "origins": [],
    }


def stored(home: Path, name: str = "sock", hosts: tuple[str, ...] = (), **fields) -> SessionRecord:
    """Store a session made of `state()` in `home` and return it."""
    record = SessionRecord(
        name, SessionKind.STORAGE_STATE, fields.pop("storage_state", state()), hosts, **fields
    )
    SessionStore(home).add(record)
    return record


@pytest.fixture
def web() -> Iterator[FakeWeb]:
    """The platform tests' loopback fake web."""
    server = FakeWeb().start()
    yield server
    server.stop()
