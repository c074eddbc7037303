"""The eu-watch service: EU funding calls and watches."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from eu_watch.actors.consumers import actor_subscription
from eu_watch.calls.router import feeds_router
from eu_watch.calls.router import router as calls_router
from eu_watch.config import Settings
from eu_watch.db import inbox, outbox
from eu_watch.matching.router import router as matching_router
from eu_watch.sources.router import router as sources_router
from eu_watch.sources.worker import scheduler
from eu_watch.themes.router import router as themes_router
from kit.service import ServiceSpec, create_service_app

SERVICE_ROOT = Path(__file__).resolve().parents[2]


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
            # /v1/calls/sources and /themes before /v1/calls/{call_id}, which would take them.
            routers=[sources_router, themes_router, feeds_router, calls_router, matching_router],
            subscriptions=[actor_subscription(settings.consumer_prefix)],
            workers=[scheduler(settings)],
            openapi_tags=[{"name": "calls", "description": "EU funding calls."}],
        )
    )
