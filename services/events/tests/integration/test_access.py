"""Who may call which route on whose event: one table per route that takes an id.

Every route is called by every kind of caller on a published and on a pending event (a fresh
event with a registration pending approval and a confirmed one, made again after each
successful write), and the statuses are compared with the table as a whole, so a failure
shows every cell that differs. Rules: anyone reads published events; an unpublished event is 404
to all but staff and its organizers' members; organizers' members and staff edit, delete
and manage registrations (others: 403 on a published event); only staff moderate; the
registrant reads and cancels a registration with its personal token.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kit.identity import IdentitySigner
from kit.testing.plugin import asgi_client, identity_headers
from kit.testing.polling import wait_until

STATES = ("published", "pending")
PARTNER = "echosciences"
CALLERS = (
    "admin",
    "animator",
    "organizer",  # a member of one of the event's organizers
    "stranger",  # a member of another actor
    "partner",
    "reader",
    "anonymous",
    "registrant",  # anonymous, with the registration's personal token
)
_counter = itertools.count()


@dataclass
class Scene:
    """A fresh event with two registrations: one pending approval, one confirmed."""

    state: str
    admin: httpx.AsyncClient
    organizer_id: str
    event_id: str
    pending_id: str
    pending_token: str
    confirmed_id: str
    confirmed_token: str


Call = Callable[[httpx.AsyncClient, Scene, str], Awaitable[httpx.Response]]


async def get_event(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}")


async def get_event_jsonld(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.get(
        f"/v1/events/{scene.event_id}", headers={"Accept": "application/ld+json"}
    )


async def get_event_ics(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}.ics")


async def edit_event(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.patch(
        f"/v1/events/{scene.event_id}", json={"summary": f"Nouveau résumé par {caller}"}
    )


async def moderate_event(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    """Publish a pending event, refuse a published one."""
    target = "published" if scene.state == "pending" else "refused"
    return await client.patch(f"/v1/events/{scene.event_id}", json={"state": target})


async def delete_event(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.delete(f"/v1/events/{scene.event_id}")


async def read_history(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}/history")


async def register(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    n = next(_counter)
    return await client.post(
        f"/v1/events/{scene.event_id}/registrations",
        json={"name": f"Inès Aït-Ali {n}", "email": f"ines.{n}.{caller}@exemple.fr"},
    )


async def list_registrations(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}/registrations")


async def export_registrations(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}/registrations.csv")


async def read_attendance_sheet(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    return await client.get(f"/v1/events/{scene.event_id}/attendance")


async def read_registration(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    params = {"token": scene.confirmed_token} if caller == "registrant" else {}
    return await client.get(f"/v1/registrations/{scene.confirmed_id}", params=params)


async def cancel_registration(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    params = {"token": scene.confirmed_token} if caller == "registrant" else {}
    return await client.post(f"/v1/registrations/{scene.confirmed_id}/cancel", params=params)


async def approve_registration(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    params = {"token": scene.pending_token} if caller == "registrant" else {}
    return await client.post(f"/v1/registrations/{scene.pending_id}/approve", params=params)


async def refuse_registration(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    params = {"token": scene.pending_token} if caller == "registrant" else {}
    return await client.post(f"/v1/registrations/{scene.pending_id}/refuse", params=params)


async def record_attendance(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    params = {"token": scene.confirmed_token} if caller == "registrant" else {}
    return await client.post(
        f"/v1/registrations/{scene.confirmed_id}/attendance",
        params=params,
        json={"attended": True, "session": 0},
    )


def _partner_event(scene: Scene, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "Nuit des chercheurs (Echosciences)",
        "kind": "festival",
        "organizer_ids": [scene.organizer_id],
        "timings": [{"start": "2031-09-26T18:00:00+02:00", "end": "2031-09-26T23:00:00+02:00"}],
        "attendance_mode": "online",
        "online_url": "https://echosciences.exemple.fr/nuit",
        **overrides,
    }


async def put_partner_event(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    """A partner's push by its own id (a new event each time)."""
    return await client.put(
        f"/v1/events/ext/{PARTNER}/{scene.event_id}-{caller}", json=_partner_event(scene)
    )


async def cancel_partner_event(
    client: httpx.AsyncClient, scene: Scene, caller: str
) -> httpx.Response:
    """Cancel a partner's event by its id (made by staff first, in the scene's state)."""
    url = f"/v1/events/ext/{PARTNER}/{scene.event_id}-{caller}"
    made = await scene.admin.put(url, json=_partner_event(scene, state=scene.state))
    assert made.status_code == 201, made.text
    return await client.delete(url)


async def read_import_state(client: httpx.AsyncClient, scene: Scene, caller: str) -> httpx.Response:
    """An OpenAgenda agenda's import state (this one was never imported: 404 to staff)."""
    return await client.get(f"/v1/events/imports/openagenda/{scene.event_id}")


def _table(published: dict[str, int], pending: dict[str, int]) -> dict[tuple[str, str], int]:
    table = {("published", c): published[c] for c in CALLERS}
    table |= {("pending", c): pending[c] for c in CALLERS}
    return table


def _row(
    staff: int, organizer: int, outsider: int, anonymous: int, registrant: int
) -> dict[str, int]:
    return {
        "admin": staff,
        "animator": staff,
        "organizer": organizer,
        "stranger": outsider,
        "partner": outsider,
        "reader": outsider,
        "anonymous": anonymous,
        "registrant": registrant,
    }


def _partner_row(allowed: int) -> dict[str, int]:
    return {**_row(allowed, 403, 403, 401, 401), "partner": allowed}


def _staff_only_row(allowed: int) -> dict[str, int]:
    return _row(allowed, 403, 403, 401, 401)


def _member_keys_only(row: dict[str, int]) -> dict[str, int]:
    """Reader and partner keys can never succeed on these routes: the route refuses their
    role (403) before it reads the record, so they cannot tell a pending event exists."""
    return {**row, "partner": 403, "reader": 403}


#: Reading an event: everyone when published; staff and its organizers' members otherwise.
READ = _table(_row(200, 200, 200, 200, 200), _row(200, 200, 404, 404, 404))
#: Writing as an organizer: 403 to outsiders of a published event, 404 of a pending one
#: (to other members; reader and partner keys are refused by role).
ORGANIZERS = _table(_row(200, 200, 403, 401, 401), _member_keys_only(_row(200, 200, 404, 401, 401)))
#: The registrant (by token) and the organizers; a wrong or missing token is a 404.
REGISTRANT = _table(_row(200, 200, 404, 404, 200), _row(200, 200, 404, 404, 200))

READ_ONLY = {
    get_event,
    get_event_jsonld,
    get_event_ics,
    read_history,
    list_registrations,
    export_registrations,
    read_attendance_sheet,
    read_registration,
}
ROUTES: dict[str, tuple[Call, dict[tuple[str, str], int]]] = {
    "GET /v1/events/{id}": (get_event, READ),
    "GET /v1/events/{id} (JSON-LD)": (get_event_jsonld, READ),
    "GET /v1/events/{id}.ics": (get_event_ics, READ),
    "PATCH /v1/events/{id}": (edit_event, ORGANIZERS),
    "PATCH /v1/events/{id} state (moderation)": (
        moderate_event,
        _table(_row(200, 403, 403, 401, 401), _member_keys_only(_row(200, 403, 404, 401, 401))),
    ),
    "DELETE /v1/events/{id}": (
        delete_event,
        _table(_row(204, 204, 403, 401, 401), _member_keys_only(_row(204, 204, 404, 401, 401))),
    ),
    "GET /v1/events/{id}/history": (read_history, ORGANIZERS),
    "POST /v1/events/{id}/registrations": (
        register,
        # Anyone signs up to a published event; a pending one takes nobody yet.
        _table(_row(201, 201, 201, 201, 201), _row(409, 409, 404, 404, 404)),
    ),
    "GET /v1/events/{id}/registrations": (list_registrations, ORGANIZERS),
    "GET /v1/events/{id}/registrations.csv": (export_registrations, ORGANIZERS),
    "GET /v1/events/{id}/attendance": (read_attendance_sheet, ORGANIZERS),
    "GET /v1/registrations/{id}": (read_registration, REGISTRANT),
    "POST /v1/registrations/{id}/cancel": (cancel_registration, REGISTRANT),
    "POST /v1/registrations/{id}/approve": (approve_registration, ORGANIZERS),
    "POST /v1/registrations/{id}/refuse": (refuse_registration, ORGANIZERS),
    "POST /v1/registrations/{id}/attendance": (record_attendance, ORGANIZERS),
    # Partners write their own events by their own ids; staff any partner's.
    "PUT /v1/events/ext/{source}/{id}": (
        put_partner_event,
        _table(_partner_row(201), _partner_row(201)),
    ),
    "DELETE /v1/events/ext/{source}/{id}": (
        cancel_partner_event,
        _table(_partner_row(200), _partner_row(200)),
    ),
    "GET /v1/events/imports/openagenda/{id}": (
        read_import_state,
        _table(_staff_only_row(404), _staff_only_row(404)),
    ),
}


@pytest.fixture
async def callers(
    events_app: FastAPI, identity_signer: IdentitySigner
) -> AsyncIterator[tuple[dict[str, httpx.AsyncClient], uuid.UUID]]:
    own = uuid.uuid4()
    headers = {
        "admin": identity_headers(identity_signer, "admin"),
        "animator": identity_headers(identity_signer, "animator"),
        "organizer": identity_headers(identity_signer, "member", actor_ids=(own,)),
        "stranger": identity_headers(identity_signer, "member", actor_ids=(uuid.uuid4(),)),
        "partner": identity_headers(identity_signer, "partner", partner=PARTNER),
        "reader": identity_headers(identity_signer, "reader"),
        "anonymous": identity_headers(identity_signer, "anonymous"),
        "registrant": identity_headers(identity_signer, "anonymous"),
    }
    clients = {name: asgi_client(events_app, h) for name, h in headers.items()}
    try:
        yield clients, own
    finally:
        for client in clients.values():
            await client.aclose()


async def make_scene(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, organizer_id: uuid.UUID, state: str
) -> Scene:
    body = {
        "title": "Formation Fresque du climat",
        "kind": "training",
        "organizer_ids": [str(organizer_id)],
        "timings": [{"start": "2031-09-15T09:00:00+02:00", "end": "2031-09-15T17:00:00+02:00"}],
        "attendance_mode": "offline",
        "location": {"name": "Cap Sciences", "city": "Bordeaux", "commune_insee": "33063"},
        "registration": {
            "mode": "internal",
            "capacity": 20,
            "requires_approval": True,
            "confirm_email": False,  # the registrants' tokens come in the answer
        },
    }

    async def created() -> str | None:
        response = await admin.post("/v1/events", json=body)
        if "organizer_ids[0]" in response.text:
            return None  # the organizer is still on its way from the directory
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    # The first module to run on the session's events service: its actor consumer, new,
    # reads the whole shared DIRECTORY stream of the tests before it first (past 10 s in a
    # full run on 2 cores), then the organizer.
    event_id = await wait_until(created, within=60, what="event created")
    signed_up = []
    for n in range(2):
        response = await anonymous.post(
            f"/v1/events/{event_id}/registrations",
            json={"name": f"Zoé N'Diaye {n}", "email": f"zoe.{next(_counter)}@exemple.fr"},
        )
        assert response.status_code == 201, response.text
        signed_up.append(response.json())
    pending, confirmed = signed_up
    approved = await admin.post(f"/v1/registrations/{confirmed['id']}/approve")
    assert approved.json()["status"] == "confirmed", approved.text
    if state != "published":
        moved = await admin.patch(f"/v1/events/{event_id}", json={"state": state})
        assert moved.status_code == 200, moved.text
    return Scene(
        state,
        admin,
        str(organizer_id),
        event_id,
        pending["id"],
        pending["token"],
        confirmed["id"],
        confirmed["token"],
    )


@pytest.mark.parametrize("route", list(ROUTES))
async def test_who_may_call_each_route_with_an_id(
    route: str,
    callers: tuple[dict[str, httpx.AsyncClient], uuid.UUID],
    announce: Callable[..., Awaitable[Any]],
) -> None:
    clients, own = callers
    admin, anonymous = clients["admin"], clients["anonymous"]
    await announce("directory.actor.created", own, name="Cap Sciences")
    call, expected = ROUTES[route]
    actual: dict[tuple[str, str], int] = {}
    for state in STATES:
        scene = await make_scene(admin, anonymous, own, state)
        for caller in CALLERS:
            response = await call(clients[caller], scene, caller)
            actual[(state, caller)] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"
            elif call not in READ_ONLY:
                # The next caller gets a scene untouched by this successful write.
                scene = await make_scene(admin, anonymous, own, state)
    assert actual == expected


async def test_who_may_create_an_event(
    callers: tuple[dict[str, httpx.AsyncClient], uuid.UUID],
    announce: Callable[..., Awaitable[Any]],
) -> None:
    """Members create (pending) events of their own actors only; staff publish."""
    clients, own = callers
    other = uuid.uuid4()
    await announce("directory.actor.created", own, name="Cap Sciences")
    await announce("directory.actor.created", other, name="Lacq Odyssée")
    await make_scene(clients["admin"], clients["anonymous"], other, "published")  # both known

    def body(*organizers: uuid.UUID, **overrides: Any) -> dict[str, Any]:
        return {
            "title": "Forum de la médiation",
            "kind": "forum",
            "organizer_ids": [str(o) for o in organizers],
            "timings": [{"start": "2031-06-02T09:00:00+02:00", "end": "2031-06-02T18:00:00+02:00"}],
            "attendance_mode": "online",
            "online_url": "https://visio.exemple.fr/forum",
            **overrides,
        }

    async def create(caller: str, payload: dict[str, Any]) -> tuple[int, str | None]:
        response = await clients[caller].post("/v1/events", json=payload)
        return response.status_code, response.json().get("state")

    async def own_known() -> bool:
        return (await create("organizer", body(own)))[0] == 201

    await wait_until(own_known, what="organizer known to the calendar")
    # A co-organizer is named by staff or by that actor's members, on create as on update.
    assert await create("organizer", body(own, other)) == (403, None)
    assert await create("organizer", body(own)) == (201, "pending")
    # Other sources' ids are theirs: three events then claimed one OpenAgenda event.
    tagged = body(own, ext_ids={"openagenda": "rt-2"})
    assert await create("organizer", tagged) == (422, None)
    mine = (await clients["organizer"].post("/v1/events", json=body(own))).json()
    claimed = await clients["organizer"].patch(
        f"/v1/events/{mine['id']}", json={"ext_ids": {"openagenda": "rt-2"}}
    )
    assert claimed.status_code == 422, claimed.text
    assert claimed.json()["errors"][0]["field"] == "ext_ids.openagenda"
    assert await create("organizer", body(other)) == (403, None)
    assert await create("organizer", body(own, state="published")) == (403, None)
    assert await create("stranger", body(own)) == (403, None)
    assert await create("partner", body(own)) == (403, None)
    assert await create("reader", body(own)) == (403, None)
    assert await create("anonymous", body(own)) == (401, None)
    assert await create("animator", body(other)) == (201, "published")
    assert await create("admin", body(other, state="pending")) == (201, "pending")
