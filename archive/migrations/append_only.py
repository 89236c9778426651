"""The append-only triggers migrations install on evidence tables (SQLite and PostgreSQL).

Each refuses UPDATE and DELETE on its table; on PostgreSQL they call `evidence_append_only()`,
which migration 0002 creates. Revisions after 0002 use these two functions so every evidence
table is guarded the same way.
"""

from collections.abc import Iterable

from alembic import op


def refuse_changes(tables: Iterable[str]) -> None:
    """Install the UPDATE and DELETE triggers on each table."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        for verb in ("UPDATE", "DELETE"):
            name = f"{table}_no_{verb.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f'CREATE TRIGGER {name} BEFORE {verb} ON "{table}" BEGIN '
                    f"SELECT RAISE(ABORT, '{table} rows are append-only evidence'); END"
                )
            elif dialect == "postgresql":
                op.execute(
                    f'CREATE TRIGGER {name} BEFORE {verb} ON "{table}" '
                    "FOR EACH ROW EXECUTE FUNCTION evidence_append_only()"
                )


def allow_changes(tables: Iterable[str]) -> None:
    """Drop the triggers `refuse_changes` installed."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        for verb in ("update", "delete"):
            if dialect == "sqlite":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
            elif dialect == "postgresql":
                op.execute(f'DROP TRIGGER IF EXISTS {table}_no_{verb} ON "{table}"')
