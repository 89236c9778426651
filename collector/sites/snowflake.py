"""X post ids are Snowflakes: `(id >> 22) + 1288834974657` is the creation time in ms (UTC).

Ids from before Snowflake (November 2010) are sequential and say nothing of time; anything
below `FIRST_SNOWFLAKE` or above 63 bits is refused. A stated day is the whole day in every
time zone the author may have been in (UTC-12 to UTC+14).
"""

from datetime import UTC, date, datetime, timedelta

TWITTER_EPOCH_MS = 1288834974657
FIRST_SNOWFLAKE = 29_700_859_247
"""About the first Snowflake id issued (2010-11-04); smaller ids are sequential."""
MAX_ID = (1 << 63) - 1
EARLIEST_OFFSET = timedelta(hours=14)  # UTC+14: the day starts earliest
LATEST_OFFSET = timedelta(hours=12)  # UTC-12: the day ends latest


def post_time(post_id: str | int) -> datetime | None:
    """The creation time a Snowflake id encodes, or None for anything that is not one."""
    text = str(post_id).strip()
    if not text.isdigit() or not text.isascii():
        return None
    value = int(text)
    if value < FIRST_SNOWFLAKE or value > MAX_ID:
        return None
    return datetime.fromtimestamp(((value >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


def day_window(day: date) -> tuple[datetime, datetime]:
    """From the day's first instant at UTC+14 to its last at UTC-12, as aware UTC times."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - EARLIEST_OFFSET
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) + LATEST_OFFSET
    return start, end


def id_range(day: date) -> tuple[int, int]:
    """The smallest and largest Snowflake id a post made on `day` (in any zone) can have."""
    start, end = day_window(day)
    low = (int(start.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22
    high = ((int(end.timestamp() * 1000) - 1 - TWITTER_EPOCH_MS) << 22) | ((1 << 22) - 1)
    return max(low, 0), high
