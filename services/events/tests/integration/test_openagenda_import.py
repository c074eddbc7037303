"""OpenAgenda imports against a local OpenAgenda serving the real v2 format over HTTP.

The real client, mapping and import run on both backends; the command and the staff
endpoint both drive them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import SecretStr

from events.__main__ import main as events_main
from events.config import Settings
from events.db import leases, outbox
from events.main import SERVICE_ROOT, create_app
from events.partners.models import EventExternalId
from kit.identity import IdentitySigner
from kit.service import Runtime
from kit.settings import CommonSettings
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory, asgi_client, identity_headers
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"


def _load_fake() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "fakes" / "openagenda.py"
    spec = importlib.util.spec_from_file_location("events_test_fakes_openagenda", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fake_openagenda = _load_fake()
oa_event = fake_openagenda.oa_event


@pytest.fixture
async def openagenda() -> AsyncIterator[Any]:
    fake = fake_openagenda.FakeOpenAgenda()
    async with fake_openagenda.serving(fake) as base_url:
        fake.base_url = base_url
        yield fake


@pytest.fixture
def pointed_at(events_app: FastAPI, openagenda: Any) -> Iterator[None]:
    """The app's settings point at the local OpenAgenda (small pages: the cursor is walked)."""
    settings = events_app.state.settings
    events_app.state.settings = settings.model_copy(
        update={
            "openagenda_base_url": openagenda.base_url,
            "openagenda_key": SecretStr(openagenda.key),
            "openagenda_page_size": 2,
        }
    )
    yield
    events_app.state.settings = settings


@pytest.fixture
async def organizer(admin: httpx.AsyncClient, announce: Callable[..., Any]) -> uuid.UUID:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Société d'astronomie populaire")

    async def known() -> bool:
        probe = {
            "title": "probe",
            "kind": "other",
            "state": "draft",
            "organizer_ids": [str(actor_id)],
            "timings": [{"start": "2031-01-01T10:00:00+01:00", "end": "2031-01-01T11:00:00+01:00"}],
            "attendance_mode": "online",
            "online_url": "https://example.org/probe",
        }
        return (await admin.post("/v1/events", json=probe)).status_code == 201

    await wait_until(known, what="actor known to the calendar")
    return actor_id


def agenda_uid() -> str:
    return str(random.randint(10_000_000, 99_999_999))


def stars_night(uid: int) -> dict[str, Any]:
    return oa_event(
        uid,
        "Nuit des étoiles",
        keywords={"fr": ["Astronomie", "nuit", "Ciel étoilé"]},
        accessibility={"hi": True, "vi": False, "pi": False, "mi": True, "ii": False},
        age={"min": 8, "max": None},
        registration=[
            {"type": "email", "value": "contact@example.org"},
            {"type": "link", "value": "https://billetterie.example.org/nuit"},
        ],
        extIds=[{"key": "echosciences", "value": "987"}],
    )


def coast_forum(uid: int) -> dict[str, Any]:
    return oa_event(
        uid,
        "Forum Mer et Littoral",
        keywords={"fr": ["Littoral", "Océan"]},
        status=2,
        attendanceMode=3,
        onlineAccessLink="https://live.example.org/forum",
        timings=[
            {"begin": "2031-11-14T14:00:00+01:00", "end": "2031-11-14T17:00:00+01:00"},
            {"begin": "2031-11-13T09:00:00+01:00", "end": "2031-11-13T12:00:00+01:00"},
        ],
        location={
            "name": "Corum",
            "address": "Esplanade Charles de Gaulle, Montpellier",
            "city": "Montpellier",
            "postalCode": "34000",
            "insee": "34172",
            "latitude": 43.6138,
            "longitude": 3.8824,
        },
    )


def online_without_link(uid: int) -> dict[str, Any]:
    return oa_event(uid, "Webinaire sans lien", attendanceMode=2, onlineAccessLink=None)


async def event_of(events_app: FastAPI, admin: httpx.AsyncClient, uid: int) -> dict[str, Any]:
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        event_id = (
            await session.scalars(
                sa.select(EventExternalId.event_id).where(
                    EventExternalId.source == "openagenda", EventExternalId.ext_id == str(uid)
                )
            )
        ).one()
    response = await admin.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def published_ids(events_app: FastAPI) -> set[str]:
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        rows = await session.scalars(
            sa.select(outbox.table.c.envelope).where(
                outbox.table.c.type == "events.event.published"
            )
        )
        return {orjson.loads(envelope)["subject"] for envelope in rows}


@pytest.mark.usefixtures("pointed_at")
async def test_import_maps_openagenda_events_and_reports_bad_ones(
    events_app: FastAPI, admin: httpx.AsyncClient, openagenda: Any, organizer: uuid.UUID
) -> None:
    agenda = agenda_uid()
    for event in (stars_night(101), coast_forum(102), online_without_link(103)):
        openagenda.put(agenda, event)

    response = await admin.post(
        "/v1/events/imports/openagenda",
        json={"agenda_uid": agenda, "organizer_id": str(organizer), "kind": "visit"},
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["failed"]) == (2, 0, 1)
    assert summary["failures"] == [
        {"uid": "103", "field": "online_url", "message": "required when attendance_mode is online"}
    ]
    assert summary["since"] is None
    assert summary["updated_since"] == "2031-01-10T09:00:03.750000Z"

    stars = await event_of(events_app, admin, 101)
    assert stars["title"] == "Nuit des étoiles"
    assert stars["summary"] == "Nuit des étoiles : présentation courte"
    assert stars["description"].startswith("**Nuit des étoiles**")
    assert stars["kind"] == "visit"
    assert stars["state"] == "pending"  # openagenda is not a trusted source here
    assert stars["organizer_ids"] == [str(organizer)]
    assert stars["themes"] == ["astronomy_space"]
    assert stars["accessibility"] == {
        "hearing": True,
        "visual": False,
        "mental": False,
        "motor": True,
        "intellectual": False,
    }
    assert stars["age"] == {"min": 8, "max": None}
    assert stars["registration"]["mode"] == "external"
    assert stars["registration"]["url"] == "https://billetterie.example.org/nuit"
    assert stars["ext_ids"] == {"openagenda": "101", "openagenda.echosciences": "987"}
    assert stars["location"] == {
        "commune_insee": "31555",
        "department": "31",
        "region": "76",
        "name": "Observatoire de Jolimont",
        "street": "1 avenue Camille Flammarion, 31500 Toulouse",
        "postcode": "31500",
        "city": "Toulouse",
        "lat": 43.6113,
        "lon": 1.4625,
        "geo_precision": "address",  # OpenAgenda gave the place's own coordinates
    }
    assert stars["timings"] == [
        {"start": "2031-10-10T20:00:00+02:00", "end": "2031-10-10T23:00:00+02:00"}
    ]

    forum = await event_of(events_app, admin, 102)
    assert forum["status"] == "rescheduled"
    assert forum["attendance_mode"] == "mixed"
    assert forum["online_url"] == "https://live.example.org/forum"
    assert forum["themes"] == ["sea_coast"]
    assert forum["location"]["department"] == "34"
    assert [t["start"][:10] for t in forum["timings"]] == ["2031-11-13", "2031-11-14"]

    first = openagenda.requests[0]
    assert first["detailed"] == ["1"]
    assert first["key"] == [openagenda.key]
    assert "updatedAt[gte]" not in first
    # Pages of two: the cursor of each answer was sent back.
    assert any("after[]" in r for r in openagenda.requests)

    state = await admin.get(f"/v1/events/imports/openagenda/{agenda}")
    assert state.status_code == 200
    assert state.json()["organizer_id"] == str(organizer)
    assert state.json()["kind"] == "visit"
    assert state.json()["last_summary"]["created"] == 2


@pytest.mark.usefixtures("pointed_at")
async def test_incremental_runs_read_only_changes_and_cancel_removed_events(
    events_app: FastAPI, admin: httpx.AsyncClient, openagenda: Any, organizer: uuid.UUID
) -> None:
    agenda = agenda_uid()
    for event in (stars_night(201), coast_forum(202), oa_event(203, "Café des sciences")):
        openagenda.put(agenda, event)
    body = {"agenda_uid": agenda, "organizer_id": str(organizer)}
    first = (await admin.post("/v1/events/imports/openagenda", json=body)).json()
    assert first["created"] == 3

    # Nothing changed: only the boundary event comes again, and changes nothing.
    openagenda.requests.clear()
    again = (await admin.post("/v1/events/imports/openagenda", json={"agenda_uid": agenda})).json()
    assert again["since"] == first["updated_since"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert all(r["updatedAt[gte]"] == ["2031-01-10T09:00:03.750Z"] for r in openagenda.requests)
    stars = await event_of(events_app, admin, 201)
    assert stars["version"] == 1

    openagenda.put(agenda, stars_night(201) | {"title": {"fr": "Nuit des étoiles 2031"}})
    openagenda.remove(agenda, 202)
    changed = (
        await admin.post("/v1/events/imports/openagenda", json={"agenda_uid": agenda})
    ).json()
    assert (changed["created"], changed["updated"], changed["cancelled"]) == (0, 1, 1)
    stars = await event_of(events_app, admin, 201)
    assert (stars["title"], stars["version"]) == ("Nuit des étoiles 2031", 2)
    forum = await event_of(events_app, admin, 202)
    assert (forum["status"], forum["version"]) == ("cancelled", 2)
    cafe = await event_of(events_app, admin, 203)
    assert cafe["version"] == 1

    last = (await admin.post("/v1/events/imports/openagenda", json={"agenda_uid": agenda})).json()
    assert (last["updated"], last["cancelled"]) == (0, 0)
    assert (await event_of(events_app, admin, 202))["version"] == 2

    # A full run reads everything again and still changes nothing.
    full = (
        await admin.post("/v1/events/imports/openagenda", json={"agenda_uid": agenda, "full": True})
    ).json()
    assert (full["created"], full["updated"], full["unchanged"]) == (0, 0, 2)


@pytest.mark.usefixtures("pointed_at")
async def test_imports_refuse_bad_requests_with_problems(
    events_app: FastAPI,
    admin: httpx.AsyncClient,
    identity_signer: IdentitySigner,
    openagenda: Any,
    organizer: uuid.UUID,
) -> None:
    agenda = agenda_uid()
    openagenda.put(agenda, oa_event(301, "Atelier"))
    url = "/v1/events/imports/openagenda"

    async with asgi_client(
        events_app, identity_headers(identity_signer, "member", actor_ids=(organizer,))
    ) as member:
        refused = await member.post(url, json={"agenda_uid": agenda})
        assert refused.status_code == 403
        assert (await member.get(f"{url}/{agenda}")).status_code == 403

    first = await admin.post(url, json={"agenda_uid": agenda})
    assert first.status_code == 422
    assert first.headers["content-type"] == PROBLEM
    assert first.json()["errors"][0]["field"] == "organizer_id"

    stranger = await admin.post(url, json={"agenda_uid": agenda, "organizer_id": str(uuid.uuid4())})
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "organizer_id"

    bad_uid = await admin.post(url, json={"agenda_uid": "../x", "organizer_id": str(organizer)})
    assert bad_uid.status_code == 422
    assert bad_uid.json()["errors"][0]["field"] == "agenda_uid"

    assert (await admin.get(f"{url}/{agenda}")).status_code == 404

    settings = events_app.state.settings
    events_app.state.settings = settings.model_copy(update={"openagenda_key": SecretStr("wrong")})
    try:
        down = await admin.post(url, json={"agenda_uid": agenda, "organizer_id": str(organizer)})
    finally:
        events_app.state.settings = settings
    assert down.status_code == 502
    assert down.headers["content-type"] == PROBLEM
    assert "403" in down.json()["detail"]
    assert "wrong" not in down.text  # the key is never echoed
    state = (await admin.get(f"{url}/{agenda}")).json()
    assert state["last_run_at"] is None  # the failed run recorded no progress


@pytest.mark.usefixtures("pointed_at")
async def test_a_cursor_that_does_not_move_stops_the_run(
    admin: httpx.AsyncClient, openagenda: Any, organizer: uuid.UUID
) -> None:
    agenda = agenda_uid()
    for uid in (501, 502, 503):
        openagenda.put(agenda, oa_event(uid, f"Conférence {uid}"))
    openagenda.stuck = True
    url = "/v1/events/imports/openagenda"
    response = await admin.post(url, json={"agenda_uid": agenda, "organizer_id": str(organizer)})
    assert response.status_code == 502
    assert "did not move on" in response.json()["detail"]
    assert len(openagenda.requests) == 2  # it gave up at once
    assert (await admin.get(f"{url}/{agenda}")).json()["updated_since"] is None


async def test_command_imports_and_trusted_source_publishes(
    events_app: FastAPI,
    admin: httpx.AsyncClient,
    openagenda: Any,
    organizer: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    agenda = agenda_uid()
    openagenda.put(agenda, stars_night(401))
    openagenda.put(agenda, coast_forum(402))
    monkeypatch.setenv("MAILLAGE_EVENTS_DATABASE_URL", events_app.state.settings.database_url)
    monkeypatch.setenv("MAILLAGE_EVENTS_OPENAGENDA_BASE_URL", openagenda.base_url)
    monkeypatch.setenv("MAILLAGE_EVENTS_OPENAGENDA_KEY", openagenda.key)
    monkeypatch.setenv("MAILLAGE_EVENTS_TRUSTED_SOURCES", "echosciences,openagenda")
    command = ["openagenda-import", "--agenda", agenda, "--organizer", str(organizer)]

    with pytest.raises(SystemExit) as exit_info:
        await asyncio.to_thread(events_main, command)
    assert exit_info.value.code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["failed"]) == (2, 0)
    stars = await event_of(events_app, admin, 401)
    assert stars["state"] == "published"
    assert stars["id"] in await published_ids(events_app)

    with pytest.raises(SystemExit) as exit_info:
        await asyncio.to_thread(events_main, ["openagenda-import", "--agenda", agenda])
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1

    with pytest.raises(SystemExit) as exit_info:
        await asyncio.to_thread(events_main, ["openagenda-import", "--agenda", agenda_uid()])
    assert exit_info.value.code == 1
    assert "organizer_id" in capsys.readouterr().err


@pytest.mark.usefixtures("pointed_at")
async def test_two_runs_at_once_make_each_event_once(
    events_app: FastAPI, admin: httpx.AsyncClient, openagenda: Any, organizer: uuid.UUID
) -> None:
    agenda = agenda_uid()
    uids = range(601, 606)
    for uid in uids:
        openagenda.put(agenda, oa_event(uid, f"Visite {uid}"))
    body = {"agenda_uid": agenda, "organizer_id": str(organizer)}
    runs = await asyncio.gather(
        *(admin.post("/v1/events/imports/openagenda", json=body) for _ in range(3))
    )
    assert [r.status_code for r in runs] == [200, 200, 200], [r.text for r in runs]
    assert sum(r.json()["created"] for r in runs) == len(uids)
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        linked = (
            await session.execute(
                sa.select(EventExternalId.ext_id, sa.func.count())
                .where(EventExternalId.source == "openagenda")
                .where(EventExternalId.ext_id.in_([str(u) for u in uids]))
                .group_by(EventExternalId.ext_id)
            )
        ).all()
    assert sorted(linked) == [(str(u), 1) for u in uids]
    for uid in uids:
        assert (await event_of(events_app, admin, uid))["version"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_service_keeps_imported_agendas_current_on_its_own(
    backend: str,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    identity_signer: IdentitySigner,
    announce: Callable[..., Any],
    openagenda: Any,
) -> None:
    settings = Settings(
        database_url=await database_factory(backend, "events_sync"),
        consumer_prefix=f"events-sync-{uuid.uuid4().hex[:6]}",
        common=CommonSettings(nats_url=nats_server.url),
        openagenda_base_url=openagenda.base_url,
        openagenda_key=SecretStr(openagenda.key),
        openagenda_sync_interval_seconds=0.2,
    )
    organizer = uuid.uuid4()
    await announce("directory.actor.created", organizer, name="Fermat Science")
    agenda = agenda_uid()
    openagenda.put(agenda, oa_event(701, "Exposition Fermat"))
    async with (
        running_service(create_app, settings, SERVICE_ROOT) as app,
        asgi_client(app, identity_headers(identity_signer, "admin")) as admin,
    ):
        body = {"agenda_uid": agenda, "organizer_id": str(organizer)}

        async def first_import() -> bool:
            response = await admin.post("/v1/events/imports/openagenda", json=body)
            return response.status_code == 200  # 422 while the organizer is on its way

        # This service's fresh consumer first replays every actor the session announced on
        # the shared NATS server, which takes longer the more tests ran before.
        await wait_until(first_import, within=60, what="first import")
        openagenda.put(agenda, oa_event(702, "Conférence Fermat"))
        openagenda.put(agenda, oa_event(701, "Exposition Pierre de Fermat"))

        async def synced() -> bool:
            try:
                added = await event_of(app, admin, 702)
                changed = await event_of(app, admin, 701)
            except sa.exc.NoResultFound:
                return False
            return bool(added) and changed["title"] == "Exposition Pierre de Fermat"

        await wait_until(synced, what="agenda synced by the service itself")

        async def incremental() -> bool:
            return any("updatedAt[gte]" in r for r in openagenda.requests)

        # Once a run has recorded how far it got, the next ones ask only for changes.
        await wait_until(incremental, what="an incremental run")

        # The scheduled runs hold the lease, so one replica syncs per interval, and each
        # finished run leaves its counts in the lease row for staff.
        runtime: Runtime = app.state.runtime

        async def recorded() -> dict[str, Any] | None:
            async with runtime.database.transaction(write=False) as session:
                row = (
                    await session.execute(
                        sa.select(leases.c.last_result).where(leases.c.name == "openagenda-sync")
                    )
                ).scalar_one_or_none()
            return row if row and row.get("agendas") else None

        result = await wait_until(recorded, what="the sync's lease row")
        assert set(result) >= {"agendas", "created", "updated", "failed"}
