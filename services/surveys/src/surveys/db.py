"""The surveys service's metadata, outbox, inbox, mail outbox and leases."""

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


outbox = Outbox(Base.metadata, source="maillage/surveys")
inbox = Inbox(Base.metadata)
#: Messages to the people this service invites (templates: ``mail_templates/<lang>/``).
mail = MailOutbox(
    Base.metadata, service="surveys", templates=Path(__file__).parent / "mail_templates"
)
#: Periodic work (one replica per period), see :mod:`kit.lease`.
leases = lease_table(Base.metadata)
