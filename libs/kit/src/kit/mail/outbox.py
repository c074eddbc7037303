"""The mail outbox: messages written in the transaction of the change that causes them.

How a service mails (surveys, eu-watch: do the same):

1. In ``<service>/db.py``, beside the event outbox::

       mail = MailOutbox(Base.metadata, service="surveys",
                         templates=SERVICE_ROOT / "src/surveys/mail_templates")

2. One Alembic migration calling :func:`kit.migrations.create_mail_tables` (and
   :func:`kit.migrations.drop_mail_tables` in ``downgrade``).
3. Pass ``mail=mail`` in the service's ``ServiceSpec``: its sender loop then runs beside the
   event relay (:class:`kit.mail.sender.MailSender`).
4. In the service function that makes the change, inside the request's transaction::

       await mail.send(session, to=invitee.email, template="survey_invitation",
                       data={"survey": {...}, "link": "/p/surveys/..."}, language="fr",
                       key=f"invitation:{invitation.id}", category=MailCategory.REMINDER)

   The message goes only if the transaction commits, once per ``key`` (a second ``send`` with
   the same key is ignored, so a retried request or a replayed event mails nobody twice).
5. Templates ``<folder>/<language>/<template>.txt`` (blocks ``subject`` and ``body``) and
   ``<folder>/<language>/<template>.html`` (extends ``"mail/layout.html"``, block
   ``content``); see :mod:`kit.mail.rendering`.

Reminders and digests (``category`` other than transactional) carry ``List-Unsubscribe``
headers and are not sent to an address that unsubscribed from their ``kind``; transactional
messages always go.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import OUTBOX_DIRTY, dialect_of
from kit.mail.tokens import ALL_KINDS, UnsubscribeTarget, UnsubscribeTokens
from kit.sqltypes import Json, UtcDateTime

_BigIntPk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class MailCategory(StrEnum):
    """Transactional messages (about something the person did) always go; reminders and
    digests carry an unsubscribe link and respect the suppression list."""

    TRANSACTIONAL = "transactional"
    REMINDER = "reminder"
    DIGEST = "digest"


class MailStatus(StrEnum):
    PENDING = "pending"
    #: Claimed by a sender until ``claimed_until``.
    SENDING = "sending"
    SENT = "sent"
    #: For good: refused by the server (5xx), a template error, or too many attempts.
    FAILED = "failed"
    #: Not sent: the address unsubscribed from this kind of message.
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (an ``.ics`` invitation)."""

    filename: str
    content_type: str
    content: bytes


def mail_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    """Define ``mail_outbox``, ``mail_attempts`` and ``mail_suppressions`` on ``metadata``."""
    outbox = sa.Table(
        "mail_outbox",
        metadata,
        sa.Column("id", _BigIntPk, primary_key=True, autoincrement=True),
        # The deduplication key: one message per key and service, ever.
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False, index=True),
        sa.Column("recipient_name", sa.String(200)),
        sa.Column("template", sa.String(120), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("attachments", Json),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(120)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("subject", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Index(
            "ix_mail_outbox_due",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('pending', 'sending')"),
            sqlite_where=sa.text("status IN ('pending', 'sending')"),
        ),
    )
    attempts = sa.Table(
        "mail_attempts",
        metadata,
        sa.Column("id", _BigIntPk, primary_key=True, autoincrement=True),
        sa.Column(
            "mail_id",
            _BigIntPk,
            sa.ForeignKey("mail_outbox.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("attempted_at", UtcDateTime(), nullable=False),
        # sent, temporary (retried), permanent (refused), template (the message cannot be
        # rendered), suppressed.
        sa.Column("outcome", sa.String(20), nullable=False),
        # The SMTP server's answer, or the error.
        sa.Column("response", sa.Text),
    )
    suppressions = sa.Table(
        "mail_suppressions",
        metadata,
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("kind", sa.String(120), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    return outbox, attempts, suppressions


class MailOutbox:
    """The mail outbox of one service: where its messages are written, and its suppressions."""

    def __init__(self, metadata: sa.MetaData, *, service: str, templates: Path) -> None:
        self.table, self.attempts, self.suppressions = mail_tables(metadata)
        self.service = service
        #: The service's template folder (``<language>/<template>.txt|.html`` inside).
        self.templates = templates

    async def send(
        self,
        session: AsyncSession,
        *,
        to: str,
        template: str,
        data: dict[str, Any],
        key: str,
        language: str | None = DEFAULT_LANGUAGE,
        to_name: str | None = None,
        category: MailCategory = MailCategory.TRANSACTIONAL,
        kind: str | None = None,
        attachments: list[Attachment] | None = None,
    ) -> bool:
        """Write a message in the current transaction; it is sent only if that commits.

        ``to``: the address; ``to_name``: a display name (line breaks are dropped when the
        message is built, so a name never reaches another header). ``template``: a template
        of the service's folder. ``data``: JSON values the template reads; paths starting with
        ``/`` under the key ``link`` or ending in ``_link`` are made absolute from
        ``MAILLAGE_PUBLIC_URL`` (templates can also use the ``absolute`` filter).
        ``language``: ``fr`` or ``en`` (anything else, or None, is French). ``key``: unique per
        service: a second message with the same key is not written (returns False).
        ``category``: transactional (always sent) or reminder/digest (unsubscribe headers,
        suppression respected); ``kind`` names what the person unsubscribes from (default: the
        template name).
        """
        now = datetime.now(UTC)
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        row = {
            "key": key,
            "message_id": f"{uuid.uuid4().hex}@{self.service}.maillage",
            "recipient": to.strip(),
            "recipient_name": to_name,
            "template": template,
            "language": language,
            "data": data,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "content_base64": base64.b64encode(a.content).decode(),
                }
                for a in attachments
            ]
            if attachments
            else None,
            "category": category.value,
            "kind": None if category is MailCategory.TRANSACTIONAL else (kind or template),
            "status": MailStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        insert = _insert_for(session, self.table).values(**row)
        result = await session.execute(insert.on_conflict_do_nothing(index_elements=["key"]))
        written = bool(getattr(result, "rowcount", 0))
        if written:
            session.info[OUTBOX_DIRTY] = True
        return written

    async def is_suppressed(self, session: AsyncSession, address: str, kind: str) -> bool:
        """Whether ``address`` unsubscribed from ``kind`` (or from every kind)."""
        s = self.suppressions
        found = await session.execute(
            sa.select(s.c.kind)
            .where(s.c.address == address.strip().lower(), s.c.kind.in_([kind, ALL_KINDS]))
            .limit(1)
        )
        return found.first() is not None

    async def unsubscribe(
        self, session: AsyncSession, tokens: UnsubscribeTokens, token: str
    ) -> UnsubscribeTarget | None:
        """Apply an unsubscribe token: its address receives no more messages of its kind.

        For the ``/p/unsubscribe/{token}`` page (its one-click confirmation, and the RFC 8058
        ``POST`` mail clients send with ``List-Unsubscribe=One-Click``, which carries no CSRF
        token and must be accepted as is). Returns the target, or None for a token that is not
        valid for this service (show a 404 that says nothing about any address). Idempotent;
        writes in ``session`` (the request's transaction commits it). To show the page before
        confirming, read the target with ``tokens.read(token)``.
        """
        target = tokens.read(token)
        if target is None:
            return None
        await session.execute(
            _insert_for(session, self.suppressions)
            .values(address=target.address, kind=target.kind, created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["address", "kind"])
        )
        return target


def _insert_for(session: AsyncSession, table: sa.Table) -> Any:
    """An INSERT that knows ``ON CONFLICT DO NOTHING`` on the session's backend."""
    if dialect_of(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
