"""Database engine and schema migrations.

SQLite runs in WAL mode with foreign keys on, full fsync, and `BEGIN IMMEDIATE` transactions,
so two writers never interleave a read-then-append of the custody chain. Other backends
(PostgreSQL) use the same models through the URL in `database_url`.

Alembic is imported only when the schema is not at this release's head: opening an up-to-date
archive (every command after the first) reads the revision with one query and loads no
migration scripts, which keeps `evidence status` quick.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from archive.errors import ArchiveHomeError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SCHEMA_HEAD = "0005"
"""The newest revision in migrations/versions (a test holds it to Alembic's own head)."""


def make_engine(url: str) -> Engine:
    """Create an engine for `url`, with the SQLite pragmas the archive relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection) -> None:  # type: ignore[no-untyped-def]
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> "Config":
    """An Alembic config that runs the packaged migrations on `engine`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest schema revision this release knows, as Alembic reads the migration scripts."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) > 1:
        raise ArchiveHomeError("the archive's schema has several revisions; it was not made here")
    return rows[0][0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent); refuse archives newer than this release."""
    try:
        current = current_revision(engine)
        if current == SCHEMA_HEAD and revision == "head":
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        script = ScriptDirectory(str(MIGRATIONS_DIR))
        if current is not None and not _known_revision(script, current):
            raise ArchiveHomeError(
                f"this archive's schema ({current}) is newer than this release knows; "
                "upgrade the evidence collector"
            )
        if current != head_revision() or revision != "head":
            command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise ArchiveHomeError(f"cannot open the database: {exc.orig}") from exc


def _known_revision(script: "ScriptDirectory", revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except OperationalError as exc:  # a full disk, a locked file, a lost connection
            session.rollback()
            raise ArchiveHomeError(
                f"cannot write the database: {_first_line(exc.orig)} (nothing of this step was "
                "saved)"
            ) from exc
        except BaseException:
            session.rollback()
            raise


def _first_line(error: BaseException | None) -> str:
    """The driver's message alone, without SQLAlchemy's statement and background link."""
    return (
        str(error).strip().splitlines()[0]
        if error is not None and str(error).strip()
        else (type(error).__name__)
    )
