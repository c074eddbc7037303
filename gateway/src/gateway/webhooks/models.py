"""The ``webhook_endpoints`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime


class WebhookEndpoint(Base):
    """Where a partner (or an admin) wants domain events posted.

    The secret is kept in clear: the gateway needs it to sign every delivery. After a
    rotation the previous secret still signs until ``previous_secret_expires_at``.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (sa.Index("ix_webhook_endpoints_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    event_types: Mapped[list[Any]] = mapped_column(Json, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: The partner owning the endpoint; None for an endpoint an admin made for the network.
    partner: Mapped[str | None] = mapped_column(sa.String(64), default=None, index=True)
    secret: Mapped[str] = mapped_column(sa.String(128))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    disabled_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)
