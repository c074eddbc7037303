"""The rules of registration: seats, waitlist, window, approval, cancellation, attendance.

Every change that can move a seat first locks the event row (see
``event_repository.lock``), so counting seats and taking one happen as one step: confirmed
registrations never exceed the capacity, however many requests arrive at once. Services
flush, never commit.
"""

from __future__ import annotations

import csv
import hmac
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import (
    ATTENDANCE_RECORDED,
    REGISTRATION_CANCELLED,
    REGISTRATION_CONFIRMED,
    REGISTRATION_PROMOTED,
    REGISTRATION_REFUSED,
    REGISTRATION_WAITLISTED,
    AttendanceRecorded,
    RegistrationChanged,
    RegistrationCountsRead,
    RegistrationStatus,
)
from contracts.vocabularies import EventState, EventStatus
from events.agenda import ical
from events.agenda import policies as event_policies
from events.agenda.errors import EventNotFound
from events.agenda.models import Event
from events.agenda.repository import event_repository
from events.db import outbox
from events.organizers.repository import known_actor_repository
from events.registrations import policies
from events.registrations.errors import (
    AlreadyRegistered,
    EventCancelled,
    RegistrationClosed,
    RegistrationNotFound,
    RegistrationNotOpen,
    RegistrationsForbidden,
    RegistrationStateConflict,
    RegistrationUnavailable,
    TooManyHolds,
)
from events.registrations.messages import EventChange, event_change, registration_messages
from events.registrations.models import Registration
from events.registrations.policies import RegistrationCounts
from events.registrations.repository import registration_repository
from events.registrations.schemas import (
    AttendanceRecord,
    AttendanceSheetRead,
    AttendanceTally,
    RegistrationCreate,
    RegistrationCreated,
    RegistrationRead,
    SessionAttendanceRead,
)
from events.registrations.tokens import client_key, hash_token, personal_token
from events.trainings.rules import sessions_of
from kit.identity import Identity
from kit.models import utcnow
from kit.problems import InvalidInput, NotFound
from kit.spreadsheets import neutralise

CONFIRMED = RegistrationStatus.CONFIRMED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value
PENDING = RegistrationStatus.PENDING_APPROVAL.value
CANCELLED = RegistrationStatus.CANCELLED.value
REFUSED = RegistrationStatus.REFUSED.value
PENDING_EMAIL = RegistrationStatus.PENDING_EMAIL.value

MAX_EXPORT_ROWS = 100_000
PARIS = ZoneInfo("Europe/Paris")
CSV_COLUMNS = [
    "numero",
    "nom",
    "email",
    "acteur",
    "statut",
    "place_liste_attente",
    "present",
    "presence_par_seance",
    "inscrit_le",
    "id",
]

_EVENT_TYPE_OF_STATUS = {CONFIRMED: REGISTRATION_CONFIRMED, WAITLISTED: REGISTRATION_WAITLISTED}


def email_key(email: str) -> str:
    """The e-mail as compared for the one-registration-per-e-mail rule."""
    return email.strip().casefold()


@dataclass(frozen=True)
class HoldRules:
    """How long an unconfirmed address holds a seat, and how many holds one client may have
    at one event at a time (``MAILLAGE_EVENTS_REGISTRATION_HOLD_*``)."""

    minutes: float = 30.0
    per_client: int = 3

    def expiry(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.minutes)


DEFAULT_HOLD = HoldRules()


class RegistrationService:
    async def register(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        data: RegistrationCreate,
        identity: Identity,
        client_address: str | None = None,
        hold: HoldRules = DEFAULT_HOLD,
    ) -> RegistrationCreated:
        """Register to an event. Without an API key, to an event that confirms addresses,
        the seat is held as ``pending_email`` until the link mailed to the person is opened,
        and the answer is the same whether the address was already registered or not."""
        event = await self._locked_event(session, event_id, identity)
        self._check_open(event)
        now = utcnow()
        await self._expire_holds(session, event, now=now)
        if data.actor_id is not None:
            # Registering for an organisation is said by its member's key (or staff's), not
            # claimed by anyone: the actor shows in the attendee list and the statistics.
            if not identity.acts_for(data.actor_id):
                raise InvalidInput(
                    "actor_id",
                    "only network staff and the members of that actor, with their API key, "
                    "register on its behalf",
                )
            if await known_actor_repository.get(session, data.actor_id) is None:
                raise InvalidInput("actor_id", f"unknown actor {data.actor_id}")
        key = email_key(data.email)
        state = await registration_repository.seat_state(session, event_id=event.id, email_key=key)
        settings = event.registration_settings
        several = settings.allow_several_per_email
        held = identity.is_anonymous and settings.confirm_email
        client = client_key(client_address) if held and client_address else None
        if client is not None and (
            await registration_repository.holds_of_client(session, event_id=event.id, client=client)
            >= hold.per_client
        ):
            raise TooManyHolds(
                f"This connection already holds {hold.per_client} unconfirmed seats at this "
                "event: confirm them with the links mailed, or wait until they expire.",
                headers={"Retry-After": str(int(hold.minutes * 60))},
            )
        if state.email_taken and not several and not held:
            raise AlreadyRegistered(
                f"{data.email} is already registered to this event; use the link you were "
                "given to see or cancel that registration."
            )
        counts = state.counts
        if policies.seats_to_promote(settings, counts, event_cancelled=False) > 0:
            counts = await self._fill_seats(session, event)  # heals a missed promotion
        status = policies.newcomer_status(settings, counts).value
        if held and status == CONFIRMED:
            status = PENDING_EMAIL  # the seat is held until the mailed link is opened
        # The newest arrival, with the event locked: last in the queue.
        waitlist_position = counts.waitlisted + 1 if status == WAITLISTED else None
        if held and state.email_taken and not several:
            # Answered as a new registration is: whether an address registered is told only
            # to that address, by mail.
            existing = await registration_repository.active_by_email(
                session, event_id=event.id, email_key=key
            )
            if existing is not None:
                await registration_messages.already_registered(
                    session, event=event, registration=existing
                )
            return _unstored_answer(event, data, status, waitlist_position, now=now, hold=hold)
        registration_id = uuid.uuid4()
        token = personal_token(registration_id)
        registration = Registration(
            id=registration_id,
            version=1,
            event_id=event.id,
            number=state.last_number + 1,
            name=data.name,
            email=data.email,
            email_key=key,
            # The unique index holds one active registration per (event, e-mail, slot).
            email_slot=state.last_number + 1 if several else 0,
            actor_id=data.actor_id,
            status=status,
            token_hash=hash_token(token),
            language=data.language,
            sessions_attended={},
            created_by=identity.subject,
            created_at=now,
            updated_at=now,
            hold_expires_at=hold.expiry(now) if status == PENDING_EMAIL else None,
            client_key=client,
        )
        session.add(registration)
        read = _to_read(registration, waitlist_position)
        if status in _EVENT_TYPE_OF_STATUS:
            # The outbox insert flushes the registration with it: no extra round trip.
            await self._emit(session, _EVENT_TYPE_OF_STATUS[status], event, read)
        else:
            await session.flush()
        await registration_messages.registered(
            session, event=event, registration=registration, waitlist_position=waitlist_position
        )
        if held:  # the token travels by mail only, the proof the address is the registrant's
            return RegistrationCreated(
                **read.model_dump(),
                token=None,
                cancel_url=None,
                hold_expires_at=registration.hold_expires_at,
            )
        return RegistrationCreated(
            **read.model_dump(),
            token=token,
            cancel_url=f"/v1/registrations/{registration.id}/cancel?token={token}",
        )

    async def confirm_email(
        self, session: AsyncSession, registration: Registration
    ) -> Registration:
        """The registrant opened the mailed link: a held seat becomes theirs (confirmed, with
        the confirmation message). A hold that expired meanwhile freed its seat: the
        registration was cancelled and stays so."""
        if registration.status != PENDING_EMAIL:
            return registration
        event, registration = await self._lock(session, registration)
        now = utcnow()
        await self._expire_holds(session, event, now=now)
        if registration.status != PENDING_EMAIL:
            return registration
        registration.status = CONFIRMED
        registration.hold_expires_at = None
        registration.touch()
        await session.flush()
        read = await self.to_read(session, registration)
        await self._emit(session, REGISTRATION_CONFIRMED, event, read)
        await registration_messages.registered(
            session, event=event, registration=registration, waitlist_position=None
        )
        return registration

    async def expire_holds(self, session: AsyncSession, *, now: datetime) -> int:
        """Free the seats of every expired ``pending_email`` hold, event by event (each
        locked), promoting the waitlist as a cancellation does; return how many expired."""
        expired = 0
        for event_id in await registration_repository.events_with_expired_holds(session, now=now):
            event = await event_repository.lock(session, event_id)
            if event is not None:
                expired += await self._expire_holds(session, event, now=now)
        return expired

    async def _expire_holds(self, session: AsyncSession, event: Event, *, now: datetime) -> int:
        """Cancel the expired holds of ``event`` (locked) and give their seats on."""
        holds = await registration_repository.expired_holds(session, event.id, now=now)
        if not holds:
            return 0
        for registration in holds:
            registration.status = CANCELLED
            registration.cancelled_at = now
            registration.touch()
        await session.flush()
        await self._fill_seats(session, event)
        return len(holds)

    async def get(
        self,
        session: AsyncSession,
        *,
        registration_id: uuid.UUID,
        identity: Identity,
        token: str | None,
    ) -> Registration:
        """The registration, for its registrant (with the token) or the event's organizers."""
        registration = await registration_repository.get(session, registration_id)
        if registration is None:
            raise RegistrationNotFound(f"No registration with id {registration_id}.")
        if token is not None and hmac.compare_digest(hash_token(token), registration.token_hash):
            return registration
        event = await event_repository.get(session, registration.event_id)
        if event is None or not await self._is_organizer(session, event, identity):
            # Same answer as an unknown id: a wrong token reveals nothing.
            raise RegistrationNotFound(f"No registration with id {registration_id}.")
        return registration

    async def find_by_token(self, session: AsyncSession, token: str) -> Registration | None:
        """The registration whose personal token is ``token`` (the registrant's page), or
        None: the page then answers 404 whatever the token, telling nothing."""
        if not token or len(token) > 200:
            return None
        return await registration_repository.get_by_token_hash(session, hash_token(token))

    async def list_for_event(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        identity: Identity,
        after: int | None,
        limit: int,
        statuses: Sequence[str] | None,
    ) -> Sequence[Registration]:
        event = await event_repository.get(session, event_id)
        if event is None:
            raise EventNotFound(f"No event with id {event_id}.")
        await self._require_organizer(
            session, event, identity, hidden=EventNotFound(f"No event with id {event_id}.")
        )
        return await registration_repository.list_for_event(
            session, event_id=event_id, after=after, limit=limit, statuses=statuses
        )

    async def export_csv(
        self, session: AsyncSession, *, event_id: uuid.UUID, identity: Identity
    ) -> bytes:
        """All registrations of an event as CSV for spreadsheets used in France.

        Semicolon-separated, UTF-8 with a byte-order mark and times in Europe/Paris: what a
        French spreadsheet opens correctly with a double click.
        """
        rows = await self.list_for_event(
            session,
            event_id=event_id,
            identity=identity,
            after=None,
            limit=MAX_EXPORT_ROWS,
            statuses=None,
        )
        reads = await self.to_reads(session, rows)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for number, read in zip((r.number for r in rows), reads, strict=True):
            # Names and e-mails are typed by anyone registering: no cell may run as a formula.
            writer.writerow(
                neutralise(cell)
                for cell in [
                    number,
                    read.name,
                    read.email,
                    read.actor_id or "",
                    read.status.value,
                    read.waitlist_position or "",
                    {True: "oui", False: "non", None: ""}[read.attended],
                    " ".join(
                        f"{int(k) + 1}:{'oui' if v else 'non'}"
                        for k, v in sorted(read.sessions_attended.items(), key=lambda i: int(i[0]))
                    ),
                    read.created_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
                    str(read.id),
                ]
            )
        return "\ufeff".encode() + out.getvalue().encode()

    async def cancel(
        self,
        session: AsyncSession,
        *,
        registration_id: uuid.UUID,
        identity: Identity,
        token: str | None,
    ) -> RegistrationRead:
        """Cancel a registration; a freed seat goes to the first waitlisted at once."""
        found = await self.get(
            session, registration_id=registration_id, identity=identity, token=token
        )
        if found.status == CANCELLED:
            # Final: no lock needed, and the link still answers once the event is deleted.
            return await self.to_read(session, found)
        event, registration = await self._lock(session, found)
        if registration.status == CANCELLED:
            return await self.to_read(session, registration)  # cancelling twice is fine
        if registration.status == REFUSED:
            raise RegistrationStateConflict("A refused registration cannot be cancelled.")
        freed_seat = registration.status == CONFIRMED
        registration.status = CANCELLED
        registration.cancelled_at = utcnow()
        registration.touch()
        await session.flush()
        read = await self.to_read(session, registration)
        await self._emit(session, REGISTRATION_CANCELLED, event, read)
        await registration_messages.cancelled(session, event=event, registration=registration)
        if freed_seat:
            await self._fill_seats(session, event)
        return read

    async def cancel_all(self, session: AsyncSession, event: Event) -> None:
        """Cancel every registration holding or awaiting a seat of an event being deleted
        (the event locked), each announced like any cancellation; nobody is promoted."""
        active = await registration_repository.holding_or_awaiting_a_seat(
            session, event.id, [CONFIRMED, WAITLISTED, PENDING]
        )
        if not active:
            return
        now = utcnow()
        for registration in active:
            registration.status = CANCELLED
            registration.cancelled_at = now
            registration.touch()
        await session.flush()
        for read in await self.to_reads(session, active):
            await self._emit(session, REGISTRATION_CANCELLED, event, read)
        await registration_messages.event_changed(
            session, event=event, change=EventChange.CANCELLED, registrations=active
        )

    async def tell_registrants(
        self, session: AsyncSession, event: Event, *, before: dict[str, Any]
    ) -> None:
        """After a change of ``event`` (locked): if it was cancelled, rescheduled or moved
        online, mail each registrant holding or awaiting a seat, once. ``before``: the
        event's status, timings and attendance mode before the change."""
        change = event_change(
            status_before=before["status"],
            status_after=event.status,
            timings_before=before["timings"],
            timings_after=event.timings,
            mode_before=before["attendance_mode"],
            mode_after=event.attendance_mode,
        )
        if change is None or event.registration_settings.mode != "internal":
            return
        active = await registration_repository.holding_or_awaiting_a_seat(
            session, event.id, [CONFIRMED, WAITLISTED, PENDING]
        )
        await registration_messages.event_changed(
            session, event=event, change=change, registrations=active
        )

    async def approve(
        self, session: AsyncSession, *, registration_id: uuid.UUID, identity: Identity
    ) -> RegistrationRead:
        """Accept a pending registration: a seat if one is free, else the waitlist."""
        event, registration = await self._pending_for_organizer(session, registration_id, identity)
        if event.status == EventStatus.CANCELLED.value:
            # As for registering; refusing stays possible, to answer the person.
            raise EventCancelled("This event is cancelled: registrations cannot be approved.")
        counts = await self._fill_seats(session, event)
        registration.status = policies.placement(event.registration_settings, counts).value
        registration.touch()
        await session.flush()
        read = await self.to_read(session, registration)
        await self._emit(session, _EVENT_TYPE_OF_STATUS[registration.status], event, read)
        await registration_messages.approved(
            session,
            event=event,
            registration=registration,
            waitlist_position=read.waitlist_position,
        )
        return read

    async def refuse(
        self, session: AsyncSession, *, registration_id: uuid.UUID, identity: Identity
    ) -> RegistrationRead:
        event, registration = await self._pending_for_organizer(session, registration_id, identity)
        registration.status = REFUSED
        registration.touch()
        await session.flush()
        read = await self.to_read(session, registration)
        await self._emit(session, REGISTRATION_REFUSED, event, read)
        await registration_messages.refused(session, event=event, registration=registration)
        return read

    async def record_attendance(
        self,
        session: AsyncSession,
        *,
        registration_id: uuid.UUID,
        data: AttendanceRecord,
        identity: Identity,
    ) -> RegistrationRead:
        """Mark a confirmed registrant present or absent, for the event or one session."""
        # Marks of different sessions rewrite the same JSON: under the event lock, from a
        # fresh read, or concurrent marks overwrite each other on PostgreSQL.
        event, registration = await self._locked_for_organizer(session, registration_id, identity)
        if registration.status != CONFIRMED:
            raise RegistrationStateConflict(
                f"Attendance is recorded for confirmed registrations; this one is "
                f"{registration.status}."
            )
        if data.session is not None:
            # A training's declared sessions, else one session per timing.
            count = len(sessions_of(event))
            if data.session >= count:
                raise InvalidInput("session", f"this event has {count} session(s), numbered from 0")
            sessions = {**registration.sessions_attended, str(data.session): data.attended}
            registration.sessions_attended = sessions
            registration.attended = any(sessions.values())
        else:
            registration.attended = data.attended
        registration.attendance_recorded_at = utcnow()
        registration.touch()
        await session.flush()
        payload = AttendanceRecorded(
            registration_id=registration.id,
            event_id=event.id,
            event_title=event.title,
            event_kind=event.kind,
            name=registration.name,
            email=registration.email,
            actor_id=registration.actor_id,
            attended=data.attended,
            session=data.session,
            recorded_at=registration.attendance_recorded_at,
            feedback_survey_id=(event.training or {}).get("feedback_survey_id"),
            event_themes=event.themes,
            event_starts_at=min(
                (datetime.fromisoformat(t["start"]) for t in event.timings), default=None
            ),
            event_place=ical.place_of(event) or None,
            language=registration.language,
        )
        await outbox.emit(
            session,
            type=ATTENDANCE_RECORDED,
            subject=str(registration.id),
            data=payload.model_dump(mode="json"),
        )
        return await self.to_read(session, registration)

    async def attendance_sheet(
        self, session: AsyncSession, *, event_id: uuid.UUID, identity: Identity
    ) -> AttendanceSheetRead:
        """Present, absent and not yet recorded, per session and for the whole event."""
        event = await event_repository.get(session, event_id)
        if event is None:
            raise EventNotFound(f"No event with id {event_id}.")
        await self._require_organizer(
            session, event, identity, hidden=EventNotFound(f"No event with id {event_id}.")
        )
        marks = await registration_repository.attendance_marks(session, event.id)
        sessions = []
        for index, declared in enumerate(sessions_of(event)):
            seen = [by_session.get(str(index)) for _, by_session in marks]
            sessions.append(
                SessionAttendanceRead(
                    index=index,
                    title=declared.title,
                    timings=[event.timings[p] for p in declared.timing_positions],
                    **_tally(seen),
                )
            )
        return AttendanceSheetRead(
            confirmed=len(marks),
            event=AttendanceTally(**_tally([attended for attended, _ in marks])),
            sessions=sessions,
        )

    async def counts(
        self, session: AsyncSession, events: Sequence[Event]
    ) -> dict[uuid.UUID, RegistrationCountsRead]:
        """Public counts of the events taking internal registrations (one query)."""
        settings = {event.id: event.registration_settings for event in events}
        internal = [e for e in events if settings[e.id].mode == "internal"]
        by_event = await registration_repository.counts(session, [e.id for e in internal])
        result = {}
        for event in internal:
            counts = by_event.get(event.id, RegistrationCounts())
            result[event.id] = RegistrationCountsRead(
                confirmed=counts.confirmed,
                capacity=settings[event.id].capacity,
                available=policies.available_seats(settings[event.id], counts),
                waitlisted=counts.waitlisted,
                pending_approval=counts.pending_approval,
            )
        return result

    async def fill_seats(self, session: AsyncSession, event: Event) -> None:
        """Promote waitlisted people into seats freed by a capacity raise (event locked)."""
        await self._fill_seats(session, event)

    async def confirmed_count(self, session: AsyncSession, event: Event) -> int:
        counts = await registration_repository.counts(session, [event.id])
        return counts.get(event.id, RegistrationCounts()).confirmed

    async def to_reads(
        self, session: AsyncSession, registrations: Sequence[Registration]
    ) -> list[RegistrationRead]:
        positions = await registration_repository.waitlist_positions(session, registrations)
        return [_to_read(r, positions.get(r.id)) for r in registrations]

    async def to_read(self, session: AsyncSession, registration: Registration) -> RegistrationRead:
        return (await self.to_reads(session, [registration]))[0]

    async def _fill_seats(self, session: AsyncSession, event: Event) -> RegistrationCounts:
        """Give free seats to the first waitlisted, in order; return the counts after."""
        counts = (await registration_repository.counts(session, [event.id])).get(
            event.id, RegistrationCounts()
        )
        seats = policies.seats_to_promote(
            event.registration_settings,
            counts,
            event_cancelled=event.status == EventStatus.CANCELLED.value,
        )
        if seats == 0:
            return counts
        promoted = await registration_repository.first_waitlisted(session, event.id, limit=seats)
        for registration in promoted:
            registration.status = CONFIRMED
            registration.touch()
        await session.flush()
        for read in await self.to_reads(session, promoted):
            await self._emit(session, REGISTRATION_PROMOTED, event, read)
        for registration in promoted:
            await registration_messages.promoted(session, event=event, registration=registration)
        return RegistrationCounts(
            confirmed=counts.confirmed + len(promoted),
            waitlisted=counts.waitlisted - len(promoted),
            pending_approval=counts.pending_approval,
            pending_email=counts.pending_email,
        )

    async def _locked_event(
        self, session: AsyncSession, event_id: uuid.UUID, identity: Identity
    ) -> Event:
        event = await event_repository.lock(session, event_id)
        if event is None or (
            # Who may see an unpublished event (staff, its organizers' members) is told why
            # they cannot register; to anyone else it does not exist.
            event.state != EventState.PUBLISHED.value
            and not await self._is_organizer(session, event, identity)
        ):
            raise EventNotFound(f"No event with id {event_id}.")
        return event

    async def _lock(
        self, session: AsyncSession, registration: Registration
    ) -> tuple[Event, Registration]:
        """Lock the registration's event, then re-read the registration under the lock."""
        event = await event_repository.lock(session, registration.event_id)
        fresh = await registration_repository.get_for_update(session, registration.id)
        if event is None or fresh is None:
            raise RegistrationNotFound(f"No registration with id {registration.id}.")
        return event, fresh

    async def _locked_for_organizer(
        self, session: AsyncSession, registration_id: uuid.UUID, identity: Identity
    ) -> tuple[Event, Registration]:
        """A registration and its event, locked and read afresh, for one of the event's
        organizers (or staff); anyone else is told there is no such registration."""
        found = await registration_repository.get(session, registration_id)
        if found is None:
            raise RegistrationNotFound(f"No registration with id {registration_id}.")
        event, registration = await self._lock(session, found)
        await self._require_organizer(
            session,
            event,
            identity,
            hidden=RegistrationNotFound(f"No registration with id {registration_id}."),
        )
        return event, registration

    async def _pending_for_organizer(
        self, session: AsyncSession, registration_id: uuid.UUID, identity: Identity
    ) -> tuple[Event, Registration]:
        event, registration = await self._locked_for_organizer(session, registration_id, identity)
        if registration.status != PENDING:
            raise RegistrationStateConflict(
                f"Only registrations pending approval can be approved or refused; this one is "
                f"{registration.status}."
            )
        return event, registration

    def _check_open(self, event: Event) -> None:
        settings = event.registration_settings
        if settings.mode != "internal":
            where = f" Register at {settings.url}." if settings.url else ""
            raise RegistrationUnavailable(
                f"This event does not take registrations through Maillage.{where}"
            )
        if event.status == EventStatus.CANCELLED.value:
            raise EventCancelled("This event is cancelled: registrations are closed.")
        if event.state != EventState.PUBLISHED.value:
            raise RegistrationUnavailable("This event is not published yet.")
        now = utcnow()
        if settings.opens_at is not None and now < settings.opens_at:
            opens_at = settings.model_dump(mode="json")["opens_at"]  # as the event reads it
            raise RegistrationNotOpen(f"Registration opens at {opens_at}.", opens_at=opens_at)
        # Without an explicit closing time, registration closes when the event ends.
        closes_at = settings.closes_at or event.ends_at
        if now >= closes_at:
            raise RegistrationClosed(
                f"Registration closed at {closes_at.isoformat()}.", closed_at=closes_at.isoformat()
            )

    async def _is_organizer(self, session: AsyncSession, event: Event, identity: Identity) -> bool:
        """Whether ``identity`` manages ``event`` (the agenda's rule); the organizers are read
        only when the answer depends on them."""
        if identity.is_staff or not identity.actor_ids:
            return event_policies.may_manage(identity, ())
        organizers = (await event_repository.organizer_ids(session, [event.id]))[event.id]
        return event_policies.may_manage(identity, organizers)

    async def _require_organizer(
        self, session: AsyncSession, event: Event, identity: Identity, *, hidden: NotFound
    ) -> None:
        """Staff and the organizers' members pass; to anyone else an unpublished event does
        not exist (``hidden`` is the 404 to answer), and a published one is forbidden."""
        if not await self._is_organizer(session, event, identity):
            if event.state != EventState.PUBLISHED.value:
                raise hidden
            raise RegistrationsForbidden(
                "Only members of the event's organizers and network staff manage registrations."
            )

    async def _emit(
        self, session: AsyncSession, type: str, event: Event, read: RegistrationRead
    ) -> None:
        payload = RegistrationChanged(
            id=read.id,
            event_id=event.id,
            event_title=event.title,
            event_kind=event.kind,
            name=read.name,
            email=read.email,
            actor_id=read.actor_id,
            status=read.status,
            waitlist_position=read.waitlist_position,
            updated_at=read.updated_at,
        )
        await outbox.emit(
            session, type=type, subject=str(read.id), data=payload.model_dump(mode="json")
        )


def _unstored_answer(
    event: Event,
    data: RegistrationCreate,
    status: str,
    waitlist_position: int | None,
    *,
    now: datetime,
    hold: HoldRules,
) -> RegistrationCreated:
    """What a new registration would answer now, for an address already registered (and
    told so by mail): nothing is stored."""
    return RegistrationCreated(
        id=uuid.uuid4(),
        event_id=event.id,
        name=data.name,
        email=data.email,
        actor_id=None,
        status=RegistrationStatus(status),
        waitlist_position=waitlist_position,
        attended=None,
        sessions_attended={},
        created_at=now,
        updated_at=now,
        token=None,
        cancel_url=None,
        hold_expires_at=hold.expiry(now) if status == PENDING_EMAIL else None,
    )


def _to_read(registration: Registration, waitlist_position: int | None) -> RegistrationRead:
    return RegistrationRead(
        id=registration.id,
        event_id=registration.event_id,
        name=registration.name,
        email=registration.email,
        actor_id=registration.actor_id,
        status=RegistrationStatus(registration.status),
        waitlist_position=waitlist_position,
        attended=registration.attended,
        sessions_attended=registration.sessions_attended,
        created_at=registration.created_at,
        updated_at=registration.updated_at,
    )


def _tally(marks: Sequence[bool | None]) -> dict[str, int]:
    present = sum(1 for mark in marks if mark is True)
    absent = sum(1 for mark in marks if mark is False)
    return {"present": present, "absent": absent, "unrecorded": len(marks) - present - absent}


registration_service = RegistrationService()
