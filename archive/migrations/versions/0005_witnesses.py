"""witnesses and OpenTimestamps proofs (append-only)

`witness`: what independent archives answered about each target; `ots_proof`: each log
checkpoint's OpenTimestamps proof, a new row per upgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from archive.migrations.append_only import allow_changes, refuse_changes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("witness", "ots_proof")


def upgrade() -> None:
    op.create_table(
        "witness",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("capture_id", sa.String(), nullable=True),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("request_url", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("memento_url", sa.String(), nullable=True),
        sa.Column("memento_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mementos", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"]),
        sa.ForeignKeyConstraint(["capture_id"], ["capture.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("witness", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_witness_capture_id"), ["capture_id"], unique=False)
    op.create_table(
        "ots_proof",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("proof_sha256", sa.String(length=64), nullable=True),
        sa.Column("calendars", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proof_sha256"], ["blob.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ots_proof", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ots_proof_tree_size"), ["tree_size"], unique=False)
    refuse_changes(TABLES)


def downgrade() -> None:
    allow_changes(TABLES)
    with op.batch_alter_table("ots_proof", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ots_proof_tree_size"))
    op.drop_table("ots_proof")
    with op.batch_alter_table("witness", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_capture_id"))
        batch_op.drop_index(batch_op.f("ix_witness_target_id"))
    op.drop_table("witness")
