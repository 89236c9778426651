"""provenance tables: timestamp tokens and custody-log checkpoints (append-only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from archive.migrations.append_only import allow_changes, refuse_changes

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("timestamp_token", "checkpoint")


def upgrade() -> None:
    op.create_table(
        "timestamp_token",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("subject_type", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("tsa_url", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["token_sha256"], ["blob.sha256"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("timestamp_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timestamp_token_subject_type"), ["subject_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_timestamp_token_subject_id"), ["subject_id"], unique=False
        )
    op.create_table(
        "checkpoint",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tree_size"),
    )
    refuse_changes(TABLES)  # evidence_append_only() was created by migration 0002.


def downgrade() -> None:
    allow_changes(TABLES)
    op.drop_table("checkpoint")
    with op.batch_alter_table("timestamp_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timestamp_token_subject_id"))
        batch_op.drop_index(batch_op.f("ix_timestamp_token_subject_type"))
    op.drop_table("timestamp_token")
