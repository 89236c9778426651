"""Per-host rate limit shared by every worker: one reserved start time per capture, in PostgreSQL.

This is the generic cell rate algorithm (GCRA): one row per host holds the earliest time the
next capture of that host may start. Reserving a slot is one atomic upsert that returns the
reserved time and pushes the row one interval further, so any number of workers on any number
of machines start captures of one host at most `per_minute` times a minute, in arrival order,
without polling. A procrastinate `lock` per host was the other candidate; it allows only one
capture of a host at a time (no rate, and a slow page stalls the host's whole backlog), and a
`queueing_lock` only deduplicates waiting jobs. The table is queue bookkeeping, not evidence,
so it is created beside procrastinate's schema rather than by the archive's migrations.
"""

import asyncio
import os
from typing import Any
from urllib.parse import urlsplit

RATE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS evidence_host_slots (
    host text PRIMARY KEY,
    next_at timestamptz NOT NULL
)
"""

RESERVE_SQL = """
INSERT INTO evidence_host_slots AS s (host, next_at)
VALUES (%(host)s, clock_timestamp() + make_interval(secs => %(interval)s))
ON CONFLICT (host) DO UPDATE
SET next_at = greatest(s.next_at, clock_timestamp()) + make_interval(secs => %(interval)s)
RETURNING extract(epoch FROM
    (next_at - make_interval(secs => %(interval)s)) - clock_timestamp()) AS wait_s
"""

DEFAULT_PER_MINUTE = 30.0


def host_of(url: str) -> str:
    """The rate-limited unit: the URL's host name, lower case."""
    return (urlsplit(url).hostname or "").lower()


def per_minute(section: dict[str, Any]) -> float:
    """Captures per minute per host: EVIDENCE_HOST_RATE_PER_MINUTE, else `[queue]
    host_rate_per_minute`, else 30. Zero or less means unlimited."""
    value = os.environ.get("EVIDENCE_HOST_RATE_PER_MINUTE") or section.get("host_rate_per_minute")
    return float(value) if value not in (None, "") else DEFAULT_PER_MINUTE


async def reserve(pool: Any, host: str, rate_per_minute: float) -> float:
    """Reserve the next start slot for `host`; return the seconds to wait for it (>= 0)."""
    if rate_per_minute <= 0 or not host:
        return 0.0
    async with pool.connection() as conn:
        cursor = await conn.execute(RESERVE_SQL, {"host": host, "interval": 60.0 / rate_per_minute})
        row = await cursor.fetchone()
    return max(0.0, float(row[0]))


async def wait_for_slot(pool: Any, url: str, rate_per_minute: float) -> float:
    """Reserve a slot for the URL's host and sleep until it; return the seconds waited."""
    wait_s = await reserve(pool, host_of(url), rate_per_minute)
    if wait_s > 0:
        await asyncio.sleep(wait_s)
    return wait_s
