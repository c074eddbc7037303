"""events, organizers projection, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:27:41.919974
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("themes", kit.sqltypes.Json, nullable=False),
        sa.Column("audiences", kit.sqltypes.Json, nullable=False),
        sa.Column("age", kit.sqltypes.Json, nullable=True),
        sa.Column("accessibility", kit.sqltypes.Json, nullable=False),
        sa.Column("attendance_mode", sa.String(length=10), nullable=False),
        sa.Column("location", kit.sqltypes.Json, nullable=True),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("online_url", sa.String(length=1000), nullable=True),
        sa.Column("timings", kit.sqltypes.Json, nullable=False),
        sa.Column("starts_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("registration", kit.sqltypes.Json, nullable=False),
        sa.Column("ext_ids", kit.sqltypes.Json, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_region"), ["region"], unique=False)
        batch_op.create_index("ix_events_starts_at_id", ["starts_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "known_actors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_actors")),
    )

    op.create_table(
        "event_organizers",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_organizers_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "actor_id", name=op.f("pk_event_organizers")),
    )
    with op.batch_alter_table("event_organizers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_organizers_actor_id"), ["actor_id"], unique=False
        )
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
    with op.batch_alter_table("event_organizers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_organizers_actor_id"))

    op.drop_table("event_organizers")

    op.drop_table("known_actors")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_updated_at"))
        batch_op.drop_index(batch_op.f("ix_events_state"))
        batch_op.drop_index("ix_events_starts_at_id")
        batch_op.drop_index(batch_op.f("ix_events_region"))
        batch_op.drop_index(batch_op.f("ix_events_department"))

    op.drop_table("events")
