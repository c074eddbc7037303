"""The app factory every service uses: middleware, problems, health, outbox relay, mail
sender, consumers.

A service describes itself with a :class:`ServiceSpec`; :func:`create_service_app` wires the
rest the same way everywhere, so each service's ``main.py`` holds only what is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from kit.api_docs import install_api_docs
from kit.broker import Broker
from kit.consumers import ConsumerRunner, Inbox, Subscription
from kit.db import Database
from kit.geocoding import BanGeocoder, geocoder_from
from kit.identity import IdentityMiddleware, IdentityVerifier
from kit.input_guard import InputGuard
from kit.mail.outbox import MailOutbox
from kit.mail.sender import MailSender
from kit.middleware import BodyLimitMiddleware, RequestIdMiddleware
from kit.outbox import Outbox, OutboxRelay
from kit.pages import HtmlSecurityHeaders, install_pages
from kit.problem_texts import ProblemLanguageMiddleware
from kit.problems import install_problem_handlers, problem_response
from kit.query import refuse_unknown_query_parameters
from kit.settings import ServiceSettings

logger = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: How long /readyz waits for each dependency to answer before calling the process not ready.
READY_TIMEOUT_SECONDS = 2.0


@dataclass
class ServiceSpec:
    """What makes a service itself."""

    name: str
    title: str
    settings: ServiceSettings
    outbox: Outbox
    inbox: Inbox
    stream: str
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription] = ()
    description: str = ""
    version: str = "0.1.0"
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)
    #: Long-running jobs of the service, started with the app and cancelled at shutdown.
    workers: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = ()
    #: Larger body limits for some path prefixes (file uploads), in bytes.
    body_limit_overrides: Mapping[str, int] = field(default_factory=dict)
    #: The service's mail outbox, if it mails: a sender runs beside the relay.
    mail: MailOutbox | None = None


@dataclass
class Runtime:
    """What the lifespan owns, kept on ``app.state.runtime``."""

    database: Database
    broker: Broker
    relay: OutboxRelay
    runners: list[ConsumerRunner]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    mail_sender: MailSender | None = None
    #: The BAN geocoder when the operator turned it on (kit.geocoding), for workers.
    geocoder: BanGeocoder | None = None

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``work`` beside the requests (a run staff asked for): cancelled at shutdown
        with the other tasks, and forgotten once done, so that runs asked for over months
        do not pile up here."""
        task = asyncio.create_task(work, name=name)
        self.tasks.append(task)
        task.add_done_callback(self.tasks.remove)
        return task


@contextlib.asynccontextmanager
async def running(spec: ServiceSpec, *, api: bool = True) -> AsyncIterator[Runtime]:
    """Open the database and NATS, and run the relay (and, for the API process, the
    consumers) with the service's workers if configured; close everything on exit.

    ``api=False`` is a worker process: the relay and the workers only.
    """
    settings = spec.settings
    database = Database(settings.database_url)
    broker = Broker(settings.common.nats_url, name=spec.name if api else f"{spec.name}-worker")
    relay = OutboxRelay(
        database,
        spec.outbox,
        broker,
        streams=[spec.stream],
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
    )
    database.on_outbox_commit(relay.wake)
    runners = [
        ConsumerRunner(
            database,
            spec.inbox,
            broker,
            subscription,
            max_deliver=settings.consumer_max_deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
        )
        for subscription in (spec.subscriptions if api else ())
    ]
    runtime = Runtime(
        database=database,
        broker=broker,
        relay=relay,
        runners=runners,
        geocoder=geocoder_from(settings.common),
    )
    if spec.mail is not None:
        # Like the relay, in every process: claims keep two senders off the same message.
        runtime.mail_sender = MailSender(database, spec.mail, settings.common)
        database.on_outbox_commit(runtime.mail_sender.wake)
    broker.start()
    runtime.tasks.append(asyncio.create_task(relay.run(), name=f"{spec.name}-relay"))
    if runtime.mail_sender is not None:
        runtime.tasks.append(
            asyncio.create_task(runtime.mail_sender.run(), name=f"{spec.name}-mail-sender")
        )
    runtime.tasks.extend(
        asyncio.create_task(r.run(), name=f"consumer-{r.subscription.durable}") for r in runners
    )
    if settings.run_workers or not api:
        runtime.tasks.extend(
            asyncio.create_task(worker(runtime), name=f"{spec.name}-{worker.__name__}")
            for worker in spec.workers
        )
    try:
        yield runtime
    finally:
        for task in runtime.tasks:
            task.cancel()
        await asyncio.gather(*runtime.tasks, return_exceptions=True)
        await broker.close()
        await database.dispose()


async def run_worker_process(spec: ServiceSpec) -> None:
    """Run the service's workers (and a relay for what they write) until cancelled."""
    async with running(spec, api=False) as runtime:
        await asyncio.gather(*runtime.tasks)


def create_service_app(spec: ServiceSpec) -> FastAPI:
    """Build the FastAPI app of a service from its spec."""
    settings = spec.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(spec) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=spec.openapi_tags or None,
        # A misspelt filter is a 422 naming it, never silently ignored.
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.settings = settings
    #: The BAN geocoder when the operator turned it on (kit.geocoding), else None.
    app.state.geocoder = geocoder_from(settings.common)
    install_problem_handlers(app)
    app.include_router(health_router())
    for router in spec.routers:
        app.include_router(router)
    install_api_docs(app)  # roles per route and problem types, for the gateway's document
    secret = settings.common.identity_secret.get_secret_value()
    install_pages(app, secret=secret)  # /p/ pages: stylesheet, HTML problems, CSRF key
    verifier = IdentityVerifier(secret)
    app.add_middleware(IdentityMiddleware, verifier=verifier)
    app.add_middleware(InputGuard)  # inside the body limit, which bounds what it reads
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        overrides=spec.body_limit_overrides,
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(HtmlSecurityHeaders)
    app.add_middleware(ProblemLanguageMiddleware)  # outermost: every problem follows it
    return app


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database and NATS are reachable")
    async def readyz(request: Request) -> Any:
        runtime: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await runtime.database.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["nats"] = await runtime.broker.answers(timeout_seconds=READY_TIMEOUT_SECONDS)
        if all(v == "ok" for v in checks.values()):
            return {"status": "ok", "checks": checks}
        return problem_response(
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="A dependency is unreachable.",
            checks=checks,
        )

    return router


def public_origin(request: Request) -> str:
    """The public origin the caller used (``https://maillage.example.org``): the gateway
    passes it as X-Forwarded-Host/Proto; without them, the request's own base URL."""
    host = request.headers.get("x-forwarded-host")
    if host:
        proto = request.headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        return f"{proto}://{host.split(',')[0].strip()}"
    return str(request.base_url).rstrip("/")


def client_address(request: Request) -> str | None:
    """The caller's address as the gateway saw it (rate limits by address): the gateway
    replaces any X-Forwarded-For with its own view, and a service answers only calls bearing
    its signed identity."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else None


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).database.transaction(
        write=request.method not in _SAFE_METHODS
    ) as session:
        yield session


#: The one transaction of a request; committed before the response is sent.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]


async def _writing_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).database.transaction(write=True) as session:
        yield session


#: The request's one transaction, taking the write lock at once even for a GET: for a link
#: whose opening changes something (a mailed confirmation link), so SQLite never has to
#: upgrade a reader mid-way while another writer holds the lock.
WriteSession = Annotated[AsyncSession, Depends(_writing_session, scope="function")]
