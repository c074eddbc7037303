"""registrations: seats, waitlist order, one active registration per e-mail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:34:49.241003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("sessions_attended", kit.sqltypes.Json, nullable=False),
        sa.Column("attendance_recorded_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_registrations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("event_id", "number", name="uq_registrations_event_id_number"),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registrations_event_id_status_number",
            ["event_id", "status", "number"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_registrations_updated_at"), ["updated_at"], unique=False
        )
        batch_op.create_index(
            "uq_registrations_event_id_email_key_active",
            ["event_id", "email_key"],
            unique=True,
            postgresql_where=sa.text("status != 'cancelled'"),
            sqlite_where=sa.text("status != 'cancelled'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_registrations_event_id_email_key_active",
            postgresql_where=sa.text("status != 'cancelled'"),
            sqlite_where=sa.text("status != 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_registrations_updated_at"))
        batch_op.drop_index("ix_registrations_event_id_status_number")

    op.drop_table("registrations")
