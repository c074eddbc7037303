"""cordis: the EU projects the network's actors took part in

``cordis_participations`` holds the rows of the public CORDIS dumps matched to actors
(``maillage-eu-watch cordis-import FILE``); the actor projection keeps what they are matched
on: the PIC of ``ext_ids``, the name and the city folded to plain words (filled as the
directory's events arrive; ``maillage-directory republish`` fills them for actors known
before).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("known_actors") as batch_op:
        batch_op.add_column(sa.Column("pic", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("plain_name", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("plain_city", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_known_actors_pic"), ["pic"])
    op.create_table(
        "cordis_participations",
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.String(length=20), nullable=False),
        sa.Column("acronym", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("topics", kit.sqltypes.Json, nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("matched_by", sa.String(length=20), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("imported_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "project_id", name=op.f("pk_cordis_participations")),
    )


def downgrade() -> None:
    op.drop_table("cordis_participations")
    with op.batch_alter_table("known_actors") as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_actors_pic"))
        batch_op.drop_column("plain_city")
        batch_op.drop_column("plain_name")
        batch_op.drop_column("pic")
