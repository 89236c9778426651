"""evidence tables are append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Triggers refuse UPDATE and DELETE on every evidence table, so neither the product nor a stray
SQL statement can rewrite what was recorded; a correction is a new row and a custody event.
"""

from alembic import op

from archive.migrations.append_only import allow_changes, refuse_changes

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
    refuse_changes(EVIDENCE_TABLES)


def downgrade() -> None:
    allow_changes(EVIDENCE_TABLES)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS evidence_append_only()")
