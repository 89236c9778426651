"""evidence tables are append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Triggers refuse UPDATE and DELETE on every evidence table, so neither the product nor a stray
SQL statement can rewrite what was recorded; a correction is a new row and a custody event.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EVIDENCE_TABLES = (
    "blob",
    "source",
    "target",
    "citation",
    "capture",
    "artifact",
    "post_snapshot",
    "custody_event",
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only evidence', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
    for table in EVIDENCE_TABLES:
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


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in EVIDENCE_TABLES:
        for verb in ("update", "delete"):
            if dialect == "sqlite":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
            elif dialect == "postgresql":
                op.execute(f'DROP TRIGGER IF EXISTS {table}_no_{verb} ON "{table}"')
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS evidence_append_only()")
