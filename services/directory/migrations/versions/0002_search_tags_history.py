"""Search terms (FTS5 on SQLite, tsvector + GIN on PostgreSQL), facet tags, history, merges.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from directory.actors.fulltext import terms

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TAG_FIELDS = {"type": "types", "theme": "themes", "audience": "audiences", "club": "clubs"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch.create_index("ix_actors_updated_at_id", ["updated_at", "id"])
        batch.create_index("ix_actors_lat_lon", ["lat", "lon"])

    op.create_table(
        "actor_search",
        sa.Column("rowid_", _BIGINT, primary_key=True, autoincrement=True),
        sa.Column(
            "actor_id",
            sa.Uuid(),
            sa.ForeignKey("actors.id", ondelete="CASCADE", name="fk_actor_search_actor_id_actors"),
            nullable=False,
        ),
        sa.Column("name_terms", sa.Text(), nullable=False, server_default=""),
        sa.Column("other_terms", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("rowid_", name="pk_actor_search"),
        sa.UniqueConstraint("actor_id", name="uq_actor_search_actor_id"),
    )
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE actor_search ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', name_terms), 'A') || "
            "setweight(to_tsvector('simple', other_terms), 'D')) STORED"
        )
        op.execute("CREATE INDEX ix_actor_search_vector ON actor_search USING gin (vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE actors_fts USING fts5(name_terms, other_terms, "
            "content='actor_search', content_rowid='rowid_', tokenize='unicode61', "
            "prefix='2 3 4')"
        )
        op.execute(
            "CREATE TRIGGER actor_search_ai AFTER INSERT ON actor_search BEGIN "
            "INSERT INTO actors_fts(rowid, name_terms, other_terms) "
            "VALUES (new.rowid_, new.name_terms, new.other_terms); END"
        )
        op.execute(
            "CREATE TRIGGER actor_search_ad AFTER DELETE ON actor_search BEGIN "
            "INSERT INTO actors_fts(actors_fts, rowid, name_terms, other_terms) "
            "VALUES ('delete', old.rowid_, old.name_terms, old.other_terms); END"
        )
        op.execute(
            "CREATE TRIGGER actor_search_au AFTER UPDATE ON actor_search BEGIN "
            "INSERT INTO actors_fts(actors_fts, rowid, name_terms, other_terms) "
            "VALUES ('delete', old.rowid_, old.name_terms, old.other_terms); "
            "INSERT INTO actors_fts(rowid, name_terms, other_terms) "
            "VALUES (new.rowid_, new.name_terms, new.other_terms); END"
        )

    op.create_table(
        "actor_tags",
        sa.Column(
            "actor_id",
            sa.Uuid(),
            sa.ForeignKey("actors.id", ondelete="CASCADE", name="fk_actor_tags_actor_id_actors"),
            nullable=False,
        ),
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "facet", "value", name="pk_actor_tags"),
    )
    op.create_index("ix_actor_tags_facet_value", "actor_tags", ["facet", "value", "actor_id"])

    op.create_table(
        "actor_changes",
        sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changed_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(120), nullable=True),
        sa.Column("changes", kit.sqltypes.Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_actor_changes"),
    )
    op.create_index("ix_actor_changes_actor_version", "actor_changes", ["actor_id", "version"])
    _backfill()


def _backfill() -> None:
    """Index actors created before this revision."""
    bind = op.get_bind()
    actors = sa.table(
        "actors",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("acronym", sa.String()),
        sa.column("city", sa.String()),
        sa.column("description", sa.Text()),
        *(sa.column(field, kit.sqltypes.Json) for field in _TAG_FIELDS.values()),
    )
    search = sa.table(
        "actor_search",
        sa.column("actor_id", sa.Uuid()),
        sa.column("name_terms", sa.Text()),
        sa.column("other_terms", sa.Text()),
    )
    tags = sa.table(
        "actor_tags", sa.column("actor_id", sa.Uuid()), sa.column("facet"), sa.column("value")
    )
    for row in bind.execute(sa.select(actors)).mappings():
        bind.execute(
            search.insert().values(
                actor_id=row["id"],
                name_terms=" ".join(terms(row["name"]) + terms(row["acronym"])),
                other_terms=" ".join(terms(row["city"]) + terms(row["description"])),
            )
        )
        rows = [
            {"actor_id": row["id"], "facet": facet, "value": value}
            for facet, field in _TAG_FIELDS.items()
            for value in set(row[field] or [])
        ]
        if rows:
            bind.execute(tags.insert(), rows)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_actor_changes_actor_version", table_name="actor_changes")
    op.drop_table("actor_changes")
    op.drop_index("ix_actor_tags_facet_value", table_name="actor_tags")
    op.drop_table("actor_tags")
    if dialect == "sqlite":
        for trigger in ("actor_search_ai", "actor_search_ad", "actor_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS actors_fts")
    op.drop_table("actor_search")
    with op.batch_alter_table("actors") as batch:
        batch.drop_index("ix_actors_lat_lon")
        batch.drop_index("ix_actors_updated_at_id")
        batch.drop_column("merged_into")
