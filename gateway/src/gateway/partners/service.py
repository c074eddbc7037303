"""Partner logic: the registry (create, read, list, rotate, disable) and the inbox (verify,
drop repeats, store). Never commits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.partners import repository
from gateway.partners.errors import (
    InvalidSignature,
    MessageNotRetriable,
    PartnerExists,
    PartnerMessageNotFound,
    PartnerNotFound,
)
from gateway.partners.forwarding import FORWARDS
from gateway.partners.models import Partner, PartnerMessage
from gateway.partners.schemas import (
    MessageStatus,
    PartnerAttemptRead,
    PartnerCreate,
    PartnerMessageRead,
    PartnerRead,
    PartnerSecret,
    PartnerStatus,
    PushAccepted,
    PushDuplicate,
)
from gateway.partners.verification import NO_MATCH, SignatureRejected, verify_push
from gateway.webhooks.signing import rotate_secret, signing_secrets
from gateway.webhooks.tokens import new_secret
from kit.identity import Identity, Role
from kit.input_guard import json_input_problem
from kit.models import utcnow
from kit.paging import NUMBER, TEXT, PageParams
from kit.problems import InvalidInput

#: Partner record ids end up in a URL path: kept to characters that need no escaping there,
#: and to the 200 characters the services keep of an external id.
_RECORD_ID = re.compile(r"^[A-Za-z0-9._:~-]{1,200}$")


def inbox_path(slug: str) -> str:
    return f"/v1/partners/{slug}/inbox"


def to_read(partner: Partner) -> PartnerRead:
    return PartnerRead(
        slug=partner.slug,
        name=partner.name,
        status=PartnerStatus.DISABLED if partner.disabled_at else PartnerStatus.ACTIVE,
        inbox_url=inbox_path(partner.slug),
        created_by=partner.created_by,
        created_at=partner.created_at,
        disabled_at=partner.disabled_at,
        previous_secret_expires_at=partner.previous_secret_expires_at,
    )


def _with_secret(partner: Partner) -> PartnerSecret:
    return PartnerSecret(**to_read(partner).model_dump(), secret=partner.secret)


def may_see(identity: Identity, slug: str) -> bool:
    """Admins see every partner; a partner key sees its own."""
    return identity.role is Role.ADMIN or (
        identity.role is Role.PARTNER and identity.partner == slug
    )


@dataclass(frozen=True)
class ParsedPush:
    type: str
    record_id: str


def parse_push(body: bytes) -> ParsedPush:
    """The type and record id of a push body; a 422 naming the field when they are not
    there (the rest of ``data`` is for the owning service to judge)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("body", "not valid JSON") from exc
    if not isinstance(document, dict):
        raise InvalidInput("body", "must be a JSON object with type, timestamp and data")
    problem = json_input_problem(document)  # stored and forwarded: refused whatever its type
    if problem is not None:
        raise InvalidInput(*problem)
    push_type = document.get("type")
    if push_type not in FORWARDS:
        known = ", ".join(sorted(FORWARDS))
        raise InvalidInput("type", f"unknown type {push_type!r}; expected one of: {known}")
    data = document.get("data")
    if not isinstance(data, dict):
        raise InvalidInput("data", "must be an object")
    record_id = data.get("id")
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        record_id = str(record_id)
    # Dots alone would be read as a path step (``/ext/echo/..``) when forwarded.
    if (
        not isinstance(record_id, str)
        or not _RECORD_ID.match(record_id)
        or not record_id.strip(".")
    ):
        raise InvalidInput(
            "data.id",
            "must be the partner's id of the record: 1 to 200 letters, digits or . _ : ~ - "
            "(not dots alone)",
        )
    return ParsedPush(type=str(push_type), record_id=record_id)


class PartnerService:
    async def create(
        self, session: AsyncSession, *, data: PartnerCreate, identity: Identity
    ) -> PartnerSecret:
        if await repository.get(session, data.slug) is not None:
            raise PartnerExists(f"A partner {data.slug} already exists.")
        partner = Partner(
            slug=data.slug,
            name=data.name,
            secret=new_secret(),
            created_by=identity.subject,
            created_at=utcnow(),
        )
        session.add(partner)
        await session.flush()
        return _with_secret(partner)

    async def get(self, session: AsyncSession, *, slug: str, identity: Identity) -> Partner:
        """The partner, if the caller may see it (another partner's is a 404)."""
        partner = await repository.get(session, slug) if may_see(identity, slug) else None
        if partner is None:
            raise PartnerNotFound(f"No partner {slug}.")
        return partner

    async def list(
        self, session: AsyncSession, *, params: PageParams
    ) -> tuple[list[Partner], str | None]:
        after = TEXT.decode(params.after)
        rows = await repository.by_slug(session, after=after, limit=params.limit + 1)
        return TEXT.page(rows, params, lambda p: p.slug)

    async def rotate(
        self, session: AsyncSession, *, slug: str, identity: Identity, grace: timedelta
    ) -> PartnerSecret:
        """A new secret; the current one is still accepted (beside it) for ``grace``."""
        partner = await self.get(session, slug=slug, identity=identity)
        rotate_secret(partner, now=utcnow(), grace=grace)
        await session.flush()
        return _with_secret(partner)

    async def set_disabled(
        self, session: AsyncSession, *, slug: str, identity: Identity, disabled: bool
    ) -> Partner:
        """Disable (its inbox answers 404; stored messages are still forwarded) or enable."""
        partner = await self.get(session, slug=slug, identity=identity)
        if disabled and partner.disabled_at is None:
            partner.disabled_at = utcnow()
        elif not disabled:
            partner.disabled_at = None
        await session.flush()
        return partner


#: Stands in for an unknown partner's secret; generated at start, never stored or shown.
_NOBODY_S_SECRET = new_secret()


class InboxService:
    async def check(
        self,
        session: AsyncSession,
        *,
        slug: str,
        headers: dict[str, str],
        body: bytes,
        now: datetime,
        tolerance_seconds: float,
    ) -> tuple[str, ParsedPush]:
        """The verified ``webhook-id`` and the push's type and record; 401 for a missing,
        forged or stale signature and alike for an unknown or disabled partner (a 404 told
        anyone which partner names exist), 422 for a body that is not a push. Reads only."""
        partner = await repository.get(session, slug)
        active = partner is not None and partner.disabled_at is None
        # An unknown partner's push is checked against a secret nobody has, so it is refused
        # with the same answer, after the same work, as a wrong signature to a known inbox.
        secrets = signing_secrets(partner, now) if partner and active else [_NOBODY_S_SECRET]
        try:
            verified = verify_push(
                headers=headers,
                body=body,
                secrets=secrets,
                now=now.timestamp(),
                tolerance_seconds=tolerance_seconds,
            )
        except SignatureRejected as exc:
            raise InvalidSignature(exc.reason) from exc
        if not active:  # pragma: no cover - nobody signs with a secret made for no one
            raise InvalidSignature(NO_MATCH)
        return verified.webhook_id, parse_push(body)

    async def store(
        self,
        session: AsyncSession,
        *,
        slug: str,
        webhook_id: str,
        push: ParsedPush,
        body: bytes,
        now: datetime,
    ) -> PushAccepted | PushDuplicate:
        """Keep the push for the forwarder, unless its ``webhook-id`` was already received
        (both writes in the caller's one transaction)."""
        if not await repository.admit_webhook_id(
            session, partner=slug, webhook_id=webhook_id, now=now
        ):
            return PushDuplicate(webhook_id=webhook_id)
        message = PartnerMessage(
            partner=slug,
            webhook_id=webhook_id,
            type=push.type,
            record_id=push.record_id,
            body=body.decode(),
            status=MessageStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            received_at=now,
        )
        session.add(message)
        await session.flush()
        return PushAccepted(id=message.id, webhook_id=webhook_id, status=MessageStatus.PENDING)

    async def messages(
        self,
        session: AsyncSession,
        *,
        slug: str,
        identity: Identity,
        status: MessageStatus | None,
        params: PageParams,
    ) -> tuple[list[PartnerMessageRead], str | None]:
        """A page of the partner's messages, newest first, each with its attempts."""
        partner = await partner_service.get(session, slug=slug, identity=identity)
        before = NUMBER.decode(params.after)
        rows = await repository.messages_newest_first(
            session,
            partner=partner.slug,
            status=status.value if status else None,
            before=before,
            limit=params.limit + 1,
        )
        page, next_cursor = NUMBER.page(rows, params, lambda m: m.id)
        return await _read_messages(session, page), next_cursor

    async def retry(
        self,
        session: AsyncSession,
        *,
        slug: str,
        message_id: int,
        identity: Identity,
        now: datetime,
    ) -> PartnerMessageRead:
        """Forward a rejected message again (once what made the service refuse it is fixed),
        unless a later push about the same record superseded it."""
        partner = await partner_service.get(session, slug=slug, identity=identity)
        message = await repository.get_message(session, partner.slug, message_id)
        if message is None:
            raise PartnerMessageNotFound(f"No message {message_id} in {slug}'s inbox.")
        if message.status != MessageStatus.REJECTED.value:
            raise MessageNotRetriable(
                f"Message {message_id} is {message.status}: only a rejected one is sent again."
            )
        if await repository.has_later_message(session, message):
            raise MessageNotRetriable(
                f"A later push about {message.record_id} superseded message {message_id}: "
                "sending it again would undo that push."
            )
        message.status = MessageStatus.PENDING.value
        message.next_attempt_at = now
        message.finished_at = None
        await session.flush()
        [read] = await _read_messages(session, [message])
        return read


async def _read_messages(
    session: AsyncSession, page: Sequence[PartnerMessage]
) -> list[PartnerMessageRead]:
    """``page`` as the API shows it, each message with its attempts."""
    attempts: dict[int, list[PartnerAttemptRead]] = {m.id: [] for m in page}
    for attempt in await repository.attempts_of(session, [m.id for m in page]):
        attempts[attempt.message_id].append(
            PartnerAttemptRead.model_validate(attempt, from_attributes=True)
        )
    return [
        PartnerMessageRead(
            id=m.id,
            webhook_id=m.webhook_id,
            type=m.type,
            record_id=m.record_id,
            status=MessageStatus(m.status),
            reason=m.reason,
            received_at=m.received_at,
            next_attempt_at=m.next_attempt_at,
            finished_at=m.finished_at,
            attempts=attempts[m.id],
        )
        for m in page
    ]


partner_service = PartnerService()
inbox_service = InboxService()
