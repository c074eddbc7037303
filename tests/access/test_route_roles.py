"""Every route of the merged OpenAPI, called by every kind of caller through the real gateway
and services, answers as ``route_roles.py`` says (object- and function-level access rules).

The world: actors A and B, each with a published event (internal registration), a pending
event submitted by its member, an event needing approval, a registration, a resource; two
partners P and Q, each registered with an inbox secret, a partner key, a webhook endpoint
(pointing at a local receiver) with a delivery, and a signed push; shadow actors, a dry-run
import, an OpenAgenda agenda imported from a local stand-in answering in OpenAgenda's v2
format, an EU call, an open and a draft survey. Each operation is called
on A's objects (on B's for ``member@B``, on Q's for ``partner@Q``); an operation that changes
or removes its object gets a fresh one for every call, so callers never see each other's
effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from kit.identity import IDENTITY_HEADER, Identity, IdentitySigner, Role
from kit.testing.polling import wait_until
from maillage_cli.api import Api
from maillage_cli.stack import Stack, StackOptions

pytestmark = pytest.mark.e2e


def _load_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "maillage_access_route_roles", Path(__file__).with_name("route_roles.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


route_roles = _load_table()
RULES: list[Any] = route_roles.RULES
COLUMNS: tuple[str, ...] = route_roles.COLUMNS
METHODS = frozenset({"get", "post", "put", "patch", "delete"})
#: How long an actor may take to reach the events service's projection.
PROPAGATION = 30.0


# -- payloads ---------------------------------------------------------------------------------


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:8]}"


def actor_payload(name: str, *, status: str = "active") -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": unique(name),
        "types": ["association"],
        "circle": 2,
        "themes": ["astronomy_space"],
        "audiences": ["general_public"],
        "status": status,
        "address": {"city": "Fleurance", "postcode": "32500", "commune_insee": "32132"},
        "contacts": [
            {"name": "Claire Martin", "role": "directrice", "email": "claire@example.org"},
            {"name": "Accueil", "email": "accueil@example.org", "public": True},
        ],
    }


def event_payload(organizer_id: str, *, approval: bool = False) -> dict[str, Any]:
    return {
        "title": unique("Forum lotois de la culture scientifique"),
        "kind": "forum",
        "organizer_ids": [organizer_id],
        "timings": [{"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T17:30:00+01:00"}],
        "attendance_mode": "offline",
        "location": {
            "name": "Espace Clément Marot",
            "city": "Cahors",
            "postcode": "46000",
            "commune_insee": "46042",
        },
        "themes": ["science_society"],
        "audiences": ["professionals"],
        "registration": {
            "mode": "internal",
            "capacity": 500,
            "waitlist": True,
            "requires_approval": approval,
            "confirm_email": False,  # anonymous registrants get their token in the answer
        },
    }


def resource_payload(owner_id: str) -> dict[str, Any]:
    return {"owner_id": owner_id, "kind": "exhibition", "title": unique("Exposition Lumière")}


def registration_payload() -> dict[str, Any]:
    return {"name": "Camille Durand", "email": f"camille.{uuid.uuid4().hex[:10]}@example.org"}


def import_csv() -> bytes:
    tag = uuid.uuid4().hex[:8]
    return (
        f"Nom;Type de structure;Cercle;Code INSEE;Identifiant\nMuséum {tag};Musée;1;31555;{tag}-1\n"
    ).encode()


# -- a local receiver for webhook deliveries ---------------------------------------------------


#: OpenAgenda's v2 answer for an agenda with nothing (more) to read.
OPENAGENDA_EMPTY_PAGE = b'{"total":0,"events":[],"after":null,"sort":"updatedAt.asc"}'


@contextlib.asynccontextmanager
async def outside_world() -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 standing for the outside: partners' webhook endpoints
    (any POST: 204) and OpenAgenda's API (``GET /v2/agendas/{uid}/events``: an empty page)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            if head.startswith(b"GET /v2/agendas/"):
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(OPENAGENDA_EMPTY_PAGE)}\r\n".encode()
                    + b"Connection: close\r\n\r\n"
                    + OPENAGENDA_EMPTY_PAGE
                )
            else:
                writer.write(
                    b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


# -- the world ------------------------------------------------------------------------------


def clean_environ() -> dict[str, str]:
    """This machine's environment without any ``MAILLAGE_*`` setting that could leak in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}


@dataclass
class Side:
    """The objects of one actor (A or B)."""

    actor: str
    event: str
    pending_event: str
    approval_event: str
    registration: str
    resource: str
    shadow: str


@dataclass
class PartnerSide:
    """The objects of one partner (P or Q)."""

    slug: str
    key: str
    endpoint: str
    delivery: str
    secret: str
    message: str


class Admin:
    """Setup calls, as the bootstrap admin; each must succeed."""

    def __init__(self, http: httpx.AsyncClient, api_url: str, admin_key: str) -> None:
        self.http = http
        self.api_url = api_url
        self.admin_key = admin_key
        self.member_keys: dict[str, str] = {}

    async def call(
        self, method: str, path: str, *, expect: int, key: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        response = await self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.text[:800]}"
        body: dict[str, Any] = response.json() if response.content else {}
        return body

    async def created_id(self, path: str, payload: dict[str, Any]) -> str:
        return str((await self.call("POST", path, expect=201, json=payload))["id"])

    async def open_survey(self, *, status: str = "open") -> str:
        """A new survey, published (and closed when ``status`` says so)."""
        survey_id = await self.created_id("/v1/surveys", survey_payload("Enquête acteurs"))
        await self.call("POST", f"/v1/surveys/{survey_id}/publish", expect=200)
        if status == "closed":
            await self.call("POST", f"/v1/surveys/{survey_id}/close", expect=200)
        return survey_id

    async def create_key(self, role: str, **bindings: Any) -> tuple[str, str]:
        payload = {"name": unique(f"access {role}"), "role": role, **bindings}
        body = await self.call("POST", "/v1/api-keys", expect=201, json=payload)
        return str(body["id"]), str(body["key"])

    async def member_key_for(self, actor_id: str) -> str:
        """A member key bound to ``actor_id`` (one per actor)."""
        if actor_id not in self.member_keys:
            _, self.member_keys[actor_id] = await self.create_key("member", actor_ids=[actor_id])
        return self.member_keys[actor_id]

    async def create_actor(self, *, status: str = "active") -> str:
        return await self.created_id(
            "/v1/actors", actor_payload("Science Animation", status=status)
        )

    async def create_event(
        self, organizer: str, *, key: str | None = None, approval: bool = False
    ) -> str:
        async with Api(self.api_url, key or self.admin_key) as api:
            created = await api.create_event(
                event_payload(organizer, approval=approval), within=PROPAGATION
            )
        return created.id

    async def register(self, event_id: str) -> str:
        return await self.created_id(f"/v1/events/{event_id}/registrations", registration_payload())

    async def create_resource(self, owner: str) -> str:
        return await self.created_id("/v1/resources", resource_payload(owner))

    async def dry_run_import(self) -> str:
        body = await self.call(
            "POST",
            "/v1/imports",
            expect=202,
            content=import_csv(),
            headers={"content-type": "text/csv"},
        )
        return str(body["id"])

    async def create_endpoint(self, partner_key: str, receiver: str) -> str:
        body = await self.call(
            "POST",
            "/v1/webhooks/endpoints",
            expect=201,
            key=partner_key,
            json={"url": receiver, "event_types": ["events.*"]},
        )
        return str(body["id"])

    async def put_partner_event(self, source: str, organizer: str) -> str:
        ext_id = uuid.uuid4().hex
        response = await self.http.put(
            f"/v1/events/ext/{source}/{ext_id}", json=event_payload(organizer)
        )
        assert response.status_code == 201, response.text[:800]
        return ext_id

    async def create_partner(self) -> str:
        """A partner in the gateway's registry."""
        return (await self.register_partner())[0]

    async def register_partner(self) -> tuple[str, str]:
        """A partner in the gateway's registry, and its inbox secret."""
        slug = f"p{uuid.uuid4().hex[:10]}"
        body = await self.call(
            "POST", "/v1/partners", expect=201, json={"slug": slug, "name": slug}
        )
        return slug, str(body["secret"])

    async def rejected_push(self, partner: PartnerSide) -> str:
        """A push of ``partner`` that the events service refused (no event fields)."""
        body, headers = signed_push(partner.secret)
        path = f"/v1/partners/{partner.slug}/inbox"
        message = str(
            (await self.call("POST", path, expect=202, content=body, headers=headers))["id"]
        )

        async def rejected() -> bool:
            page = await self.call("GET", f"{path}/messages", expect=200, params={"limit": 200})
            return any(str(m["id"]) == message and m["status"] == "rejected" for m in page["items"])

        await wait_until(rejected, within=PROPAGATION, what=f"push {message} rejected")
        return message

    async def ping(self, partner: PartnerSide) -> str:
        """A new delivery to the partner's endpoint (a signed ping, sent at once)."""
        path = f"/v1/webhooks/endpoints/{partner.endpoint}/test"
        return str((await self.call("POST", path, expect=200, key=partner.key))["id"])

    async def etag(self, path: str) -> str:
        response = await self.http.get(path)
        assert response.status_code == 200, f"GET {path}: {response.text[:500]}"
        return response.headers["etag"]


@dataclass
class World:
    admin: Admin
    receiver: str
    keys: dict[str, str | None]
    a: Side
    b: Side
    p: PartnerSide
    q: PartnerSide
    import_id: str
    call_id: str
    open_survey: str
    draft_survey: str
    key_id: str
    agenda_uid: str
    identity_secret: str


async def build_side(admin: Admin, actor: str) -> Side:
    event = await admin.create_event(actor)
    return Side(
        actor=actor,
        event=event,
        pending_event=await admin.create_event(actor, key=await admin.member_key_for(actor)),
        approval_event=await admin.create_event(actor, approval=True),
        registration=await admin.register(event),
        resource=await admin.create_resource(actor),
        shadow=await admin.create_actor(status="shadow"),
    )


async def build_partner(admin: Admin, receiver: str) -> PartnerSide:
    slug, secret = await admin.register_partner()
    _, key = await admin.create_key("partner", partner=slug)
    endpoint = await admin.create_endpoint(key, receiver)
    ping = await admin.call("POST", f"/v1/webhooks/endpoints/{endpoint}/test", expect=200, key=key)
    body, headers = signed_push(secret)
    push = await admin.call(
        "POST", f"/v1/partners/{slug}/inbox", expect=202, content=body, headers=headers
    )
    return PartnerSide(
        slug=slug,
        key=key,
        endpoint=endpoint,
        delivery=str(ping["id"]),
        secret=secret,
        message=str(push["id"]),
    )


def signed_push(secret: str) -> tuple[bytes, dict[str, str]]:
    """A partner's push of one of its events, signed as Standard Webhooks says."""
    now = datetime.now(UTC)
    body = json.dumps(
        {
            "type": "event.upserted",
            "timestamp": now.isoformat(),
            "data": {"id": uuid.uuid4().hex, "title": "Fête de la science à Figeac"},
        }
    )
    webhook_id = f"msg_{uuid.uuid4().hex}"
    signature = Webhook(secret).sign(webhook_id, now, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    environ = clean_environ() | {
        # Hundreds of calls in a row: rate limiting is tested by the gateway's own tests.
        "MAILLAGE_GATEWAY_RATE_LIMIT_KEY_PER_MINUTE": "0",
        "MAILLAGE_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "0",
        "MAILLAGE_GATEWAY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        # Claims then mail staff: the directory has messages to list.
        "MAILLAGE_STAFF_EMAIL": "equipe@maillage.example.org",
        # Watches are checked every second: EU watch has an alert to list within the test.
        "MAILLAGE_EU_WATCH_WATCH_CHECK_SECONDS": "1",
    }
    options = StackOptions(
        var_dir=tmp_path_factory.mktemp("access-var"),
        environ=environ,
        gateway_port=0,
        prefer_default_ports=False,
    )
    async with outside_world() as outside:
        environ["MAILLAGE_EVENTS_OPENAGENDA_BASE_URL"] = f"{outside}/v2"
        environ["MAILLAGE_EVENTS_OPENAGENDA_KEY"] = "oa-public-key"
        # The EU portal is the outside too (a staff sync gets a 204 and stops at once).
        environ["MAILLAGE_EU_WATCH_SEDIA_URL"] = f"{outside}/search-api/prod/rest/search"
        environ["MAILLAGE_EU_WATCH_SEDIA_SYNC"] = "false"
        async with Stack(options) as stack:
            headers = {"Authorization": f"Bearer {stack.admin_key}"}
            async with httpx.AsyncClient(
                base_url=stack.api_url, headers=headers, timeout=30
            ) as http:
                admin = Admin(http, stack.api_url, stack.admin_key)
                world = await build_world(admin, receiver=f"{outside}/hooks")
                world.identity_secret = stack.identity_secret
                yield world


async def build_world(admin: Admin, *, receiver: str) -> World:
    actor_a, actor_b = await admin.create_actor(), await admin.create_actor()
    member_a = await admin.member_key_for(actor_a)
    p, q = await build_partner(admin, receiver), await build_partner(admin, receiver)
    keys: dict[str, str | None] = {
        "admin": admin.admin_key,
        "animator": (await admin.create_key("animator"))[1],
        "member": member_a,
        "member@B": member_a,
        "partner": p.key,
        "partner@Q": p.key,
        "reader": (await admin.create_key("reader"))[1],
        "anonymous": None,
    }
    a, b = await build_side(admin, actor_a), await build_side(admin, actor_b)
    agenda_uid = str(uuid.uuid4().int % 10**9)
    await admin.call(
        "POST",
        "/v1/events/imports/openagenda",
        expect=200,
        json={"agenda_uid": agenda_uid, "organizer_id": actor_a},
    )
    return World(
        admin=admin,
        receiver=receiver,
        keys=keys,
        a=a,
        b=b,
        p=p,
        q=q,
        import_id=await admin.dry_run_import(),
        call_id=await admin.created_id(
            "/v1/calls",
            {"identifier": f"HORIZON-CL2-2027-{uuid.uuid4().hex[:8]}", "title": "Science"},
        ),
        open_survey=await admin.open_survey(),
        draft_survey=await admin.created_id("/v1/surveys", survey_payload("Enquête bibliothèques")),
        key_id=(await admin.create_key("reader"))[0],
        agenda_uid=agenda_uid,
        identity_secret="",
    )


# -- how each operation is called -------------------------------------------------------------


@dataclass
class Target:
    """Who calls, and on whose objects."""

    column: str
    side: Side
    partner: PartnerSide
    key: str | None
    variant: str = ""


@dataclass
class Prepared:
    """One request, ready to send (path parameters filled in)."""

    ids: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    key: str | None = None


def default_ids(world: World, target: Target, variant: str) -> dict[str, str]:
    """Each path parameter, filled with the target side's object of that kind."""
    side, partner = target.side, target.partner
    return {
        "actor_id": side.shadow if variant == "shadow" else side.actor,
        "event_id": side.pending_event if variant == "pending" else side.event,
        "registration_id": side.registration,
        "resource_id": side.resource,
        "import_id": world.import_id,
        "call_id": world.call_id,
        "survey_id": world.draft_survey if variant == "draft" else world.open_survey,
        "key_id": world.key_id,
        "endpoint_id": partner.endpoint,
        "delivery_id": partner.delivery,
        "source": partner.slug,
        "partner": partner.slug,
        "ext_id": uuid.uuid4().hex,
        "agenda_uid": world.agenda_uid,
        "message_id": partner.message,
    }


Recipe = Callable[[World, Target, Prepared], Awaitable[None]]
RECIPES: dict[tuple[str, str], Recipe] = {}


def recipe(method: str, path: str) -> Callable[[Recipe], Recipe]:
    def register(function: Recipe) -> Recipe:
        RECIPES[(method, path)] = function
        return function

    return register


async def own_fresh_actor(world: World, target: Target, prepared: Prepared, name: str) -> str:
    """A new actor for this call; the member column's key is bound to it (its own)."""
    actor = await world.admin.create_actor()
    prepared.ids[name] = actor
    if target.column == "member":
        prepared.key = await world.admin.member_key_for(actor)
    return actor


@recipe("POST", "/v1/actors")
async def _create_actor(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = actor_payload("Planète Sciences")


@recipe("PATCH", "/v1/actors/{actor_id}")
async def _update_actor(world: World, target: Target, prepared: Prepared) -> None:
    prepared.headers["If-Match"] = await world.admin.etag(f"/v1/actors/{prepared.ids['actor_id']}")
    prepared.json = {"description": unique("Ateliers et soirées d'observation")}


@recipe("DELETE", "/v1/actors/{actor_id}")
async def _delete_actor(world: World, target: Target, prepared: Prepared) -> None:
    await own_fresh_actor(world, target, prepared, "actor_id")


@recipe("POST", "/v1/actors/{actor_id}/merge")
async def _merge_actor(world: World, target: Target, prepared: Prepared) -> None:
    await own_fresh_actor(world, target, prepared, "actor_id")
    prepared.json = {"duplicate_id": await world.admin.create_actor()}


@recipe("POST", "/v1/actors/{actor_id}/claims")
async def _claim(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"message": "Nous sommes l'association, voici notre SIRET."}


@recipe("POST", "/v1/actors/{actor_id}/claims/{claim_id}/decision")
async def _decide_claim(world: World, target: Target, prepared: Prepared) -> None:
    claim = await world.admin.created_id(
        f"/v1/actors/{prepared.ids['actor_id']}/claims", {"message": "C'est nous."}
    )
    prepared.ids["claim_id"] = claim
    prepared.json = {"decision": "refused", "reason": "Pas de justificatif."}


async def a_mail_id(world: World, service: str) -> str:
    """A message of ``service``: a claim mails staff (directory), a registration its
    registrant (events, made by the world), an invitation its person (surveys), a watch's
    alert of a new call its address (EU watch)."""
    if service == "directory":
        shadow = await world.admin.create_actor(status="shadow")
        await world.admin.created_id(f"/v1/actors/{shadow}/claims", {"message": "C'est nous."})
    elif service == "surveys":
        await new_invitation(world)
    elif service == "eu-watch":
        funder = unique("Fondation")
        watch = {"name": unique("Veille"), "funder": funder, "channels": ["email"]}
        await world.admin.created_id("/v1/watches", watch | {"email": "veille@example.org"})
        call = {"identifier": f"FUNDER-{uuid.uuid4().hex[:8]}", "title": "Appel", "funder": funder}
        await world.admin.created_id("/v1/calls", call | {"deadlines": ["2099-04-01"]})

    async def listed() -> str | None:
        page = await world.admin.http.get(f"/v1/mail/{service}")
        items = page.json()["items"]
        return str(items[0]["id"]) if items else None

    return await wait_until(listed, what=f"a message of {service}")


def _mail_recipe(service: str) -> Recipe:
    async def fill(world: World, target: Target, prepared: Prepared) -> None:
        prepared.ids["mail_id"] = await a_mail_id(world, service)

    return fill


for _service in ("events", "directory", "surveys", "eu-watch"):
    for _method, _path in (("GET", "/{mail_id}"), ("POST", "/{mail_id}/resend")):
        recipe(_method, f"/v1/mail/{_service}{_path}")(_mail_recipe(_service))


@recipe("POST", "/v1/resources")
async def _create_resource(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = resource_payload(target.side.actor)


@recipe("PATCH", "/v1/resources/{resource_id}")
async def _update_resource(world: World, target: Target, prepared: Prepared) -> None:
    path = f"/v1/resources/{prepared.ids['resource_id']}"
    prepared.headers["If-Match"] = await world.admin.etag(path)
    prepared.json = {"description": unique("Prêt gratuit aux médiathèques")}


@recipe("DELETE", "/v1/resources/{resource_id}")
async def _delete_resource(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["resource_id"] = await world.admin.create_resource(target.side.actor)


@recipe("POST", "/v1/imports")
async def _import(world: World, target: Target, prepared: Prepared) -> None:
    prepared.content = import_csv()
    prepared.headers["content-type"] = "text/csv"


@recipe("POST", "/v1/imports/{import_id}/run")
async def _run_import(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["import_id"] = await world.admin.dry_run_import()


@recipe("POST", "/v1/events")
async def _create_event(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = event_payload(target.side.actor)


@recipe("PATCH", "/v1/events/{event_id}")
async def _update_event(world: World, target: Target, prepared: Prepared) -> None:
    prepared.headers["If-Match"] = await world.admin.etag(f"/v1/events/{prepared.ids['event_id']}")
    prepared.json = {"summary": unique("Rencontre des acteurs du Lot")}


@recipe("PUT", "/v1/events/ext/{source}/{ext_id}")
async def _put_partner_event(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = event_payload(world.a.actor)


@recipe("DELETE", "/v1/events/ext/{source}/{ext_id}")
async def _cancel_partner_event(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["ext_id"] = await world.admin.put_partner_event(
        prepared.ids["source"], world.a.actor
    )


@recipe("POST", "/v1/events/{event_id}/registrations")
async def _register(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = registration_payload()


@recipe("POST", "/v1/registrations/{registration_id}/cancel")
async def _cancel_registration(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["registration_id"] = await world.admin.register(target.side.event)


@recipe("POST", "/v1/registrations/{registration_id}/approve")
async def _approve(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["registration_id"] = await world.admin.register(target.side.approval_event)


@recipe("POST", "/v1/registrations/{registration_id}/refuse")
async def _refuse(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["registration_id"] = await world.admin.register(target.side.approval_event)


@recipe("POST", "/v1/registrations/{registration_id}/attendance")
async def _attendance(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"attended": True}


def survey_payload(title: str) -> dict[str, Any]:
    return {
        "title": {"fr": unique(title)},
        "sections": [
            {
                "title": {"fr": "Votre structure"},
                "questions": [{"code": "member", "type": "yes_no", "label": {"fr": "Adhérent ?"}}],
            }
        ],
    }


@recipe("POST", "/v1/surveys")
async def _create_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = survey_payload("Enquête centres de loisirs")


@recipe("POST", "/v1/surveys/import")
async def _import_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = survey_payload("Enquête bibliothèques (import)")


@recipe("PATCH", "/v1/surveys/{survey_id}")
async def _change_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"remind_after_days": 7}


@recipe("DELETE", "/v1/surveys/{survey_id}")
async def _delete_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["survey_id"] = await world.admin.created_id(
        "/v1/surveys", survey_payload("Brouillon")
    )


@recipe("POST", "/v1/surveys/{survey_id}/publish")
async def _publish_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["survey_id"] = await world.admin.created_id(
        "/v1/surveys", survey_payload("À publier")
    )


@recipe("POST", "/v1/surveys/{survey_id}/close")
async def _close_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["survey_id"] = await world.admin.open_survey()


@recipe("POST", "/v1/surveys/{survey_id}/archive")
async def _archive_survey(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["survey_id"] = await world.admin.open_survey(status="closed")


@recipe("POST", "/v1/surveys/{survey_id}/versions")
async def _new_version(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"sections": survey_payload("v2")["sections"]}


@recipe("GET", "/v1/surveys/{survey_id}/versions/{number}")
async def _read_version(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["number"] = "1"


@recipe("GET", "/v1/surveys/{survey_id}/crosstab")
async def _crosstab(world: World, target: Target, prepared: Prepared) -> None:
    prepared.params.update({"question": "member", "by": "circle"})


@recipe("POST", "/v1/surveys/{survey_id}/results/publish")
async def _publish_results(world: World, target: Target, prepared: Prepared) -> None:
    # A survey of its own: publishing the shared one would change what the others may read.
    prepared.ids["survey_id"] = await world.admin.open_survey()
    prepared.json = {"k": 5}


@recipe("DELETE", "/v1/surveys/{survey_id}/results/publish")
async def _unpublish_results(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["survey_id"] = await world.admin.open_survey()


async def series_survey(world: World) -> str:
    """A published survey in a series of its own (indicators follow a series)."""
    series = unique("acces-serie").replace(" ", "-").lower()
    payload = {**survey_payload("Enquête série"), "series": series}
    survey_id = await world.admin.created_id("/v1/surveys", payload)
    await world.admin.call("POST", f"/v1/surveys/{survey_id}/publish", expect=200)
    return series


def indicator_payload(series: str) -> dict[str, Any]:
    return {
        "name": {"fr": unique("Part des adhérents")},
        "series": series,
        "question": "member",
        "measure": "share",
        "answers": ["yes"],
        "unit": "%",
        "public": True,
    }


@recipe("POST", "/v1/indicators")
async def _create_indicator(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = indicator_payload(await series_survey(world))


async def _an_indicator(world: World, target: Target, prepared: Prepared) -> None:
    payload = indicator_payload(await series_survey(world))
    prepared.ids["indicator_id"] = await world.admin.created_id("/v1/indicators", payload)


for _method, _path in (
    ("GET", "/v1/indicators/{indicator_id}"),
    ("GET", "/v1/indicators/{indicator_id}.csv"),
    ("GET", "/v1/indicators/{indicator_id}/panel"),
    ("DELETE", "/v1/indicators/{indicator_id}"),
):
    recipe(_method, _path)(_an_indicator)


@recipe("PATCH", "/v1/indicators/{indicator_id}")
async def _change_indicator(world: World, target: Target, prepared: Prepared) -> None:
    await _an_indicator(world, target, prepared)
    prepared.json = {"unit": "pourcentage"}


@recipe("POST", "/v1/surveys/{survey_id}/invitations")
async def _invite(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"audience": {"circle": [1]}}


@recipe("GET", "/v1/territories/communes")
async def _find_communes(world: World, target: Target, prepared: Prepared) -> None:
    prepared.params["q"] = "toulouse"


@recipe("GET", "/v1/territories/communes/{code}")
async def _read_commune(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["code"] = "31555"


@recipe("GET", "/v1/invitations")
async def _list_invitations(world: World, target: Target, prepared: Prepared) -> None:
    prepared.params["actor_id"] = target.side.actor


async def new_invitation(world: World) -> dict[str, Any]:
    """A new invitation to the open survey, of a person by address."""
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    survey = f"/v1/surveys/{world.open_survey}/invitations"
    await world.admin.call(
        "POST", survey, expect=200, json={"people": [{"email": email}], "dry_run": False}
    )
    listed = await world.admin.call("GET", survey, expect=200, params={"limit": 200})
    return next(i for i in listed["items"] if i["email"] == email)


@recipe("GET", "/v1/invitations/{invitation_id}")
async def _read_invitation(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["invitation_id"] = (await new_invitation(world))["id"]


@recipe("GET", "/v1/responses/{token}")
async def _read_response(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["token"] = (await new_invitation(world))["url"].rsplit("/", 1)[1]


@recipe("PUT", "/v1/responses/{token}")
async def _save_response(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["token"] = (await new_invitation(world))["url"].rsplit("/", 1)[1]
    prepared.json = {"answers": {"member": True}}


@recipe("POST", "/v1/responses/{token}/submit")
async def _submit_response(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["token"] = (await new_invitation(world))["url"].rsplit("/", 1)[1]
    prepared.json = {"answers": {"member": True}}


@recipe("POST", "/v1/calls")
async def _create_call(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {
        "identifier": f"HORIZON-MSCA-2027-{uuid.uuid4().hex[:8]}",
        "title": "Nuit des chercheurs",
    }


@recipe("DELETE", "/v1/calls/{call_id}")
async def _delete_call(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["call_id"] = await world.admin.created_id(
        "/v1/calls", {"identifier": f"REGION-{uuid.uuid4().hex[:8]}", "title": "Appel CSTI"}
    )


@recipe("POST", "/v1/calls/sources/sedia/import")
async def _import_portal_answer(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"results": []}


@recipe("PUT", "/v1/calls/themes/{theme}")
async def _theme_mapping(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["theme"] = "critical_thinking"
    prepared.json = {
        "keywords": ["disinformation", "media literacy", "critical thinking"],
        "priorities": [],
        "programme_parts": [],
    }


@recipe("GET", "/v1/calls/{call_id}/partners")
async def _partners(world: World, target: Target, prepared: Prepared) -> None:
    """The caller's side's actor leads; actor A is made a member once (the EU watch suggests
    consortia around members only) and the recipe waits until the EU watch has heard of it."""
    prepared.params["lead"] = target.side.actor
    if world.a.actor in MEMBERS_MADE:
        return
    path = f"/v1/actors/{world.a.actor}"
    await world.admin.call(
        "PATCH",
        path,
        expect=200,
        json={"membership": {"member": True, "since": "2020-01-01"}},
        headers={"If-Match": await world.admin.etag(path)},
    )
    partners = f"/v1/calls/{world.call_id}/partners"
    deadline = asyncio.get_running_loop().time() + PROPAGATION
    while (await world.admin.http.get(partners, params={"lead": world.a.actor})).status_code != 200:
        assert asyncio.get_running_loop().time() < deadline, "actor A never reached the EU watch"
        await asyncio.sleep(0.1)
    MEMBERS_MADE.add(world.a.actor)


MEMBERS_MADE: set[str] = set()


def watch_payload(actor_id: str) -> dict[str, Any]:
    return {"name": unique("Appels océan"), "actor_id": actor_id, "channels": ["webhook"]}


@recipe("POST", "/v1/watches")
async def _create_watch(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = watch_payload(target.side.actor)


@recipe("GET", "/v1/watches")
async def _list_watches(world: World, target: Target, prepared: Prepared) -> None:
    prepared.params["actor_id"] = target.side.actor


async def _a_watch(world: World, target: Target, prepared: Prepared) -> None:
    """A watch of the target side's actor, made by staff."""
    prepared.ids["watch_id"] = await world.admin.created_id(
        "/v1/watches", watch_payload(target.side.actor)
    )


for _method in ("GET", "DELETE"):
    recipe(_method, "/v1/watches/{watch_id}")(_a_watch)


@recipe("GET", "/v1/calls/followed")
async def _list_follows(world: World, target: Target, prepared: Prepared) -> None:
    prepared.params["actor_id"] = target.side.actor


@recipe("POST", "/v1/calls/{call_id}/follow")
async def _follow_call(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"actor_id": target.side.actor}


@recipe("DELETE", "/v1/calls/{call_id}/follow")
async def _unfollow_call(world: World, target: Target, prepared: Prepared) -> None:
    """The side's actor follows the call (again: 200, as the first time: 201)."""
    followed = await world.admin.http.post(
        f"/v1/calls/{world.call_id}/follow", json={"actor_id": target.side.actor}
    )
    assert followed.status_code in (200, 201), followed.text
    prepared.params["actor_id"] = target.side.actor


@recipe("PATCH", "/v1/watches/{watch_id}")
async def _update_watch(world: World, target: Target, prepared: Prepared) -> None:
    await _a_watch(world, target, prepared)
    prepared.json = {"name": unique("Appels mer")}


@recipe("POST", "/v1/api-keys")
async def _create_key(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"name": unique("Échosciences"), "role": "reader"}


@recipe("DELETE", "/v1/api-keys/{key_id}")
async def _revoke_key(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["key_id"] = (await world.admin.create_key("reader"))[0]


@recipe("POST", "/v1/webhooks/endpoints")
async def _create_endpoint(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"url": world.receiver, "event_types": ["directory.actor.*"]}


@recipe("PATCH", "/v1/webhooks/endpoints/{endpoint_id}")
async def _update_endpoint(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"description": unique("Synchronisation de l'agenda")}


@recipe("DELETE", "/v1/webhooks/endpoints/{endpoint_id}")
async def _delete_endpoint(world: World, target: Target, prepared: Prepared) -> None:
    partner = target.partner
    prepared.ids["endpoint_id"] = await world.admin.create_endpoint(partner.key, world.receiver)


@recipe("POST", "/v1/webhooks/endpoints/{endpoint_id}/recover")
async def _recover(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"since": "2026-01-01T00:00:00Z"}


@recipe("POST", "/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/resend")
async def _resend(world: World, target: Target, prepared: Prepared) -> None:
    # A delivery waiting for its resend cannot be resent again: one per call.
    prepared.ids["delivery_id"] = await world.admin.ping(target.partner)


@recipe("POST", "/v1/events/imports/openagenda")
async def _import_openagenda(world: World, target: Target, prepared: Prepared) -> None:
    prepared.json = {"agenda_uid": world.agenda_uid}


@recipe("DELETE", "/v1/events/{event_id}")
async def _delete_event(world: World, target: Target, prepared: Prepared) -> None:
    submitter = None
    if target.variant == "pending":  # submitted by a member of its organizer
        submitter = await world.admin.member_key_for(target.side.actor)
    prepared.ids["event_id"] = await world.admin.create_event(target.side.actor, key=submitter)


@recipe("POST", "/v1/partners")
async def _create_partner(world: World, target: Target, prepared: Prepared) -> None:
    slug = f"p{uuid.uuid4().hex[:10]}"
    prepared.json = {"slug": slug, "name": "Échosciences Occitanie"}


@recipe("POST", "/v1/partners/{partner}/disable")
async def _disable_partner(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["partner"] = await world.admin.create_partner()


@recipe("POST", "/v1/partners/{partner}/enable")
async def _enable_partner(world: World, target: Target, prepared: Prepared) -> None:
    slug = await world.admin.create_partner()
    await world.admin.call("POST", f"/v1/partners/{slug}/disable", expect=200)
    prepared.ids["partner"] = slug


@recipe("POST", "/v1/partners/{partner}/inbox")
async def _push(world: World, target: Target, prepared: Prepared) -> None:
    if target.variant == "signed":
        prepared.content, signed = signed_push(target.partner.secret)
        prepared.headers.update(signed)
        return
    prepared.json = {
        "type": "event.upserted",
        "timestamp": "2026-12-01T10:00:00Z",
        "data": {"id": uuid.uuid4().hex},
    }


@recipe("POST", "/v1/partners/{partner}/inbox/messages/{message_id}/retry")
async def _retry_push(world: World, target: Target, prepared: Prepared) -> None:
    prepared.ids["message_id"] = await world.admin.rejected_push(target.partner)


@recipe("POST", "/v1/partners/{partner}/secret/rotate")
async def _rotate_partner_secret(world: World, target: Target, prepared: Prepared) -> None:
    # A rotation ends the previous secret's grace: the world's partners keep theirs.
    slug = await world.admin.create_partner()
    prepared.ids["partner"] = slug
    if target.column == "partner":
        prepared.key = (await world.admin.create_key("partner", partner=slug))[1]


# -- the walk ----------------------------------------------------------------------------------


def target_of(world: World, column: str, variant: str = "") -> Target:
    side = world.b if column == "member@B" else world.a
    partner = world.q if column == "partner@Q" else world.p
    return Target(column, side, partner, world.keys[column], variant)


def outcome_of(response: httpx.Response) -> str:
    if 200 <= response.status_code < 400:
        return "ok"
    return str(response.status_code)


async def call_as(world: World, rule: Any, column: str) -> httpx.Response:
    target = target_of(world, column, rule.variant)
    prepared = Prepared(ids=default_ids(world, target, rule.variant), key=target.key)
    build = RECIPES.get((rule.method, rule.path))
    if build is not None:
        await build(world, target, prepared)
    path = rule.path.format(**prepared.ids)
    headers = dict(prepared.headers)
    if prepared.key:
        headers["Authorization"] = f"Bearer {prepared.key}"
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as http:
        return await http.request(
            rule.method,
            path,
            headers=headers,
            params=prepared.params,
            json=prepared.json,
            content=prepared.content,
            follow_redirects=False,
        )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.label)
async def test_each_caller_gets_the_outcome_the_table_gives(world: World, rule: Any) -> None:
    mismatches: list[str] = []
    for column in COLUMNS:
        expected = rule.outcomes[column]
        response = await call_as(world, rule, column)
        got = outcome_of(response)
        if got != expected:
            hint = ""
            if response.status_code in (409, 412, 422, 428):
                hint = " (the call itself may be wrong: see its @recipe in test_route_roles.py)"
            mismatches.append(
                f"{column}: expected {expected}, got {response.status_code}{hint}"
                f" {response.text[:300]}"
            )
        elif got != "ok":
            media_type = response.headers.get("content-type", "")
            if not media_type.startswith("application/problem+json"):
                mismatches.append(f"{column}: {got} is not a problem+json ({media_type})")
    assert not mismatches, f"{rule.label}:\n" + "\n".join(mismatches)


async def test_every_operation_of_the_api_is_in_the_table(world: World) -> None:
    response = await world.admin.http.get("/openapi.json")
    assert response.status_code == 200
    operations = {
        (method.upper(), path)
        for path, item in response.json()["paths"].items()
        for method in item
        if method in METHODS
    }
    classified = {(rule.method, rule.path) for rule in RULES}
    missing = sorted(operations - classified)
    stale = sorted(classified - operations)
    assert not missing, "routes without access rules in tests/access/route_roles.py: " + ", ".join(
        f"{m} {p}" for m, p in missing
    )
    assert not stale, "rules for routes that no longer exist: " + ", ".join(
        f"{m} {p}" for m, p in stale
    )


def test_the_table_names_every_caller_on_every_row() -> None:
    assert {tuple(rule.outcomes) for rule in RULES} == {COLUMNS}
    assert all(
        rule.method in {m.upper() for m in METHODS} and rule.path.startswith("/") for rule in RULES
    )


# -- beyond the status code: what a caller may see and set (object properties) ---------------


async def as_caller(world: World, column: str) -> httpx.AsyncClient:
    key = world.keys[column]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(base_url=world.admin.api_url, headers=headers, timeout=30)


#: What ActorRead has and ActorPublic has not: for staff and the actor's own members only.
PRIVATE_ACTOR_FIELDS = frozenset({"membership", "charter_signed_at", "circle_set_by"})


async def test_a_member_sees_private_fields_of_its_own_actor_only(world: World) -> None:
    async with await as_caller(world, "member") as member:
        own = (await member.get(f"/v1/actors/{world.a.actor}")).json()
        other = (await member.get(f"/v1/actors/{world.b.actor}")).json()
        listed = (await member.get("/v1/actors", params={"limit": 200})).json()["items"]
    assert set(own) >= PRIVATE_ACTOR_FIELDS
    assert not PRIVATE_ACTOR_FIELDS & set(other)
    for item in listed:
        if item["id"] != world.a.actor:
            assert not PRIVATE_ACTOR_FIELDS & set(item), item["id"]


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "archived"},
        {"circle": 1},
        {"membership": {"member": True, "since": "2020-01-01"}},
        {"charter_signed_at": "2024-05-01"},
        {"ext_ids": {"echosciences": "42"}},
    ],
    ids=lambda changes: next(iter(changes)),
)
async def test_a_member_cannot_set_staff_only_fields_of_its_own_actor(
    world: World, changes: dict[str, Any]
) -> None:
    path = f"/v1/actors/{world.a.actor}"
    before = (await world.admin.http.get(path)).json()
    async with await as_caller(world, "member") as member:
        response = await member.patch(
            path, json=changes, headers={"If-Match": await world.admin.etag(path)}
        )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await world.admin.http.get(path)).json() == before


@pytest.mark.parametrize(
    "changes",
    [{"state": "published"}, {"state": "refused"}, "organizer B"],
    ids=["publish", "refuse", "add-organizer-B"],
)
async def test_a_member_cannot_moderate_or_hand_its_event_to_another_actor(
    world: World, changes: dict[str, Any] | str
) -> None:
    event = await world.admin.create_event(
        world.a.actor, key=await world.admin.member_key_for(world.a.actor)
    )
    path = f"/v1/events/{event}"
    if changes == "organizer B":
        changes = {"organizer_ids": [world.a.actor, world.b.actor]}
    before = (await world.admin.http.get(path)).json()
    async with await as_caller(world, "member") as member:
        response = await member.patch(
            path, json=changes, headers={"If-Match": await world.admin.etag(path)}
        )
    assert response.status_code == 403, response.text
    assert (await world.admin.http.get(path)).json() == before


async def test_a_member_submits_events_for_moderation_never_published(world: World) -> None:
    """A member's event waits for an animator, and names as organizers only the member's own
    actors: on create as on update (issue 15: naming B let B's members take the event over)."""
    async with await as_caller(world, "member") as member:
        published = event_payload(world.a.actor) | {"state": "published"}
        refused = await member.post("/v1/events", json=published)
        assert refused.status_code == 403, refused.text
        found = await world.admin.http.get("/v1/events", params={"q": published["title"]})
        assert found.json()["items"] == []

        with_b = event_payload(world.a.actor) | {"organizer_ids": [world.a.actor, world.b.actor]}
        naming_b = await member.post("/v1/events", json=with_b)
        assert naming_b.status_code == 403, naming_b.text
        submitted = await member.post("/v1/events", json=event_payload(world.a.actor))
        assert submitted.status_code == 201, submitted.text
        assert submitted.json()["state"] == "pending"
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as anonymous:
        hidden = await anonymous.get(f"/v1/events/{submitted.json()['id']}")
        assert hidden.status_code == 404


@pytest.mark.parametrize("column", ["member@B", "partner", "reader", "anonymous"])
async def test_unpublished_events_stay_out_of_lists_and_feeds(world: World, column: str) -> None:
    hidden = {world.a.pending_event, world.b.pending_event}
    async with await as_caller(world, column) as caller:
        for query in ({}, {"state": "pending"}, {"organizer_id": world.a.actor}):
            page = await caller.get("/v1/events", params=query | {"limit": 200})
            assert page.status_code == 200, page.text
            assert not hidden & {item["id"] for item in page.json()["items"]}, query
            for feed in ("/v1/events.ics", "/v1/events.rss", "/v1/events.atom"):
                text = (await caller.get(feed, params=query)).text
                assert not any(event_id in text for event_id in hidden), (feed, query)


@pytest.mark.parametrize("column", ["member", "partner", "reader", "anonymous"])
async def test_membership_and_contacts_are_not_searchable_or_exported_but_by_staff(
    world: World, column: str
) -> None:
    async with await as_caller(world, column) as caller:
        by_member = await caller.get("/v1/actors", params={"member": "true"})
        facet = await caller.get("/v1/actors", params={"facets": "member"})
        vcards = await caller.get("/v1/actors/export", params={"format": "vcf"})
    for response in (by_member, facet, vcards):
        assert response.status_code in (401, 403), response.text
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_caller_cannot_bring_its_own_signed_identity_through_the_gateway(
    world: World,
) -> None:
    """Even signed with the real secret, an identity header sent by a caller never reaches a
    service: the gateway replaces it with the one of the caller's key (or anonymous)."""
    forged = IdentitySigner(world.identity_secret).sign(
        Identity(subject="intruder", role=Role.ADMIN)
    )
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as anonymous:
        response = await anonymous.post(
            "/v1/actors",
            json=actor_payload("Intrus"),
            headers={IDENTITY_HEADER: forged},
        )
        assert response.status_code == 401, response.text
        keys = await anonymous.get("/v1/api-keys", headers={IDENTITY_HEADER: forged})
        assert keys.status_code == 401, keys.text
    async with await as_caller(world, "reader") as reader:
        response = await reader.post(
            "/v1/actors", json=actor_payload("Intrus"), headers={IDENTITY_HEADER: forged}
        )
        assert response.status_code == 403, response.text


ROLE_OF_COLUMN = {column: column.split("@")[0] for column in COLUMNS}


async def test_the_roles_the_api_documents_include_every_caller_the_table_lets_in(
    world: World,
) -> None:
    """The merged OpenAPI's ``x-roles`` (derived from each route's identity dependency) may
    list more roles than succeed (the service then checks the record), never fewer."""
    document = (await world.admin.http.get("/openapi.json")).json()
    understated = []
    for rule in RULES:
        operation = document["paths"][rule.path][rule.method.lower()]
        if "x-roles" not in operation or {"bearer": []} not in operation.get("security", []):
            continue  # not behind an API key (health, or a partner's signed inbox)
        allowed = {ROLE_OF_COLUMN[c] for c, outcome in rule.outcomes.items() if outcome == "ok"}
        if not allowed <= set(operation["x-roles"]):
            understated.append(f"{rule.label}: {sorted(allowed - set(operation['x-roles']))}")
    assert not understated, understated


async def test_a_partner_cannot_publish_its_events_past_moderation(world: World) -> None:
    """An untrusted partner's pushed event waits for an animator; asking for a state is
    refused, with nothing written."""
    path = f"/v1/events/ext/{world.p.slug}/{uuid.uuid4().hex}"
    payload = event_payload(world.a.actor)
    async with await as_caller(world, "partner") as partner:
        refused = await partner.put(path, json=payload | {"state": "published"})
        assert refused.status_code in (403, 422), refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        found = await world.admin.http.get("/v1/events", params={"q": payload["title"]})
        assert found.json()["items"] == []

        pushed = await partner.put(path, json=payload)
        assert pushed.status_code == 201, pushed.text
        assert pushed.json()["state"] == "pending"
        found = await world.admin.http.get("/v1/events", params={"q": payload["title"]})
        assert [e["id"] for e in found.json()["items"]] == [pushed.json()["id"]]
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as anonymous:
        hidden = await anonymous.get(f"/v1/events/{pushed.json()['id']}")
        assert hidden.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-key", "Bearer", "Basic YWRtaW46YWRtaW4=", "Bearer mlg_live_" + "A" * 40],
    ids=["unknown", "empty", "basic", "well-formed-unknown"],
)
async def test_a_bad_key_is_refused_even_where_no_key_is_needed(
    world: World, authorization: str
) -> None:
    """A caller who sends a key that is not valid is told so (401), never served as
    anonymous: a client with a broken key learns it at once."""
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as http:
        for path in ("/v1/actors", "/v1/api-keys", "/v1/webhooks/endpoints"):
            response = await http.get(path, headers={"Authorization": authorization})
            assert response.status_code == 401, (path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_revoked_key_is_refused_at_once(world: World) -> None:
    key_id, key = await world.admin.create_key("member", actor_ids=[world.a.actor])
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as http:
        assert (await http.get(f"/v1/actors/{world.a.actor}/history", headers=headers)).is_success
        await world.admin.call("DELETE", f"/v1/api-keys/{key_id}", expect=204)
        for path in (f"/v1/actors/{world.a.actor}/history", "/v1/actors"):
            response = await http.get(path, headers=headers)
            assert response.status_code == 401, (path, response.text)


async def test_an_expired_key_is_refused_even_if_it_was_just_used(world: World) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=3)
    _, key = await world.admin.create_key(
        "member", actor_ids=[world.a.actor], expires_at=expires.isoformat()
    )
    headers = {"Authorization": f"Bearer {key}"}
    path = f"/v1/actors/{world.a.actor}/history"
    async with httpx.AsyncClient(base_url=world.admin.api_url, timeout=30) as http:
        assert (await http.get(path, headers=headers)).is_success  # verified, maybe cached
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.5)
        response = await http.get(path, headers=headers)
        assert response.status_code == 401, response.text
