"""full-text search index over post texts, titles, citations and URLs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

A derived index, not evidence: filled by triggers when evidence rows are inserted (evidence
rows are never updated, so insert triggers keep it complete). SQLite uses FTS5; PostgreSQL a
table with a generated tsvector and a GIN index.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, kind, then SQL for the id, title and body, with {r} standing for the row)
SOURCES = (
    ("post_snapshot", "post", "{r}.id", "{r}.author_handle", "{r}.text"),
    ("source", "source", "{r}.id", "{r}.title", "{r}.location"),
    (
        "citation",
        "citation",
        "{r}.id",
        "{r}.author_handle",
        "coalesce({r}.url, '') || ' ' || coalesce({r}.text, '')",
    ),
    ("capture", "capture", "{r}.id", "{r}.requested_url", "{r}.final_url"),
)


def _values(row: str, kind: str, ref: str, title: str, body: str) -> str:
    parts = (ref.format(r=row), title.format(r=row), body.format(r=row))
    return f"'{kind}', {parts[0]}, coalesce({parts[1]}, ''), coalesce({parts[2]}, '')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "kind UNINDEXED, ref_id UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE search_index (kind text NOT NULL, ref_id text NOT NULL, title text, "
            "body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', "
            "coalesce(title, '') || ' ' || coalesce(body, ''))) STORED)"
        )
        op.execute("CREATE INDEX search_index_tsv ON search_index USING gin (tsv)")
    for table, kind, ref, title, body in SOURCES:
        values = _values("NEW", kind, ref, title, body)
        if dialect == "sqlite":
            op.execute(
                f'CREATE TRIGGER {table}_search AFTER INSERT ON "{table}" BEGIN '
                f"INSERT INTO search_index (kind, ref_id, title, body) VALUES ({values}); END"
            )
        else:
            op.execute(
                f"CREATE FUNCTION {table}_search() RETURNS trigger AS $$ BEGIN "
                f"INSERT INTO search_index (kind, ref_id, title, body) VALUES ({values}); "
                "RETURN NEW; END; $$ LANGUAGE plpgsql"
            )
            op.execute(
                f'CREATE TRIGGER {table}_search AFTER INSERT ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {table}_search()"
            )
        existing = _values(f'"{table}"', kind, ref, title, body)
        op.execute(
            f'INSERT INTO search_index (kind, ref_id, title, body) SELECT {existing} FROM "{table}"'
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, *_ in SOURCES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search")
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_search ON "{table}"')
            op.execute(f"DROP FUNCTION IF EXISTS {table}_search()")
    op.execute("DROP TABLE IF EXISTS search_index")
