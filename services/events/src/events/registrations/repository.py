"""Every query on registrations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contracts.events import RegistrationStatus
from contracts.vocabularies import EventState, EventStatus
from events.agenda.models import Event
from events.registrations.models import RELEASED_STATUSES, Registration
from events.registrations.policies import RegistrationCounts

WAITLISTED = RegistrationStatus.WAITLISTED.value


@dataclass(frozen=True)
class SeatState:
    """What a registration needs to know about its event, read in one query under the lock."""

    counts: RegistrationCounts
    last_number: int
    email_taken: bool


class RegistrationRepository:
    async def get(self, session: AsyncSession, registration_id: uuid.UUID) -> Registration | None:
        return await session.get(Registration, registration_id)

    async def get_by_token_hash(
        self, session: AsyncSession, token_hash: str
    ) -> Registration | None:
        return await session.scalar(
            sa.select(Registration).where(Registration.token_hash == token_hash).limit(1)
        )

    async def get_for_update(
        self, session: AsyncSession, registration_id: uuid.UUID
    ) -> Registration | None:
        """Re-read a registration after its event was locked (fresh values, no stale cache)."""
        query = (
            sa.select(Registration)
            .where(Registration.id == registration_id)
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()

    async def seat_state(
        self, session: AsyncSession, *, event_id: uuid.UUID, email_key: str
    ) -> SeatState:
        """Counts, last arrival number and whether ``email_key`` holds a registration (one
        neither cancelled nor refused).

        One round trip, because it runs while the event row is locked and every
        millisecond there is a millisecond every other registrant waits.
        """

        def tally(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        row = (
            await session.execute(
                sa.select(
                    tally(Registration.status == RegistrationStatus.CONFIRMED.value),
                    tally(Registration.status == WAITLISTED),
                    tally(Registration.status == RegistrationStatus.PENDING_APPROVAL.value),
                    tally(Registration.status == RegistrationStatus.PENDING_EMAIL.value),
                    sa.func.coalesce(sa.func.max(Registration.number), 0),
                    tally(
                        sa.and_(
                            Registration.email_key == email_key,
                            Registration.status.not_in(RELEASED_STATUSES),
                        )
                    ),
                ).where(Registration.event_id == event_id)
            )
        ).one()
        confirmed, waitlisted, pending, holds, last_number, taken = (int(v) for v in row)
        return SeatState(
            counts=RegistrationCounts(
                confirmed=confirmed,
                waitlisted=waitlisted,
                pending_approval=pending,
                pending_email=holds,
            ),
            last_number=last_number,
            email_taken=taken > 0,
        )

    async def counts(
        self, session: AsyncSession, event_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, RegistrationCounts]:
        """Confirmed, waitlisted and pending registrations of each event (one query)."""
        if not event_ids:
            return {}
        rows = await session.execute(
            sa.select(Registration.event_id, Registration.status, sa.func.count())
            .where(
                Registration.event_id.in_(event_ids),
                Registration.status.in_(
                    [
                        RegistrationStatus.CONFIRMED.value,
                        WAITLISTED,
                        RegistrationStatus.PENDING_APPROVAL.value,
                        RegistrationStatus.PENDING_EMAIL.value,
                    ]
                ),
            )
            .group_by(Registration.event_id, Registration.status)
        )
        raw: dict[uuid.UUID, dict[str, int]] = {}
        for event_id, status, count in rows:
            raw.setdefault(event_id, {})[status] = int(count)
        return {event_id: RegistrationCounts(**by_status) for event_id, by_status in raw.items()}

    async def attendance_marks(
        self, session: AsyncSession, event_id: uuid.UUID
    ) -> Sequence[tuple[bool | None, dict[str, bool]]]:
        """Whole-event and per-session attendance of each confirmed registration."""
        rows = await session.execute(
            sa.select(Registration.attended, Registration.sessions_attended).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
        )
        return [(attended, sessions or {}) for attended, sessions in rows]

    async def holds_of_client(
        self, session: AsyncSession, *, event_id: uuid.UUID, client: str
    ) -> int:
        """How many seats of the event one client holds unconfirmed."""
        count = await session.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.PENDING_EMAIL.value,
                Registration.client_key == client,
            )
        )
        return int(count or 0)

    async def active_by_email(
        self, session: AsyncSession, *, event_id: uuid.UUID, email_key: str
    ) -> Registration | None:
        """The registration of ``email_key`` at the event that is neither cancelled nor
        refused (the first, when several are allowed)."""
        return await session.scalar(
            sa.select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.email_key == email_key,
                Registration.status.not_in(RELEASED_STATUSES),
            )
            .order_by(Registration.number)
            .limit(1)
        )

    async def expired_holds(
        self, session: AsyncSession, event_id: uuid.UUID, *, now: datetime
    ) -> Sequence[Registration]:
        """The event's ``pending_email`` holds past their expiry."""
        query = sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.PENDING_EMAIL.value,
            Registration.hold_expires_at <= now,
        )
        return (await session.scalars(query.execution_options(populate_existing=True))).all()

    async def events_with_expired_holds(
        self, session: AsyncSession, *, now: datetime
    ) -> Sequence[uuid.UUID]:
        """Events with at least one expired hold (the index on status and expiry finds them)."""
        query = (
            sa.select(Registration.event_id)
            .where(
                Registration.status == RegistrationStatus.PENDING_EMAIL.value,
                Registration.hold_expires_at <= now,
            )
            .distinct()
        )
        return (await session.scalars(query)).all()

    async def first_waitlisted(
        self, session: AsyncSession, event_id: uuid.UUID, *, limit: int
    ) -> Sequence[Registration]:
        """The ``limit`` first waitlisted registrations, in arrival order."""
        query = (
            sa.select(Registration)
            .where(Registration.event_id == event_id, Registration.status == WAITLISTED)
            .order_by(Registration.number)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).all()

    async def waitlist_positions(
        self, session: AsyncSession, registrations: Sequence[Registration]
    ) -> dict[uuid.UUID, int]:
        """1-based place in the waitlist of each waitlisted registration given."""
        waiting = [r for r in registrations if r.status == WAITLISTED]
        if not waiting:
            return {}
        ahead = aliased(Registration)
        position = (
            sa.select(sa.func.count())
            .where(
                ahead.event_id == Registration.event_id,
                ahead.status == WAITLISTED,
                ahead.number <= Registration.number,
            )
            .scalar_subquery()
        )
        rows = await session.execute(
            sa.select(Registration.id, position).where(Registration.id.in_([r.id for r in waiting]))
        )
        return {registration_id: int(place) for registration_id, place in rows}

    async def list_for_event(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        after: int | None,
        limit: int,
        statuses: Sequence[str] | None,
    ) -> Sequence[Registration]:
        """Registrations of an event in arrival order, after the arrival number ``after``."""
        query = sa.select(Registration).where(Registration.event_id == event_id)
        if statuses:
            query = query.where(Registration.status.in_(statuses))
        if after is not None:
            query = query.where(Registration.number > after)
        query = query.order_by(Registration.number).limit(limit)
        return (await session.scalars(query)).all()

    async def pending_approval_count(self, session: AsyncSession) -> int:
        """Registrations waiting for their organizers' approval, across live events."""
        count = await session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.status == RegistrationStatus.PENDING_APPROVAL.value,
                Event.deleted_at.is_(None),
            )
        )
        return int(count or 0)

    async def confirmed_for_events_starting(
        self, session: AsyncSession, *, after: datetime, until: datetime
    ) -> Sequence[tuple[Event, Registration]]:
        """Confirmed registrations of published, live events starting in ``(after, until]``."""
        query = (
            sa.select(Event, Registration)
            .join(Registration, Registration.event_id == Event.id)
            .where(
                Event.starts_at > after,
                Event.starts_at <= until,
                Event.deleted_at.is_(None),
                Event.state == EventState.PUBLISHED.value,
                Event.status != EventStatus.CANCELLED.value,
                Registration.status == RegistrationStatus.CONFIRMED.value,
            )
            .order_by(Event.starts_at, Registration.number)
        )
        return [(event, registration) for event, registration in (await session.execute(query))]

    async def holding_or_awaiting_a_seat(
        self, session: AsyncSession, event_id: uuid.UUID, statuses: Sequence[str]
    ) -> Sequence[Registration]:
        """The event's registrations in ``statuses``, freshly read (the event is locked)."""
        query = (
            sa.select(Registration)
            .where(Registration.event_id == event_id, Registration.status.in_(statuses))
            .order_by(Registration.number)
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).all()


registration_repository = RegistrationRepository()
