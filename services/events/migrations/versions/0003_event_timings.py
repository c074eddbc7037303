"""event timings: one row per timing, for date filters; filled from events.timings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:05:53.803603
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_timings",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("start_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_timings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "position", name=op.f("pk_event_timings")),
    )
    with op.batch_alter_table("event_timings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_timings_start_at_end_at", ["start_at", "end_at"], unique=False
        )

    _fill_from_events()


def downgrade() -> None:
    with op.batch_alter_table("event_timings", schema=None) as batch_op:
        batch_op.drop_index("ix_event_timings_start_at_end_at")

    op.drop_table("event_timings")


def _fill_from_events() -> None:
    """Copy the timings of existing events into their rows."""
    events = sa.table("events", sa.column("id", sa.Uuid()), sa.column("timings", kit.sqltypes.Json))
    timings = sa.table(
        "event_timings",
        sa.column("event_id", sa.Uuid()),
        sa.column("position", sa.SmallInteger()),
        sa.column("start_at", kit.sqltypes.UtcDateTime()),
        sa.column("end_at", kit.sqltypes.UtcDateTime()),
    )
    connection = op.get_bind()
    rows = [
        {
            "event_id": event_id,
            "position": index,
            "start_at": datetime.fromisoformat(timing["start"]),
            "end_at": datetime.fromisoformat(timing["end"]),
        }
        for event_id, event_timings in connection.execute(sa.select(events.c.id, events.c.timings))
        for index, timing in enumerate(event_timings or [])
    ]
    if rows:
        connection.execute(sa.insert(timings), rows)
