"""anonymous responses cut from their invitations

Responses of anonymous surveys written before this revision kept the moment they were
written and, once submitted, the keyed hash of their link's token: both lead back to the
invitation used. Submitted ones lose the key, every one keeps only its day (midnight in
Paris); the invitations of anonymous surveys keep only whether they were used (``partial``
becomes ``invited``, ``updated_at`` goes back to ``created_at``). No schema change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

surveys = sa.table("surveys", sa.column("id", sa.Uuid()), sa.column("anonymous", sa.Boolean()))
responses = sa.table(
    "responses",
    sa.column("id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("respondent_key", sa.String()),
    sa.column("created_at", kit.sqltypes.UtcDateTime()),
    sa.column("updated_at", kit.sqltypes.UtcDateTime()),
    sa.column("submitted_at", kit.sqltypes.UtcDateTime()),
)
invitations = sa.table(
    "invitations",
    sa.column("survey_id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("created_at", kit.sqltypes.UtcDateTime()),
    sa.column("updated_at", kit.sqltypes.UtcDateTime()),
)


PARIS = ZoneInfo("Europe/Paris")


def anonymous_moment(moment: datetime) -> datetime:
    """The start of the moment's day in Paris (as surveys.responses.policies writes now)."""
    day = moment.astimezone(PARIS).date()
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(moment.tzinfo)


def upgrade() -> None:
    bind = op.get_bind()
    anonymous = sa.select(surveys.c.id).where(surveys.c.anonymous.is_(True))
    rows = bind.execute(
        sa.select(
            responses.c.id,
            responses.c.status,
            responses.c.created_at,
            responses.c.updated_at,
            responses.c.submitted_at,
        ).where(responses.c.survey_id.in_(anonymous))
    ).all()
    for row in rows:
        values = {
            "created_at": anonymous_moment(row.created_at),
            "updated_at": anonymous_moment(row.updated_at),
            "submitted_at": anonymous_moment(row.submitted_at) if row.submitted_at else None,
        }
        if row.status == "submitted":
            values["respondent_key"] = None
        bind.execute(sa.update(responses).where(responses.c.id == row.id).values(**values))
    bind.execute(
        sa.update(invitations)
        .where(invitations.c.survey_id.in_(anonymous), invitations.c.status == "partial")
        .values(status="invited")
    )
    bind.execute(
        sa.update(invitations)
        .where(invitations.c.survey_id.in_(anonymous))
        .values(updated_at=invitations.c.created_at)
    )


def downgrade() -> None:
    """Nothing to give back: the moments and keys dropped are not kept anywhere."""
