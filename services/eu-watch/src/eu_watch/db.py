"""The eu_watch's metadata, outbox, mail outbox, inbox and leases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import DeclarativeBase

from kit.consumers import Inbox
from kit.lease import lease_table
from kit.mail import MailOutbox
from kit.models import new_metadata
from kit.outbox import Outbox


class Base(DeclarativeBase):
    metadata = new_metadata()


outbox = Outbox(Base.metadata, source="maillage/eu-watch")
inbox = Inbox(Base.metadata)
#: Periodic work (the portal sync, status moves, reminders): one replica per period.
leases = lease_table(Base.metadata)
#: Watch alerts, weekly digests and deadline reminders (templates: ``mail_templates/<lang>/``).
mail = MailOutbox(
    Base.metadata, service="eu_watch", templates=Path(__file__).parent / "mail_templates"
)
