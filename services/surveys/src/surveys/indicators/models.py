"""Indicators: one measure of one question, followed across the waves of a series."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import VersionedRecord
from kit.sqltypes import Json
from surveys.db import Base


class Indicator(VersionedRecord, Base):
    __tablename__ = "indicators"
    __table_args__ = (sa.Index("ix_indicators_created_at_id", "created_at", "id"),)

    name: Mapped[dict[str, Any]] = mapped_column(Json)
    #: The series whose waves it follows (``enquete-acteurs``); a question keeps its code.
    series: Mapped[str] = mapped_column(sa.String(100), index=True)
    question: Mapped[str] = mapped_column(sa.String(50))
    #: ``share``, ``mean``, ``median`` or ``nps``.
    measure: Mapped[str] = mapped_column(sa.String(10))
    #: For a share: the answers counted (choice codes or scale points).
    answers: Mapped[list[Any]] = mapped_column(Json, default=list)
    unit: Mapped[str | None] = mapped_column(sa.String(30))
    #: Shown on the public observatory page and to anyone (values suppressed).
    public: Mapped[bool] = mapped_column(sa.Boolean, default=False, index=True)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
