"""The eu_watch's metadata, outbox, inbox and leases."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit.consumers import Inbox
from kit.lease import lease_table
from kit.models import new_metadata
from kit.outbox import Outbox


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox = Outbox(Base.metadata, source="maillage/eu-watch")
inbox = Inbox(Base.metadata)
#: Periodic work (the portal sync, status moves, reminders): one replica per period.
leases = lease_table(Base.metadata)
