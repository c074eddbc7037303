"""call search columns: the list reads one narrow row per live call

``call_search`` gains copies of what the filters, the facets and the deadline order read
(opening date, last cut-off or none, programme, type of action, funder, budget, the themes
as bits) and an index on (sort_deadline, call_id), so a search reads these rows (found by the
text index or walked in deadline order) and the page's calls only; a removed call keeps no
row. The index on calls (final_deadline, id), which the list's order could not use, goes.
SQLite's trigger refreshes the text index only when the words change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from eu_watch.calls.search import theme_bits

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


_REINDEX = (
    " ON call_search BEGIN "
    "INSERT INTO calls_fts(calls_fts, rowid, terms) VALUES ('delete', old.rowid_, old.terms); "
    "INSERT INTO calls_fts(rowid, terms) VALUES (new.rowid_, new.terms); END"
)
#: SQLite's trigger keeping the text index: on any update before, on the words' only after.
ANY_UPDATE = "CREATE TRIGGER call_search_au AFTER UPDATE" + _REINDEX
WORDS_UPDATE = "CREATE TRIGGER call_search_au AFTER UPDATE OF terms" + _REINDEX


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER call_search_au")
        op.execute(WORDS_UPDATE)
    # SQLite adds a NOT NULL column only with a default; PostgreSQL sets it after the fill.
    op.add_column("call_search", sa.Column("opening_date", sa.Date(), nullable=True))
    op.add_column(
        "call_search",
        sa.Column(
            "sort_deadline",
            kit.sqltypes.UtcDateTime(timezone=True),
            nullable=not sqlite,
            server_default=sa.text("'9999-12-31 00:00:00.000000'") if sqlite else None,
        ),
    )
    op.add_column("call_search", sa.Column("programme", sa.String(length=120), nullable=True))
    op.add_column("call_search", sa.Column("type_of_action", sa.String(length=120), nullable=True))
    op.add_column(
        "call_search",
        sa.Column("funder", sa.String(length=200), nullable=False, server_default=""),
    )
    op.add_column("call_search", sa.Column("budget_total_eur", sa.Float(), nullable=True))
    op.add_column(
        "call_search",
        sa.Column("theme_bits", sa.BigInteger(), nullable=False, server_default="0"),
    )

    calls = sa.table(
        "calls",
        sa.column("id", sa.Uuid()),
        sa.column("opening_date", sa.Date()),
        sa.column("final_deadline", kit.sqltypes.UtcDateTime()),
        sa.column("programme", sa.String()),
        sa.column("type_of_action", sa.String()),
        sa.column("funder", sa.String()),
        sa.column("budget_total_eur", sa.Float()),
        sa.column("themes", kit.sqltypes.Json),
        sa.column("deleted_at", kit.sqltypes.UtcDateTime()),
    )
    search = sa.table(
        "call_search",
        sa.column("call_id", sa.Uuid()),
        sa.column("opening_date", sa.Date()),
        sa.column("sort_deadline", kit.sqltypes.UtcDateTime()),
        sa.column("programme", sa.String()),
        sa.column("type_of_action", sa.String()),
        sa.column("funder", sa.String()),
        sa.column("budget_total_eur", sa.Float()),
        sa.column("theme_bits", sa.BigInteger()),
    )
    connection = op.get_bind()
    removed = sa.select(calls.c.id).where(calls.c.deleted_at.is_not(None))
    for table in ("call_search", "call_deadlines", "call_themes"):
        rows = sa.table(table, sa.column("call_id", sa.Uuid()))
        connection.execute(sa.delete(rows).where(rows.c.call_id.in_(removed)))
    live = connection.execute(sa.select(calls).where(calls.c.deleted_at.is_(None))).mappings()
    values = [
        {
            "key": row["id"],
            "opening": row["opening_date"],
            "deadline": row["final_deadline"] or NO_DEADLINE,
            "programme_": row["programme"],
            "action": row["type_of_action"],
            "funder_": row["funder"],
            "budget": row["budget_total_eur"],
            "bits": theme_bits(t["theme"] for t in row["themes"] or []),
        }
        for row in live.all()
    ]
    if values:
        connection.execute(
            sa.update(search)
            .where(search.c.call_id == sa.bindparam("key"))
            .values(
                opening_date=sa.bindparam("opening"),
                sort_deadline=sa.bindparam("deadline", type_=kit.sqltypes.UtcDateTime()),
                programme=sa.bindparam("programme_"),
                type_of_action=sa.bindparam("action"),
                funder=sa.bindparam("funder_"),
                budget_total_eur=sa.bindparam("budget"),
                theme_bits=sa.bindparam("bits"),
            ),
            values,
        )
    if not sqlite:
        op.alter_column("call_search", "sort_deadline", nullable=False)
    op.create_index(
        "ix_call_search_sort_deadline_call_id", "call_search", ["sort_deadline", "call_id"]
    )
    op.drop_index("ix_calls_final_deadline_id", table_name="calls")


def downgrade() -> None:
    op.create_index("ix_calls_final_deadline_id", "calls", ["final_deadline", "id"])
    op.drop_index("ix_call_search_sort_deadline_call_id", table_name="call_search")
    for column in (
        "theme_bits",
        "budget_total_eur",
        "funder",
        "type_of_action",
        "programme",
        "sort_deadline",
        "opening_date",
    ):
        op.drop_column("call_search", column)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER call_search_au")
        op.execute(ANY_UPDATE)
