"""The portal's code labels (a source's runs are kept on its lease row)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.sqltypes import UtcDateTime


class PortalLabel(Base):
    """A code's label, as the portal's facet endpoint gave it last (kept so a sync whose
    facet call fails still shows programme names)."""

    __tablename__ = "portal_labels"

    facet: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
