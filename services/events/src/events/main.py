"""The events service: the network calendar, fed with organizers from the directory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from events.agenda.router import router as agenda_router
from events.config import Settings
from events.db import inbox, leases, mail, outbox
from events.history.router import router as history_router
from events.organizers.consumers import actor_subscription
from events.partners.router import router as partners_router
from events.partners.worker import openagenda_sync_worker
from events.registrations.messages import REMINDER_KIND
from events.registrations.pages import router as registration_pages
from events.registrations.router import router as registrations_router
from events.registrations.worker import hold_expiry_worker, reminder_worker
from events.search.router import router as search_router
from events.staff_summary import events_waiting_for_staff
from kit.mail.router import mail_router
from kit.mail.summary import SUMMARY_KIND, SUMMARY_KIND_LABEL, staff_summary_worker
from kit.pages.unsubscribe import unsubscribe_router
from kit.service import ServiceSpec, create_service_app

SERVICE_ROOT = Path(__file__).resolve().parents[2]
#: What each kind of message one may unsubscribe from is, for the unsubscribe page.
MAIL_KINDS = {
    REMINDER_KIND: (
        "les rappels envoyés la veille des événements auxquels vous êtes inscrit·e",
        "the reminders sent the day before the events you registered for",
    ),
    SUMMARY_KIND: SUMMARY_KIND_LABEL,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        ServiceSpec(
            name="events",
            title="Maillage events",
            description="The calendar of events and trainings of the network.",
            settings=settings,
            outbox=outbox,
            inbox=inbox,
            mail=mail,
            stream="EVENTS",
            routers=[
                search_router,
                partners_router,
                agenda_router,
                history_router,
                registrations_router,
                registration_pages,
                unsubscribe_router(mail, kinds=MAIL_KINDS),
                mail_router(mail),
            ],
            subscriptions=[actor_subscription(settings.consumer_prefix)],
            workers=[
                *(
                    [openagenda_sync_worker(settings)]
                    if settings.openagenda_sync_interval_seconds > 0
                    else []
                ),
                *([reminder_worker(settings)] if settings.reminder_hours_before > 0 else []),
                *(
                    [staff_summary_worker(mail, leases, settings.common, events_waiting_for_staff)]
                    if settings.common.staff_summary
                    else []
                ),
                hold_expiry_worker(settings),
            ],
            openapi_tags=[
                {"name": "events", "description": "Events and trainings."},
                {
                    "name": "registrations",
                    "description": "Registrations, waitlists, approval and attendance.",
                },
                {
                    "name": "partners",
                    "description": "Partners' events by their own ids, and OpenAgenda imports.",
                },
            ],
        )
    )
