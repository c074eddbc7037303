"""partner imports: OpenAgenda sync state and external ids

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_external_ids",
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("ext_id", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_external_ids_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source", "ext_id", name=op.f("pk_event_external_ids")),
    )
    with op.batch_alter_table("event_external_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_external_ids_event_id"), ["event_id"], unique=False
        )
    op.create_table(
        "openagenda_syncs",
        sa.Column("agenda_uid", sa.String(length=40), nullable=False),
        sa.Column("organizer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("updated_since", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_summary", kit.sqltypes.Json, nullable=False),
        sa.PrimaryKeyConstraint("agenda_uid", name=op.f("pk_openagenda_syncs")),
    )
    _link_existing_external_ids()


def _link_existing_external_ids() -> None:
    """Events created with ``ext_ids`` before this revision answer to them from now on
    (the oldest event wins when two claim the same id)."""
    connection = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Uuid()),
        sa.column("ext_ids", kit.sqltypes.Json),
        sa.column("created_at", kit.sqltypes.UtcDateTime(timezone=True)),
        sa.column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True)),
    )
    links = sa.table(
        "event_external_ids",
        sa.column("source", sa.String()),
        sa.column("ext_id", sa.String()),
        sa.column("event_id", sa.Uuid()),
        sa.column("created_at", kit.sqltypes.UtcDateTime(timezone=True)),
    )
    rows = connection.execute(
        sa.select(events.c.id, events.c.ext_ids, events.c.created_at)
        .where(events.c.deleted_at.is_(None))
        .order_by(events.c.created_at, events.c.id)
    )
    seen: dict[tuple[str, str], dict[str, object]] = {}
    for event_id, ext_ids, created_at in rows:
        for source, ext_id in (ext_ids or {}).items():
            key = (str(source)[:60], str(ext_id)[:200])
            seen.setdefault(
                key,
                {
                    "source": key[0],
                    "ext_id": key[1],
                    "event_id": event_id,
                    "created_at": created_at,
                },
            )
    if seen:
        connection.execute(sa.insert(links), list(seen.values()))


def downgrade() -> None:
    op.drop_table("openagenda_syncs")
    with op.batch_alter_table("event_external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_external_ids_event_id"))
    op.drop_table("event_external_ids")
