"""The surveys service: questionnaires and the observatory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.mail.router import mail_router
from kit.pages.unsubscribe import unsubscribe_router
from kit.service import ServiceSpec, create_service_app
from surveys.actors.consumers import actor_subscription
from surveys.config import Settings
from surveys.db import inbox, mail, outbox
from surveys.feedback.consumers import attendance_subscription
from surveys.feedback.worker import feedback_worker
from surveys.forms.pages import router as form_pages
from surveys.indicators.router import router as indicators_router
from surveys.invitations.router import router as invitations_router
from surveys.invitations.service import MAIL_KIND
from surveys.observatory.pages import router as observatory_pages
from surveys.questionnaires.router import router as surveys_router
from surveys.questionnaires.worker import schedule_worker
from surveys.responses.router import router as responses_router
from surveys.results.router import router as results_router

SERVICE_ROOT = Path(__file__).resolve().parents[2]
#: What one stops receiving from the unsubscribe link of a survey message: invitations and
#: reminders alike (one kind: a survey's messages are all asks to answer).
MAIL_KINDS = {
    MAIL_KIND: (
        "les invitations et les rappels des questionnaires du réseau",
        "the invitations and reminders of the network's surveys",
    ),
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        ServiceSpec(
            name="surveys",
            title="Maillage surveys",
            description="Questionnaires to the network and the observatory built from them.",
            settings=settings,
            outbox=outbox,
            inbox=inbox,
            stream="SURVEYS",
            mail=mail,
            routers=[
                surveys_router,
                invitations_router,
                responses_router,
                form_pages,
                results_router,
                indicators_router,
                observatory_pages,
                # The link of every invitation's List-Unsubscribe header (RFC 8058 one-click).
                unsubscribe_router(mail, kinds=MAIL_KINDS),
                mail_router(mail),
            ],
            subscriptions=[
                actor_subscription(settings.consumer_prefix),
                attendance_subscription(
                    settings.consumer_prefix, invite_hour=settings.feedback_invite_hour
                ),
            ],
            workers=[
                feedback_worker(every_seconds=settings.feedback_every_seconds),
                schedule_worker(settings),
            ],
            openapi_tags=[
                {"name": "surveys", "description": "Questionnaires of the observatory."},
                {"name": "invitations", "description": "Who is asked to answer, with links."},
                {"name": "responses", "description": "Answering through a personal link."},
                {
                    "name": "results",
                    "description": "Figures, crosstabs and exports; small cells withheld.",
                },
                {"name": "indicators", "description": "Indicators across a series' waves."},
            ],
        )
    )
