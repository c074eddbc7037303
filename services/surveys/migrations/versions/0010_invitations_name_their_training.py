"""invitations made after a training before 0007 name that training

0007 gave an invitation after a training its ``training_id`` but left those made before it
empty, and since 355d83d a submission looks up its training (the training cut of results
and indicators) only for invitations naming one: their answers would lose that cut. Each
such invitation's training is in its ``training_feedback`` row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE invitations SET training_id = ("
            " SELECT f.event_id FROM training_feedback f WHERE f.invitation_id = invitations.id"
            ") WHERE training_id IS NULL AND EXISTS ("
            " SELECT 1 FROM training_feedback f WHERE f.invitation_id = invitations.id)"
        )
    )


def downgrade() -> None:
    """Nothing to undo: 0007's column holds what it would have held from the start."""
