"""The procrastinate App on the archive's PostgreSQL, and its schema.

The queue lives in the same database as the evidence, so a worker needs only `database_url`.
Its schema is applied by the project when a worker or `collect --queue` starts: under a
PostgreSQL advisory lock (two workers starting together do not race) and only when the
`procrastinate_jobs` table is missing, so the step is idempotent. It is not an Alembic
migration because the archive's migrations also run on SQLite, where the queue cannot exist,
and procrastinate ships and versions its own schema.
"""

import procrastinate
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from archive.errors import EvidenceError
from collector.queue.ratelimit import RATE_TABLE_SQL
from collector.queue.tasks import QUEUE, blueprint

__all__ = ["CAPTURE_TASK", "QUEUE", "conninfo", "ensure_schema", "make_app"]
NAMESPACE = "evidence"
CAPTURE_TASK = f"{NAMESPACE}:capture_target"
SCHEMA_LOCK = 0x65766964  # "evid": advisory lock key for schema installation


def conninfo(database_url: str) -> str:
    """A libpq connection string from a SQLAlchemy `postgresql+psycopg://` URL.

    Raises EvidenceError for SQLite and other non-PostgreSQL URLs."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise EvidenceError(f"not a database URL: {database_url!r}") from exc
    if url.get_backend_name() != "postgresql":
        raise EvidenceError(
            "the capture queue needs PostgreSQL: set EVIDENCE_DATABASE_URL="
            "postgresql+psycopg://user@host/db (this archive uses "
            f"{url.get_backend_name()})"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str) -> procrastinate.App:
    """A procrastinate App on the archive's database with the capture task registered."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace=NAMESPACE)
    return app


async def ensure_schema(app: procrastinate.App) -> None:
    """Install procrastinate's schema and the host-slot table once (idempotent, race-free)."""
    async with app.connector.pool.connection() as conn, conn.transaction():  # type: ignore[attr-defined]
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        row = await cursor.fetchone()
        if not (row and row[0]):
            schema = SchemaManager.get_schema()
            await conn.execute(schema)  # type: ignore[arg-type]
        await conn.execute(RATE_TABLE_SQL)
