"""Watches (saved searches that notify) and what each has been told of."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime

_BigIntPk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Watch(VersionedRecord, Base):
    """What a member (or the network's staff) wants to hear of: the calls its filters select,
    at once or weekly, by e-mail and/or as a domain event for webhooks."""

    __tablename__ = "watches"
    __table_args__ = (
        sa.Index("ix_watches_actor_id_created_at_id", "actor_id", "created_at", "id"),
    )

    #: The member it watches for; None: the network's own watch (staff).
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200))
    themes: Mapped[list[str]] = mapped_column(Json, default=list)
    programmes: Mapped[list[str]] = mapped_column(Json, default=list)
    types_of_action: Mapped[list[str]] = mapped_column(Json, default=list)
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    funder: Mapped[str | None] = mapped_column(sa.String(200))
    min_budget: Mapped[float | None] = mapped_column(sa.Float)
    deadline_within_days: Mapped[int | None] = mapped_column(sa.Integer)
    #: immediate | weekly
    frequency: Mapped[str] = mapped_column(sa.String(20))
    #: email and/or webhook
    channels: Mapped[list[str]] = mapped_column(Json, default=list)
    #: Where the e-mail goes; None: the actor's public address (or the staff address).
    email: Mapped[str | None] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(5), default="fr")
    created_by: Mapped[str] = mapped_column(sa.String(200))


class WatchNotification(Base):
    """A call a watch has been told of (or knew of when it was made): one row per watch and
    call, ever, which is what makes every call reach a watch once whatever the replicas,
    retries and restarts."""

    __tablename__ = "watch_notifications"
    __table_args__ = (
        sa.UniqueConstraint("watch_id", "call_id", name="uq_watch_notifications_watch_id_call_id"),
        sa.Index("ix_watch_notifications_watch_id_delivered_at", "watch_id", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(_BigIntPk, primary_key=True, autoincrement=True)
    watch_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("watches.id", ondelete="CASCADE")
    )
    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True
    )
    found_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: True: the call matched when the watch was made or its filters changed (not news).
    baseline: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: When it was sent (alert or digest); None: waiting for the weekly digest.
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: The ISO week of the digest that carried it (weekly watches).
    digest_week: Mapped[str | None] = mapped_column(sa.String(10))
