"""The `[witness]` settings: which independent archives are asked about each target.

Defaults < the `[witness]` table of config.toml < `EVIDENCE_*` environment variables. An
environment variable that is set wins even when empty, so `EVIDENCE_TIMEMAP_URL=` turns the
TimeMap lookup off; an empty base URL turns its lookup off.

| key | environment | default |
|---|---|---|
| wayback_url | EVIDENCE_WAYBACK_URL | https://web.archive.org |
| wayback_access_key | EVIDENCE_WAYBACK_ACCESS_KEY | (none) |
| wayback_secret_key | EVIDENCE_WAYBACK_SECRET_KEY | (none) |
| witnesses | EVIDENCE_WITNESSES | (none: nothing is submitted) |
| timemap_url | EVIDENCE_TIMEMAP_URL | https://timetravel.mementoweb.org/timemap/link |
| archive_today_url | EVIDENCE_ARCHIVE_TODAY_URL | https://archive.ph |
| timeout_s | EVIDENCE_WITNESS_TIMEOUT_S | 20 |
| ots_calendars | EVIDENCE_OTS_CALENDARS | (none: checkpoints are not OpenTimestamps-stamped) |
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.config import Settings
from archive.errors import EvidenceError

SUBMITTABLE = ("wayback",)
"""Services `witnesses` may name: only Save Page Now accepts automated submission."""


@dataclass(frozen=True)
class WitnessSettings:
    """Resolved `[witness]` settings."""

    wayback_url: str = "https://web.archive.org"
    wayback_access_key: str = ""
    wayback_secret_key: str = ""
    witnesses: tuple[str, ...] = ()
    timemap_url: str = "https://timetravel.mementoweb.org/timemap/link"
    archive_today_url: str = "https://archive.ph"
    timeout_s: float = 20.0
    ots_calendars: tuple[str, ...] = ()

    @property
    def submits_to_wayback(self) -> bool:
        """Save Page Now is used only when asked for and both keys are given."""
        keys = bool(self.wayback_access_key) and bool(self.wayback_secret_key)
        return "wayback" in self.witnesses and keys and bool(self.wayback_url)


_ENV = {
    "wayback_url": "EVIDENCE_WAYBACK_URL",
    "wayback_access_key": "EVIDENCE_WAYBACK_ACCESS_KEY",
    "wayback_secret_key": "EVIDENCE_WAYBACK_SECRET_KEY",
    "witnesses": "EVIDENCE_WITNESSES",
    "timemap_url": "EVIDENCE_TIMEMAP_URL",
    "archive_today_url": "EVIDENCE_ARCHIVE_TODAY_URL",
    "timeout_s": "EVIDENCE_WITNESS_TIMEOUT_S",
    "ots_calendars": "EVIDENCE_OTS_CALENDARS",
}


def load_witness_settings(
    section: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> WitnessSettings:
    """Build from a `[witness]` table and the environment (which wins when set)."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {key: value for key, value in (section or {}).items() if key in _ENV}
    for key, name in _ENV.items():
        if name in env:
            raw[key] = env[name]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "witnesses":
            values[key] = _services(value)
        elif key == "ots_calendars":
            values[key] = _urls(value)
        elif key == "timeout_s":
            values[key] = _seconds(value)
        elif isinstance(value, str):
            values[key] = value.strip().rstrip("/") if key.endswith("_url") else value.strip()
        else:
            raise EvidenceError(f"witness setting {key} must be a string, got {value!r}")
    return WitnessSettings(**values)


def witness_settings(settings: Settings) -> WitnessSettings:
    """The witness settings of an archive home."""
    return load_witness_settings(settings.section("witness"))


def _services(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    services = tuple(str(item).strip().lower() for item in items if str(item).strip())
    unknown = [name for name in services if name not in SUBMITTABLE]
    if unknown:
        raise EvidenceError(
            f"witnesses: unknown service {unknown[0]!r} (known: {', '.join(SUBMITTABLE)})"
        )
    return services


def _urls(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    urls = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise EvidenceError(f"ots_calendars: {url!r} is not an http(s) URL")
    return urls


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"witness setting timeout_s must be a number, got {value!r}") from exc
    if seconds <= 0:
        raise EvidenceError(f"witness setting timeout_s must be positive, got {value!r}")
    return seconds
