"""The ``webhook_endpoints`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from gateway.encryption import EncryptedSecret
from kit.consumers import Inbox
from kit.models import utcnow
from kit.outbox import Outbox
from kit.sqltypes import Json, UtcDateTime


class WebhookEndpoint(Base):
    """Where a partner (or an admin) wants domain events posted.

    The gateway needs the secret itself to sign every delivery: it is stored encrypted
    under the secrets key, which is not in the database (:mod:`gateway.encryption`). After
    a rotation the previous secret still signs until ``previous_secret_expires_at``.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (sa.Index("ix_webhook_endpoints_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    event_types: Mapped[list[Any]] = mapped_column(Json, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: The partner owning the endpoint; None for an endpoint an admin made for the network.
    partner: Mapped[str | None] = mapped_column(sa.String(64), default=None, index=True)
    secret: Mapped[str] = mapped_column(EncryptedSecret)
    previous_secret: Mapped[str | None] = mapped_column(EncryptedSecret, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    disabled_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: The first failed attempt with no success since (None while the endpoint answers);
    #: an endpoint still failing long after this is disabled.
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


#: The partial indexes' conditions (the claim and the prune spell them the same way).
PENDING = "status = 'pending'"
FINISHED = "status IN ('succeeded', 'failed')"


class WebhookDelivery(Base):
    """One domain event to send to one endpoint, retried until it succeeds or gives up.

    ``id`` is the ``webhook-id`` header: the same on every attempt, so receivers drop repeats.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Pending deliveries only, in the order they are claimed: the claim walks it and
        # stops at its limit (finished deliveries, the bulk of the table, are not in it).
        sa.Index(
            "ix_webhook_deliveries_pending",
            "next_attempt_at",
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        ),
        # Finished deliveries by age: what the retention prune deletes, oldest first.
        sa.Index(
            "ix_webhook_deliveries_finished",
            "created_at",
            postgresql_where=sa.text(FINISHED),
            sqlite_where=sa.text(FINISHED),
        ),
        sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
        sa.Index(
            "ix_webhook_deliveries_ordering", "endpoint_id", "ordering_key", "status", "created_at"
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(sa.String(32))
    event_id: Mapped[str] = mapped_column(sa.String(64))
    event_type: Mapped[str] = mapped_column(sa.String(200))
    #: The record the event is about (its CloudEvent subject): deliveries to one endpoint
    #: with the same key go out in the order they were created, one at a time.
    ordering_key: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    #: The exact JSON body, signed anew at each attempt (the timestamp changes).
    body: Mapped[str] = mapped_column(sa.Text)
    #: ``pending`` (to try at ``next_attempt_at``), ``succeeded`` or ``failed`` (gave up).
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebhookAttempt(Base):
    """One try of a delivery, as logged for the endpoint's owner."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(sa.String(40))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: The receiver's HTTP status; None when no answer came (timeout, refused, SSRF guard).
    status_code: Mapped[int | None] = mapped_column(default=None)
    duration_ms: Mapped[int] = mapped_column(default=0)
    response_excerpt: Mapped[str | None] = mapped_column(sa.Text, default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


#: Which domain events the webhook fan-out already handled (kit's idempotent consumers).
inbox = Inbox(Base.metadata)
#: What the gateway tells the other services (``gateway.webhook_endpoint.disabled``…).
outbox = Outbox(Base.metadata, source="maillage/gateway")
