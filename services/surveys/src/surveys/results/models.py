"""How a survey's results are published: the threshold ``k`` and whether the public sees them."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import utcnow
from kit.sqltypes import UtcDateTime
from surveys.db import Base
from surveys.results.suppression import DEFAULT_K


class ResultSettings(Base):
    """One row per survey whose results staff set or published (none: k=5, unpublished)."""

    __tablename__ = "result_settings"

    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: Figures of fewer respondents are withheld from everyone but staff (never below 3).
    k: Mapped[int] = mapped_column(sa.SmallInteger, default=DEFAULT_K)
    #: When staff published the results: before, only staff read them.
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(sa.String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
