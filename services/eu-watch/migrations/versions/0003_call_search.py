"""call search: bilingual full text, deadlines and themes as rows

The stems of each call (English and French) in ``call_search``, indexed by FTS5 on SQLite and
a generated tsvector with a GIN index on PostgreSQL; one row per cut-off and per network theme
for the filters and facets. Existing calls are indexed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from eu_watch.calls.search import index_terms

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "call_search",
        sa.Column("rowid_", _BIGINT, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_search_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("rowid_", name=op.f("pk_call_search")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_search_call_id")),
    )
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE call_search ADD COLUMN vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED"
        )
        op.execute("CREATE INDEX ix_call_search_vector ON call_search USING gin (vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE calls_fts USING fts5(terms, content='call_search', "
            "content_rowid='rowid_', tokenize='unicode61', prefix='2 3 4')"
        )
        op.execute(
            "CREATE TRIGGER call_search_ai AFTER INSERT ON call_search BEGIN "
            "INSERT INTO calls_fts(rowid, terms) VALUES (new.rowid_, new.terms); END"
        )
        op.execute(
            "CREATE TRIGGER call_search_ad AFTER DELETE ON call_search BEGIN "
            "INSERT INTO calls_fts(calls_fts, rowid, terms) VALUES ('delete', old.rowid_, "
            "old.terms); END"
        )
        op.execute(
            "CREATE TRIGGER call_search_au AFTER UPDATE ON call_search BEGIN "
            "INSERT INTO calls_fts(calls_fts, rowid, terms) VALUES ('delete', old.rowid_, "
            "old.terms); INSERT INTO calls_fts(rowid, terms) VALUES (new.rowid_, new.terms); END"
        )
    op.create_table(
        "call_deadlines",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("deadline", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_deadlines_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", "deadline", name=op.f("pk_call_deadlines")),
    )
    op.create_index("ix_call_deadlines_deadline_call_id", "call_deadlines", ["deadline", "call_id"])
    op.create_table(
        "call_themes",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_themes_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_id", "theme", name=op.f("pk_call_themes")),
    )
    op.create_index("ix_call_themes_theme_call_id", "call_themes", ["theme", "call_id"])

    calls = sa.table(
        "calls",
        *(
            sa.column(name, kit.sqltypes.Json)
            for name in ("keywords", "cross_cutting_priorities", "programme_parts", "deadlines")
        ),
        *(
            sa.column(name, sa.String())
            for name in ("identifier", "call_identifier", "title", "call_title", "programme")
        ),
        sa.column("description", sa.Text()),
        sa.column("type_of_action", sa.String()),
        sa.column("funder", sa.String()),
        sa.column("id", sa.Uuid()),
    )
    connection = op.get_bind()
    search = sa.table("call_search", sa.column("call_id", sa.Uuid()), sa.column("terms", sa.Text))
    deadlines = sa.table(
        "call_deadlines",
        sa.column("call_id", sa.Uuid()),
        sa.column("deadline", kit.sqltypes.UtcDateTime()),
    )
    for row in connection.execute(sa.select(calls)).mappings().all():
        connection.execute(
            sa.insert(search).values(call_id=row["id"], terms=index_terms(dict(row)))
        )
        moments = {datetime.fromisoformat(d) for d in row["deadlines"] or []}
        if moments:
            connection.execute(
                sa.insert(deadlines), [{"call_id": row["id"], "deadline": m} for m in moments]
            )


def downgrade() -> None:
    op.drop_index("ix_call_themes_theme_call_id", table_name="call_themes")
    op.drop_table("call_themes")
    op.drop_index("ix_call_deadlines_deadline_call_id", table_name="call_deadlines")
    op.drop_table("call_deadlines")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE calls_fts")
    op.drop_table("call_search")
