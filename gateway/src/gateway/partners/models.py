"""The ``partners``, ``partner_inbox_ids``, ``partner_messages`` and ``partner_attempts``
tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from gateway.encryption import EncryptedSecret
from kit.models import utcnow
from kit.sqltypes import UtcDateTime


class Partner(Base):
    """A platform allowed to push changes to its inbox, signed with its inbox secret.

    Verifying an HMAC needs the secret itself: like webhook endpoint secrets it is stored
    encrypted under the secrets key, which is not in the database (:mod:`gateway.encryption`).
    After a rotation the previous secret is still accepted until
    ``previous_secret_expires_at``.
    """

    __tablename__ = "partners"

    slug: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    secret: Mapped[str] = mapped_column(EncryptedSecret)
    previous_secret: Mapped[str | None] = mapped_column(EncryptedSecret, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class PartnerInboxId(Base):
    """A ``webhook-id`` already received from a partner: its primary key drops repeats.

    Written in the same transaction as the message it admitted.
    """

    __tablename__ = "partner_inbox_ids"

    partner: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PartnerMessage(Base):
    """One verified push, kept until the owning service has taken it (or refused it).

    ``record_id`` is the partner's id of the record changed (``data.id``): messages about one
    record are forwarded one after the other, in the order received.
    """

    __tablename__ = "partner_messages"
    __table_args__ = (
        sa.Index("ix_partner_messages_due", "status", "next_attempt_at"),
        sa.Index("ix_partner_messages_record", "partner", "record_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(sa.String(64))
    webhook_id: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[str] = mapped_column(sa.String(255))
    #: The body exactly as received and verified.
    body: Mapped[str] = mapped_column(sa.Text)
    #: ``pending`` (to forward at ``next_attempt_at``), ``forwarded`` or ``rejected`` (the
    #: service refused it with a 4xx: ``reason`` says why; never retried).
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reason: Mapped[str | None] = mapped_column(sa.Text, default=None)


class PartnerAttempt(Base):
    """One try at handing a message to its service."""

    __tablename__ = "partner_attempts"
    __table_args__ = (sa.Index("ix_partner_attempts_message", "message_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(sa.Integer)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: What was called, e.g. ``PUT /v1/events/ext/openagenda/123``.
    request: Mapped[str] = mapped_column(sa.String(600))
    #: The service's HTTP status; None when no answer came (timeout, refused connection).
    status_code: Mapped[int | None] = mapped_column(default=None)
    duration_ms: Mapped[int] = mapped_column(default=0)
    response_excerpt: Mapped[str | None] = mapped_column(sa.Text, default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
