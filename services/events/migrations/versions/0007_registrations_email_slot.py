"""registrations: several per e-mail when the event allows it; refused ones free the e-mail

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CONDITION = "status != 'cancelled'"
NEW_CONDITION = "status NOT IN ('cancelled', 'refused')"


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_slot", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_index(
            "uq_registrations_event_id_email_key_active",
            postgresql_where=sa.text(OLD_CONDITION),
            sqlite_where=sa.text(OLD_CONDITION),
        )
        batch_op.create_index(
            "uq_registrations_event_id_email_key_slot_active",
            ["event_id", "email_key", "email_slot"],
            unique=True,
            postgresql_where=sa.text(NEW_CONDITION),
            sqlite_where=sa.text(NEW_CONDITION),
        )


def downgrade() -> None:
    # Fails if an e-mail now holds several active registrations of one event: those are
    # for a person to sort out, not for a migration to delete.
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_registrations_event_id_email_key_slot_active",
            postgresql_where=sa.text(NEW_CONDITION),
            sqlite_where=sa.text(NEW_CONDITION),
        )
        batch_op.create_index(
            "uq_registrations_event_id_email_key_active",
            ["event_id", "email_key"],
            unique=True,
            postgresql_where=sa.text(OLD_CONDITION),
            sqlite_where=sa.text(OLD_CONDITION),
        )
        batch_op.drop_column("email_slot")
