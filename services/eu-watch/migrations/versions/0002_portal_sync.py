"""portal sync: call fields of the portal, derived status, portal labels, leases

Calls gain the portal's fields (call title, programme parts, priorities), ``funder`` for other
funders' calls, deadlines as moments (Brussels time) with the last one as a column, the
status derived from the dates (stored so its moves are announced once), the budget total as a
column (filters), the network themes, and the hash of what the source said last (a resync of
an unchanged topic writes nothing); the portal's code labels; the kit's leases (periodic
work, and the last run of the sync). Existing deadlines (dates) become 17:00 Brussels time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 08:50:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_lease_table, drop_lease_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BRUSSELS = ZoneInfo("Europe/Brussels")


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_title", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column(
                "funder",
                sa.String(length=200),
                nullable=False,
                server_default="European Commission",
            )
        )
        batch_op.add_column(
            sa.Column("programme_parts", kit.sqltypes.Json, nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("final_deadline", kit.sqltypes.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("budget_total_eur", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "cross_cutting_priorities", kit.sqltypes.Json, nullable=False, server_default="[]"
            )
        )
        batch_op.add_column(
            sa.Column("themes", kit.sqltypes.Json, nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("source_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_calls_final_deadline_id", ["final_deadline", "id"])

    calls = sa.table(
        "calls",
        sa.column("id", sa.Uuid()),
        sa.column("deadlines", kit.sqltypes.Json),
        sa.column("final_deadline", kit.sqltypes.UtcDateTime()),
        sa.column("opening_date", sa.Date()),
        sa.column("status", sa.String()),
        sa.column("budget", kit.sqltypes.Json),
        sa.column("budget_total_eur", sa.Float()),
        sa.column("source", sa.String()),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    for row in connection.execute(sa.select(calls)).mappings().all():
        moments = sorted(
            datetime.combine(date.fromisoformat(d[:10]), time(17), tzinfo=_BRUSSELS)
            for d in row["deadlines"] or []
        )
        final = moments[-1].astimezone(UTC) if moments else None
        if row["opening_date"] and now.astimezone(_BRUSSELS).date() < row["opening_date"]:
            status = "forthcoming"
        elif final is not None and now > final:
            status = "closed"
        else:
            status = "open"
        connection.execute(
            sa.update(calls)
            .where(calls.c.id == row["id"])
            .values(
                deadlines=[m.isoformat() for m in moments],
                final_deadline=final,
                status=status,
                budget_total_eur=(row["budget"] or {}).get("total_eur"),
                source="sedia" if row["source"] == "ft-portal" else row["source"],
            )
        )

    op.create_table(
        "portal_labels",
        sa.Column("facet", sa.String(length=80), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("facet", "code", name=op.f("pk_portal_labels")),
    )
    create_lease_table()


def downgrade() -> None:
    drop_lease_table()
    op.drop_table("portal_labels")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_final_deadline_id")
        for column in (
            "source_hash",
            "themes",
            "cross_cutting_priorities",
            "budget_total_eur",
            "status",
            "final_deadline",
            "programme_parts",
            "funder",
            "call_title",
        ):
            batch_op.drop_column(column)
