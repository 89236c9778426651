"""UTC time with microseconds, the only clock format the archive stores."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (microsecond precision)."""
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """Format as ISO 8601 with microseconds and a ``Z`` suffix; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
