"""The gateway app: the proxy in front, a small FastAPI app for the gateway's own routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
from fastapi import Depends, FastAPI, Response
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api_keys.router import router as api_keys_router
from gateway.api_keys.store import DatabaseKeyStore
from gateway.asyncapi import asyncapi_document
from gateway.callers import resolver_for
from gateway.config import Settings
from gateway.cors import Cors, parse_origins
from gateway.docs import install_docs
from gateway.encryption import Keyring, use_keyring
from gateway.limits import RateLimitHeaders
from gateway.openapi_merge import MergedOpenApi
from gateway.page_problems import PageProblems
from gateway.partners.router import router as partners_router
from gateway.proxy.breakers import CircuitBreaker
from gateway.proxy.readiness import check_services
from gateway.proxy.relay import Proxy, Upstream, new_upstream_session
from gateway.proxy.routing import SEGMENT_OWNERS
from gateway.webhooks.router import router as webhooks_router
from kit.api_docs import annotate_document
from kit.db import Database
from kit.identity import IDENTITY_HEADER, Identity, IdentitySigner, Role
from kit.input_guard import InputGuard
from kit.middleware import BodyLimitMiddleware, RequestIdMiddleware
from kit.pages import HtmlSecurityHeaders, install_pages
from kit.problem_texts import ProblemLanguageMiddleware
from kit.problems import install_problem_handlers, problem_response
from kit.query import refuse_unknown_query_parameters

TITLE = "Maillage API"
DESCRIPTION = (
    "The public API of the Maillage science-culture network. Errors are RFC 9457 "
    "`application/problem+json`; send `X-Request-ID` to trace a call."
)
#: How the gateway presents itself when it reads the services' own documents.
GATEWAY_READER = Identity(subject="gateway", role=Role.READER)


class Gateway:
    """What ``uvicorn`` serves: :class:`Proxy` wrapping the FastAPI app (``api``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = IdentitySigner(
            settings.common.identity_secret.get_secret_value(),
            ttl_seconds=settings.common.identity_ttl_seconds,
        )
        admin_key = settings.admin_key.get_secret_value() if settings.admin_key else None
        self.services = settings.service_urls()
        # The engine connects lazily: a gateway without API keys never opens the database.
        self.database = Database(settings.database_url)
        # Webhook and partner secrets are encrypted under it (read on first use).
        self.keyring = Keyring.from_settings(settings)
        use_keyring(self.database.engine, self.keyring)
        self.keys = DatabaseKeyStore(
            self.database,
            cache_seconds=settings.key_cache_seconds,
            last_used_seconds=settings.key_last_used_seconds,
        )
        self.callers = resolver_for(admin_key, self.keys)
        self.api = _build_api(self)
        self.proxy = Proxy(
            RequestIdMiddleware(
                BodyLimitMiddleware(
                    InputGuard(RateLimitHeaders(HtmlSecurityHeaders(self.api))),
                    max_bytes=settings.max_body_bytes,
                )
            ),
            routes={
                segment: Upstream(name=service, base_url=self.services[service].rstrip("/"))
                for segment, service in SEGMENT_OWNERS.items()
            },
            callers=self.callers,
            limits=settings.rate_limits(),
            breakers={
                service: CircuitBreaker(
                    failure_threshold=settings.circuit_failure_threshold,
                    cooldown_seconds=settings.circuit_cooldown_seconds,
                )
                for service in self.services
            }
            if settings.circuit_failure_threshold > 0
            else None,
            signer=self.signer,
            max_body_bytes=settings.max_body_bytes,
            body_limit_overrides={"/v1/imports": settings.import_max_bytes},
        )
        origins = parse_origins(settings.cors_origins)
        # The gateway's own errors on /p/ paths (429, 503...) reach people as pages.
        relayed = PageProblems(self.proxy)
        #: What the server calls: the proxy, behind CORS when front-end origins are listed,
        #: every problem in the caller's Accept-Language (relayed ones: the service's own).
        self.entry: ASGIApp = ProblemLanguageMiddleware(
            Cors(relayed, origins=origins, max_age_seconds=settings.cors_max_age_seconds)
            if origins
            else relayed
        )
        self.openapi = MergedOpenApi(
            own_document=self._own_openapi,
            services={name: url.rstrip("/") for name, url in self.services.items()},
            session=self.session,
            headers=lambda: {IDENTITY_HEADER: self.signer.sign(GATEWAY_READER)},
            ttl_seconds=settings.openapi_cache_seconds,
            timeout_seconds=settings.openapi_timeout_seconds,
            title=TITLE,
            description=DESCRIPTION,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.entry(scope, receive, send)

    def session(self) -> aiohttp.ClientSession:
        """The process's HTTP client (created by the lifespan)."""
        if self.proxy.session is None:
            raise RuntimeError("the gateway lifespan has not started")
        return self.proxy.session

    def _own_openapi(self) -> dict[str, Any]:
        document = get_openapi(
            title=TITLE, version="1", description=DESCRIPTION, routes=self.api.routes
        )
        return annotate_document(document, self.api.routes)

    @contextlib.asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        self.proxy.session = new_upstream_session(
            connect_timeout=self.settings.connect_timeout_seconds,
            read_timeout=self.settings.upstream_timeout_seconds,
            connection_limit=self.settings.upstream_connection_limit,
            keepalive_seconds=self.settings.upstream_keepalive_seconds,
        )
        try:
            yield
        finally:
            await self.proxy.stop_watches()
            await self.proxy.session.close()
            self.proxy.session = None
            await self.keys.close()
            await self.database.dispose()


def _build_api(gateway: Gateway) -> FastAPI:
    api = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        lifespan=gateway.lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # Its own /v1 routes refuse unknown query parameters as the services' do.
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    api.state.gateway = gateway
    api.state.settings = gateway.settings  # paging reads its limits there
    install_problem_handlers(api)
    # The shared stylesheet at /p/static/, and a 404 page for /p/ links no service owns.
    install_pages(api, secret=gateway.settings.common.identity_secret.get_secret_value())
    api.include_router(api_keys_router)
    api.include_router(webhooks_router)
    api.include_router(partners_router)

    @api.get("/healthz", tags=["health"], summary="The gateway is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get(
        "/readyz",
        tags=["health"],
        summary="Every service is ready",
        responses={503: {"description": "A service is not ready (problem+json)."}},
    )
    async def readyz() -> Any:
        services = await check_services(
            gateway.session(),
            gateway.services,
            timeout_seconds=gateway.settings.probe_timeout_seconds,
        )
        if all(status == "ok" for status in services.values()):
            return {"status": "ok", "services": services}
        down = ", ".join(name for name, status in services.items() if status != "ok")
        return problem_response(
            status=503,
            slug="not-ready",
            title="Not ready",
            detail=f"Not ready: {down}.",
            services=services,
        )

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi() -> Response:
        return Response(
            orjson.dumps(await gateway.openapi.document()), media_type="application/json"
        )

    @api.get("/asyncapi.json", include_in_schema=False)
    @api.get("/v1/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> Response:
        return Response(asyncapi_document(), media_type="application/json")

    install_docs(api, title=f"{TITLE} — docs")  # Swagger UI from a package, not a CDN
    return api


def create_app(settings: Settings | None = None) -> Gateway:
    """Build the gateway (an ASGI app) from ``settings`` or the environment."""
    return Gateway(settings or Settings())
