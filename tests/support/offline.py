"""Tests never reach the internet: the independent-archive lookups, on by default for users
(web.archive.org, the Memento aggregator, archive.ph), are off in every test unless the test
points them at a loopback service itself (`monkeypatch.setenv` in the test wins)."""

import pytest

OUTSIDE_WITNESSES = ("EVIDENCE_WAYBACK_URL", "EVIDENCE_TIMEMAP_URL", "EVIDENCE_ARCHIVE_TODAY_URL")


@pytest.fixture(autouse=True)
def no_outside_witnesses(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty base URL turns its lookup off (archive/witness_settings.py)."""
    for name in OUTSIDE_WITNESSES:
        monkeypatch.setenv(name, "")
