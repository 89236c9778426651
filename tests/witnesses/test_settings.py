"""The `[witness]` settings: the issue's names, environment over config.toml, bad values."""

import pytest

from archive.errors import EvidenceError
from archive.witness_settings import WitnessSettings, load_witness_settings


def test_defaults_submit_nothing() -> None:
    settings = load_witness_settings({}, env={})
    assert settings == WitnessSettings()
    assert settings.wayback_url == "https://web.archive.org"
    assert settings.witnesses == () and not settings.submits_to_wayback


def test_environment_wins_and_empty_turns_a_lookup_off() -> None:
    section = {
        "wayback_url": "https://mirror.example/",
        "witnesses": ["wayback"],
        "wayback_access_key": "k",
        "timemap_url": "https://tm.example/timemap/link",
    }
    env = {"EVIDENCE_WAYBACK_SECRET_KEY": "s", "EVIDENCE_TIMEMAP_URL": ""}
    settings = load_witness_settings(section, env=env)
    assert settings.wayback_url == "https://mirror.example"
    assert settings.timemap_url == ""
    assert settings.submits_to_wayback


def test_submission_needs_both_keys() -> None:
    env = {"EVIDENCE_WITNESSES": "wayback", "EVIDENCE_WAYBACK_ACCESS_KEY": "k"}
    assert not load_witness_settings({}, env=env).submits_to_wayback


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EVIDENCE_WITNESSES": "wayback,archive_today"}, "unknown service 'archive_today'"),
        ({"EVIDENCE_WITNESS_TIMEOUT_S": "soon"}, "must be a number"),
        ({"EVIDENCE_WITNESS_TIMEOUT_S": "0"}, "must be positive"),
    ],
)
def test_bad_values_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        load_witness_settings({}, env=env)


def test_non_string_url_is_refused() -> None:
    with pytest.raises(EvidenceError, match="must be a string"):
        load_witness_settings({"wayback_url": 3}, env={})
