"""matching: the actor projection, the theme mapping (seeded), calls' regions

``known_actors`` is the eu-watch's own copy of the directory's actors (from its events, with
membership) that calls are matched against; ``theme_mappings`` holds the editable mapping from
network themes to portal terms, seeded from the shipped one; calls may name the regions they
are limited to. Existing calls get their themes from the seeded mapping.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from eu_watch.themes.defaults import DEFAULT_MAPPING
from eu_watch.themes.policies import classify

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_actors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("types", sa.Text(), nullable=False),
        sa.Column("circle", sa.SmallInteger(), nullable=True),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("description_terms", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_actors")),
    )
    op.create_index("ix_known_actors_status_member", "known_actors", ["status", "member"])
    mappings = op.create_table(
        "theme_mappings",
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("keywords", kit.sqltypes.Json, nullable=False),
        sa.Column("priorities", kit.sqltypes.Json, nullable=False),
        sa.Column("programme_parts", kit.sqltypes.Json, nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("theme", name=op.f("pk_theme_mappings")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        mappings,
        [
            {"theme": theme, **dict(terms), "updated_at": now, "version": 1}
            for theme, terms in DEFAULT_MAPPING.items()
        ],
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("regions", kit.sqltypes.Json, nullable=False, server_default="[]")
        )

    calls = sa.table(
        "calls",
        sa.column("id", sa.Uuid()),
        sa.column("keywords", kit.sqltypes.Json),
        sa.column("cross_cutting_priorities", kit.sqltypes.Json),
        sa.column("programme_parts", kit.sqltypes.Json),
        sa.column("programme", sa.String()),
        sa.column("themes", kit.sqltypes.Json),
    )
    call_themes = sa.table(
        "call_themes", sa.column("call_id", sa.Uuid()), sa.column("theme", sa.String())
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(calls)).mappings().all():
        themes = classify(dict(row), DEFAULT_MAPPING)
        if themes:
            connection.execute(
                sa.update(calls).where(calls.c.id == row["id"]).values(themes=themes)
            )
            connection.execute(
                sa.insert(call_themes),
                [{"call_id": row["id"], "theme": t["theme"]} for t in themes],
            )


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("regions")
    op.drop_table("theme_mappings")
    op.drop_index("ix_known_actors_status_member", table_name="known_actors")
    op.drop_table("known_actors")
