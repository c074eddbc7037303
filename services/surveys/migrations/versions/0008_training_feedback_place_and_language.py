"""training feedback: the training's place and the attendee's language

``events.attendance.recorded`` now carries where the training took place and the
registrant's language: the satisfaction invitation (and its reminder) names the training,
its day and place, in French or English. Rows noted before have neither (French, no place).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_feedback") as batch:
        batch.add_column(sa.Column("event_place", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="fr")
        )


def downgrade() -> None:
    with op.batch_alter_table("training_feedback") as batch:
        batch.drop_column("language")
        batch.drop_column("event_place")
