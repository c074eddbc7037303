"""The registrant's own view of a registration, opened with the personal token alone.

What ``/p/registrations/{token}`` shows and does: the registration with its event (even an
event deleted since, whose registrations were cancelled with it), cancelling it, and the
event as an ``.ics`` to add to a calendar. An unknown token is :class:`RegistrationNotFound`
whatever it looks like, so the page is no oracle. Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import RegistrationStatus
from events.agenda import ical
from events.agenda.models import Event
from events.agenda.repository import event_repository
from events.agenda.service import event_service
from events.registrations.errors import RegistrationNotFound
from events.registrations.models import Registration
from events.registrations.schemas import RegistrationRead
from events.registrations.service import registration_service
from kit.identity import Identity

#: Statuses a registrant may still cancel from their page.
CANCELLABLE = frozenset(
    {
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.PENDING_APPROVAL,
        RegistrationStatus.PENDING_EMAIL,
    }
)


@dataclass(frozen=True)
class PersonalRegistration:
    """A registration as its registrant sees it."""

    registration: RegistrationRead
    language: str
    event: Event
    event_deleted: bool
    organizer_names: list[str]

    @property
    def cancellable(self) -> bool:
        return self.registration.status in CANCELLABLE


class PersonalRegistrationService:
    async def open(self, session: AsyncSession, *, token: str) -> PersonalRegistration:
        """The registration ``token`` opens, with its event."""
        registration, event = await self._find(session, token)
        # Opening the mailed link proves the address: a held seat becomes the registrant's.
        registration = await registration_service.confirm_email(session, registration)
        read = await registration_service.to_read(session, registration)
        names = await event_service.organizer_names(session, [event])
        return PersonalRegistration(
            registration=read,
            language=registration.language,
            event=event,
            event_deleted=event.deleted_at is not None,
            organizer_names=names.get(event.id, []),
        )

    async def cancel(
        self, session: AsyncSession, *, token: str, identity: Identity
    ) -> RegistrationRead:
        """Cancel the registration ``token`` opens (the first waitlisted then gets the seat,
        and both are told by mail, as for any cancellation)."""
        registration, _ = await self._find(session, token)
        return await registration_service.cancel(
            session, registration_id=registration.id, identity=identity, token=token
        )

    async def calendar(self, session: AsyncSession, *, token: str) -> bytes:
        """The registration's event as an iCalendar file."""
        _, event = await self._find(session, token)
        names = await event_service.organizer_names(session, [event])
        return ical.calendar(event.title, [(event, names.get(event.id, []))])

    async def _find(self, session: AsyncSession, token: str) -> tuple[Registration, Event]:
        registration = await registration_service.find_by_token(session, token)
        event = (
            await event_repository.get_even_deleted(session, registration.event_id)
            if registration is not None
            else None
        )
        if registration is None or event is None:
            raise RegistrationNotFound("No registration for this link.")
        return registration, event


personal_registration_service = PersonalRegistrationService()
