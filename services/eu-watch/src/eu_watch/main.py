"""The eu-watch service: EU funding calls and watches."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from eu_watch.actors.consumers import actor_subscription
from eu_watch.calls.router import feeds_router
from eu_watch.calls.router import router as calls_router
from eu_watch.config import Settings
from eu_watch.db import inbox, mail, outbox
from eu_watch.follows.router import router as follows_router
from eu_watch.follows.service import REMINDER_KIND
from eu_watch.follows.worker import reminder_worker
from eu_watch.matching.router import router as matching_router
from eu_watch.sources.router import router as sources_router
from eu_watch.sources.worker import scheduler
from eu_watch.themes.router import router as themes_router
from eu_watch.watches.router import router as watches_router
from eu_watch.watches.service import WATCH_MAIL_KIND
from eu_watch.watches.worker import watch_worker
from kit.mail.router import mail_router
from kit.pages.unsubscribe import unsubscribe_router
from kit.service import ServiceSpec, create_service_app

SERVICE_ROOT = Path(__file__).resolve().parents[2]
#: What each kind of message one may unsubscribe from is, for the unsubscribe page.
MAIL_KINDS = {
    WATCH_MAIL_KIND: (
        "les alertes et les lettres hebdomadaires de vos veilles d'appels à projets",
        "the alerts and weekly digests of your calls-for-projects watches",
    ),
    REMINDER_KIND: (
        "les rappels avant la date limite des appels à projets que vous suivez",
        "the reminders before the deadlines of the calls for projects you follow",
    ),
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        ServiceSpec(
            name="eu-watch",
            title="Maillage EU watch",
            description="EU funding calls watched for the network, and the actors they may suit.",
            settings=settings,
            outbox=outbox,
            inbox=inbox,
            stream="EUWATCH",
            mail=mail,
            # /v1/calls/sources, /themes and /followed before /v1/calls/{call_id}, which would
            # take them.
            routers=[
                sources_router,
                themes_router,
                follows_router,
                feeds_router,
                calls_router,
                matching_router,
                watches_router,
                unsubscribe_router(mail, kinds=MAIL_KINDS),
                mail_router(mail),
            ],
            subscriptions=[actor_subscription(settings.consumer_prefix)],
            workers=[
                scheduler(settings),
                *([watch_worker(settings)] if settings.watch_check_seconds > 0 else []),
                *([reminder_worker(settings)] if settings.reminder_check_seconds > 0 else []),
            ],
            openapi_tags=[
                {"name": "calls", "description": "EU funding calls."},
                {
                    "name": "watches",
                    "description": "Saved searches that tell of calls new to them, once each.",
                },
                {"name": "follows", "description": "Calls followed, reminded before deadlines."},
            ],
        )
    )
