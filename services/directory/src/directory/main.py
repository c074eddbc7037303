"""The directory service: the network's actors (and, next, its resource catalogue)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from directory.actors.router import router as actors_router
from directory.claims.router import router as claims_router
from directory.config import Settings
from directory.db import inbox, leases, mail, outbox
from directory.imports.router import router as imports_router
from directory.imports.worker import import_worker
from directory.resources.router import router as resources_router
from directory.staff_summary import directory_waiting_for_staff
from directory.territories.router import router as territories_router
from directory.vocabularies.router import router as vocabularies_router
from kit.mail.router import mail_router
from kit.mail.summary import SUMMARY_KIND, SUMMARY_KIND_LABEL, staff_summary_worker
from kit.pages.unsubscribe import unsubscribe_router
from kit.service import ServiceSpec, create_service_app

SERVICE_ROOT = Path(__file__).resolve().parents[2]


def service_spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name="directory",
        title="Maillage directory",
        description="The actors of the science-culture network.",
        settings=settings,
        outbox=outbox,
        inbox=inbox,
        mail=mail,
        stream="DIRECTORY",
        routers=[
            actors_router,
            claims_router,
            imports_router,
            resources_router,
            vocabularies_router,
            mail_router(mail),
            unsubscribe_router(mail, kinds={SUMMARY_KIND: SUMMARY_KIND_LABEL}),
            territories_router,
        ],
        workers=[
            import_worker,
            *(
                [staff_summary_worker(mail, leases, settings.common, directory_waiting_for_staff)]
                if settings.common.staff_summary
                else []
            ),
        ],
        body_limit_overrides={"/v1/imports": settings.import_max_bytes},
        openapi_tags=[
            {"name": "actors", "description": "Actors of the network."},
            {"name": "vocabularies", "description": "Codes and their fr/en labels."},
            {"name": "territories", "description": "Communes of the official geographic code."},
            {"name": "imports", "description": "Spreadsheet imports with dry runs."},
            {"name": "resources", "description": "What actors lend: the catalogue."},
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(service_spec(settings or Settings()))
