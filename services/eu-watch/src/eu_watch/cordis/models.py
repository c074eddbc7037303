"""What the CORDIS import keeps: the EU projects the network's actors took part in."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.sqltypes import Json, UtcDateTime


class CordisParticipation(Base):
    """An actor took part in an EU project (a row of CORDIS's ``organization.csv`` matched to
    it by PIC, or by name and city)."""

    __tablename__ = "cordis_participations"

    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    acronym: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(600))
    #: The project's topic identifiers (``HORIZON-CL2-2022-TRANSFORMATIONS-01-08``).
    topics: Mapped[list[str]] = mapped_column(Json, default=list)
    programme: Mapped[str | None] = mapped_column(sa.String(40))
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    role: Mapped[str | None] = mapped_column(sa.String(40))
    #: How the row was recognised as the actor's: ``pic`` or ``name_city``.
    matched_by: Mapped[str] = mapped_column(sa.String(20))
    #: The English stems of its title and objective, between spaces (the call's keywords).
    terms: Mapped[str] = mapped_column(sa.Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
