"""The editable mapping from network themes to the portal's terms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.sqltypes import Json, UtcDateTime


class ThemeMapping(Base):
    __tablename__ = "theme_mappings"

    theme: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    priorities: Mapped[list[str]] = mapped_column(Json, default=list)
    programme_parts: Mapped[list[str]] = mapped_column(Json, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
