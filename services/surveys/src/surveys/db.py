"""The surveys's metadata, outbox and inbox."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit.consumers import Inbox
from kit.models import new_metadata
from kit.outbox import Outbox


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox = Outbox(Base.metadata, source="maillage/surveys")
inbox = Inbox(Base.metadata)
