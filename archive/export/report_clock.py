"""Times in a report: UTC, and the same moment in the collector's zone as its signed manifest
recorded it (`collection.clock`: the IANA zone when the machine could name it, else the UTC
offset its clock had then)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.provenance.manifest import local_zone


@dataclass(frozen=True)
class Clock:
    """A zone to show times in beside UTC (None: not recorded)."""

    zone: tzinfo | None
    label: str  # "Europe/Berlin", "UTC+01:00", or why there is none

    @classmethod
    def of_collection(cls, clock: dict[str, Any] | None) -> "Clock":
        """The collector's zone from a manifest's `collection.clock` block."""
        clock = clock if isinstance(clock, dict) else {}
        named = clock.get("collector_zone")
        if isinstance(named, str) and named:
            try:
                return cls(ZoneInfo(named), named)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        offset = clock.get("collector_utc_offset_seconds")
        if isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) < 86400:
            delta = timedelta(seconds=offset)
            abbreviation = clock.get("collector_timezone")
            named = isinstance(abbreviation, str) and abbreviation
            fixed = timezone(delta, abbreviation) if named else timezone(delta)
            return cls(fixed, _offset(delta))
        return cls(None, "the collector's time zone is not recorded")

    @classmethod
    def here(cls) -> "Clock":
        """This machine's zone (for the time the report is made)."""
        named = local_zone()
        if named:
            return cls(ZoneInfo(named), named)
        here = datetime.now().astimezone().tzinfo
        return cls(here, _offset(datetime.now().astimezone().utcoffset()))

    def both(self, moment: datetime | str | None) -> str | None:
        """`2026-12-02 15:13:51 UTC · 16:13:51 CET (Europe/Berlin, UTC+01:00)`; None for None."""
        when = _as_datetime(moment)
        if when is None:
            return None
        utc = when.astimezone(UTC)
        text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.zone is None:
            return f"{text} ({self.label})"
        local = utc.astimezone(self.zone)
        day = "" if local.date() == utc.date() else local.strftime("%Y-%m-%d ")
        offset = _offset(local.utcoffset())
        zone = self.label if self.label.startswith(offset) else f"{self.label}, {offset}"
        return f"{text} · {day}{local.strftime('%H:%M:%S')} {local.tzname() or ''} ({zone})"


def _offset(delta: timedelta | None) -> str:
    """`UTC+01:00` for a UTC offset."""
    seconds = int((delta or timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{sign}{hours:02d}:{rest // 60:02d}"


def _as_datetime(moment: datetime | str | None) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string (naive means UTC)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
