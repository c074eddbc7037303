"""``/v1/mail/{service}``: staff see what a service sent, failed to send or holds back, with
every attempt, and resend a message.

Each mailing service answers under its own path (the gateway routes ``/v1/mail/events/...`` to
the events service): the people a service mails are its own, so their messages never leave it
to be merged elsewhere. Staff (admins, animators) list messages without their content;
only admins read what a message was rendered from (``data``: names, links with personal
tokens). A mailing service lists ``mail_router(mail)`` among its routers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status

from kit.db import OUTBOX_DIRTY
from kit.identity import Role, StaffIdentity
from kit.mail.outbox import MailOutbox, MailStatus
from kit.mail.repository import mail_repository
from kit.mail.schemas import MailAttemptRead, MailDetail, MailRead
from kit.paging import NUMBER, Page, PageParams, RowIdPath, page_params
from kit.problems import NotFound
from kit.service import DbSession

MailStatusName = Literal["pending", "sending", "sent", "failed", "suppressed"]


class MailNotFound(NotFound):
    status, slug, title = 404, "mail-not-found", "No such message"


def path_name(service: str) -> str:
    """How a service is spelled in ``/v1/mail/{service}`` (``eu_watch`` → ``eu-watch``)."""
    return service.replace("_", "-")


def mail_router(mail: MailOutbox) -> APIRouter:
    """The staff routes of ``mail``'s outbox."""
    router = APIRouter(prefix=f"/v1/mail/{path_name(mail.service)}", tags=["mail"])

    @router.get("", summary=f"Messages of the {mail.service} service, newest first (staff)")
    async def list_mail(
        session: DbSession,
        identity: StaffIdentity,
        paging: Annotated[PageParams, Depends(page_params)],
        status_: Annotated[MailStatusName | None, Query(alias="status")] = None,
        to: Annotated[str | None, Query(max_length=320, description="Recipient address")] = None,
    ) -> Page[MailRead]:
        before = NUMBER.decode(paging.after)
        rows = await mail_repository.page(
            session, mail, before_id=before, limit=paging.limit + 1, status=status_, recipient=to
        )
        items, next_cursor = NUMBER.page(rows, paging, lambda row: row.id)
        history = await mail_repository.attempts(session, mail, [row.id for row in items])
        return Page(items=[_read(mail, row, history[row.id]) for row in items], next=next_cursor)

    @router.get("/{mail_id}", summary="One message with its attempts (staff; content: admins)")
    async def get_mail(
        mail_id: RowIdPath, session: DbSession, identity: StaffIdentity
    ) -> MailDetail:
        row = await _found(session, mail, mail_id)
        history = await mail_repository.attempts(session, mail, [row.id])
        read = _read(mail, row, history[row.id])
        data = dict(row.data) if identity.role is Role.ADMIN else None
        return MailDetail(**read.model_dump(), data=data)

    @router.post(
        "/{mail_id}/resend",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Send a message again: a failed one after a fix, or a copy of a sent one (staff)",
    )
    async def resend_mail(
        mail_id: RowIdPath, session: DbSession, identity: StaffIdentity
    ) -> MailRead:
        row = await _found(session, mail, mail_id)
        if row.status in (MailStatus.PENDING.value, MailStatus.SENDING.value):
            history = await mail_repository.attempts(session, mail, [row.id])
            return _read(mail, row, history[row.id])  # already on its way
        await mail_repository.queue_again(session, mail, mail_id)
        session.info[OUTBOX_DIRTY] = True  # wakes the sender after commit
        fresh = await _found(session, mail, mail_id)
        history = await mail_repository.attempts(session, mail, [row.id])
        return _read(mail, fresh, history[row.id])

    return router


async def _found(session: Any, mail: MailOutbox, mail_id: int) -> Any:
    row = await mail_repository.get(session, mail, mail_id)
    if row is None:
        raise MailNotFound(f"No message {mail_id} in the {mail.service} service.")
    return row


def _read(mail: MailOutbox, row: Any, attempts: list[Any]) -> MailRead:
    return MailRead(
        id=row.id,
        service=mail.service,
        recipient=row.recipient,
        template=row.template,
        language=row.language,
        category=row.category,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        message_id=row.message_id,
        history=[
            MailAttemptRead(attempted_at=a.attempted_at, outcome=a.outcome, response=a.response)
            for a in attempts
        ],
    )
