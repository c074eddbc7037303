"""invitations per training: a satisfaction survey shared by trainings asks about each

An invitation made after a training's attendance names that training (``training_id``). The
"once per survey" unique indexes now hold for the other invitations only, and a new one holds
"once per survey, training and address".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "actor_id IS NOT NULL"
EMAIL = "actor_id IS NULL AND email IS NOT NULL"
NOT_TRAINING = " AND training_id IS NULL"


def _unique(name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        "invitations",
        columns,
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column("invitations", sa.Column("training_id", sa.Uuid(), nullable=True))
    op.drop_index("uq_invitations_survey_actor", table_name="invitations")
    op.drop_index("uq_invitations_survey_email", table_name="invitations")
    _unique("uq_invitations_survey_actor", ["survey_id", "actor_id"], ACTOR + NOT_TRAINING)
    _unique("uq_invitations_survey_email", ["survey_id", "email"], EMAIL + NOT_TRAINING)
    _unique(
        "uq_invitations_survey_training_email",
        ["survey_id", "training_id", "email"],
        "training_id IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index("uq_invitations_survey_training_email", table_name="invitations")
    op.drop_index("uq_invitations_survey_email", table_name="invitations")
    op.drop_index("uq_invitations_survey_actor", table_name="invitations")
    op.execute(sa.text("DELETE FROM invitations WHERE training_id IS NOT NULL"))
    _unique("uq_invitations_survey_actor", ["survey_id", "actor_id"], ACTOR)
    _unique("uq_invitations_survey_email", ["survey_id", "email"], EMAIL)
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_column("training_id")
