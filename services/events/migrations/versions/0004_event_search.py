"""event search: full text, coordinates, ages, accessibility, tags, tombstones

Search terms (FTS5 on SQLite, tsvector + GIN on PostgreSQL), the numbers map, age and
accessibility filters read, one row per facet value (with the event's state) for filters and
facet counts, the stored counts over the whole calendar, and the tombstones incremental sync
returns. Existing events are indexed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from events.search.index import search_values, tag_values

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "event_search",
        sa.Column("rowid_", _BIGINT, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.Uuid(),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_search_event_id_events"),
            nullable=False,
        ),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("other_terms", sa.Text(), nullable=False),
        sa.Column("tag_terms", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("age_min", sa.SmallInteger(), nullable=True),
        sa.Column("age_max", sa.SmallInteger(), nullable=True),
        sa.Column("accessibility", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("rowid_", name="pk_event_search"),
        sa.UniqueConstraint("event_id", name="uq_event_search_event_id"),
    )
    op.create_index("ix_event_search_lat_lon", "event_search", ["lat", "lon", "event_id"])
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE event_search ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title_terms), 'A') || "
            "setweight(to_tsvector('simple', other_terms), 'D') || "
            "setweight(to_tsvector('simple', tag_terms), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_event_search_vector ON event_search USING gin (vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE events_fts USING fts5(title_terms, other_terms, tag_terms, "
            "content='event_search', content_rowid='rowid_', tokenize='unicode61', "
            "prefix='2 3 4')"
        )
        op.execute(
            "CREATE TRIGGER event_search_ai AFTER INSERT ON event_search BEGIN "
            "INSERT INTO events_fts(rowid, title_terms, other_terms, tag_terms) "
            "VALUES (new.rowid_, new.title_terms, new.other_terms, new.tag_terms); END"
        )
        op.execute(
            "CREATE TRIGGER event_search_ad AFTER DELETE ON event_search BEGIN "
            "INSERT INTO events_fts(events_fts, rowid, title_terms, other_terms, tag_terms) "
            "VALUES ('delete', old.rowid_, old.title_terms, old.other_terms, old.tag_terms); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER event_search_au AFTER UPDATE ON event_search BEGIN "
            "INSERT INTO events_fts(events_fts, rowid, title_terms, other_terms) "
            "VALUES ('delete', old.rowid_, old.title_terms, old.other_terms); "
            "INSERT INTO events_fts(rowid, title_terms, other_terms, tag_terms) "
            "VALUES (new.rowid_, new.title_terms, new.other_terms, new.tag_terms); END"
        )

    op.create_table(
        "event_tags",
        sa.Column(
            "event_id",
            sa.Uuid(),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_tags_event_id_events"),
            nullable=False,
        ),
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "facet", "value", name="pk_event_tags"),
    )
    op.create_index("ix_event_tags_facet_value", "event_tags", ["facet", "value", "event_id"])
    op.create_index("ix_event_tags_facet_state_value", "event_tags", ["facet", "state", "value"])

    op.create_table(
        "event_facet_counts",
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", "state", name="pk_event_facet_counts"),
    )

    op.create_table(
        "event_tombstones",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("removed_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_tombstones"),
    )
    op.create_index(
        "ix_event_tombstones_removed_at_event_id", "event_tombstones", ["removed_at", "event_id"]
    )
    _backfill()


def _backfill() -> None:
    """Index the events created before this revision (search rows, tags, facet counts);
    tombstone those already deleted."""
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.String()),
        sa.column("summary", sa.String()),
        sa.column("description", sa.Text()),
        *(
            sa.column(name, sa.String())
            for name in ("kind", "status", "department", "region", "attendance_mode", "state")
        ),
        sa.column("version", sa.Integer()),
        sa.column("deleted_at", kit.sqltypes.UtcDateTime()),
        *(
            sa.column(name, kit.sqltypes.Json)
            for name in ("location", "themes", "audiences", "age", "accessibility", "timings")
        ),
    )
    search = sa.table(
        "event_search",
        sa.column("event_id", sa.Uuid()),
        *(
            sa.column(name)
            for name in (
                "title_terms",
                "other_terms",
                "tag_terms",
                "lat",
                "lon",
                "age_min",
                "age_max",
                "accessibility",
            )
        ),
    )
    tags = sa.table(
        "event_tags",
        sa.column("event_id", sa.Uuid()),
        sa.column("facet", sa.String()),
        sa.column("value", sa.String()),
        sa.column("state", sa.String()),
    )
    tombstones = sa.table(
        "event_tombstones",
        sa.column("event_id", sa.Uuid()),
        sa.column("removed_at", kit.sqltypes.UtcDateTime()),
        sa.column("reason", sa.String()),
        sa.column("version", sa.Integer()),
    )
    for row in bind.execute(sa.select(events)).mappings():
        bind.execute(search.insert().values(**search_values(row["id"], row)))
        rows = tag_values(row["id"], row)
        if rows:
            bind.execute(tags.insert(), rows)
        if row["deleted_at"] is not None:
            bind.execute(
                tombstones.insert().values(
                    event_id=row["id"],
                    removed_at=row["deleted_at"],
                    reason="deleted",
                    version=row["version"],
                )
            )
    op.execute(
        "INSERT INTO event_facet_counts (facet, value, state, count) "
        "SELECT facet, value, state, count(*) FROM event_tags GROUP BY facet, value, state"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_event_tombstones_removed_at_event_id", table_name="event_tombstones")
    op.drop_table("event_tombstones")
    op.drop_table("event_facet_counts")
    op.drop_index("ix_event_tags_facet_state_value", table_name="event_tags")
    op.drop_index("ix_event_tags_facet_value", table_name="event_tags")
    op.drop_table("event_tags")
    if dialect == "sqlite":
        for trigger in ("event_search_ai", "event_search_ad", "event_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS events_fts")
    op.drop_index("ix_event_search_lat_lon", table_name="event_search")
    op.drop_table("event_search")
