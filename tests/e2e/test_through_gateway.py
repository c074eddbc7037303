"""End to end, through the gateway only: an actor's new name reaches the events that it
organizes, across NATS restarts, and nothing reaches a service without the gateway."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from typing import Any

import httpx
import pytest

from kit.mail.sink import ReceivedMail, received
from kit.testing.nats import NatsServer
from kit.testing.polling import wait_until
from maillage_cli.api import Api, Versioned
from maillage_cli.stack import Stack

pytestmark = pytest.mark.e2e

#: How long an actor change may take to show on events (generous: CI machines are noisy).
PROPAGATION = 30.0


def actor_payload(name: str) -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": name,
        "types": ["association", "popular_education"],
        "circle": 1,
        "themes": ["astronomy_space"],
        "audiences": ["general_public", "rural_public"],
        "clubs": ["associations"],
        "description": "Soirées d'observation et ateliers d'astronomie dans le Gers.",
        "address": {
            "city": "Fleurance",
            "postcode": "32500",
            "commune_insee": "32132",
            "department": "32",
            "region": "76",
        },
    }


def event_payload(title: str, organizers: list[Versioned]) -> dict[str, Any]:
    return {
        "title": title,
        "kind": "forum",
        "organizer_ids": [o.id for o in organizers],
        "timings": [{"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T17:30:00+01:00"}],
        "attendance_mode": "offline",
        "location": {
            "name": "Espace Clément Marot",
            "city": "Cahors",
            "postcode": "46000",
            "commune_insee": "46042",
            "department": "46",
        },
        "themes": ["science_society"],
        "audiences": ["professionals"],
        "summary": "Rencontre des acteurs de la culture scientifique du Lot.",
    }


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


async def shows_organizer(api: Api, event_id: str, name: str) -> None:
    async def probe() -> bool:
        return name in await api.organizer_names(event_id)

    await wait_until(probe, within=PROPAGATION, what=f"event shows organizer {name!r}")


async def actor_with_event(api: Api, name: str) -> tuple[Versioned, Versioned]:
    actor = await api.create_actor(actor_payload(name))
    event = await api.create_event(event_payload(unique("Forum lotois"), [actor]))
    return actor, event


async def test_a_renamed_actor_shows_its_new_name_on_its_event(api: Api) -> None:
    actor, event = await actor_with_event(api, unique("A Ciel Ouvert"))
    assert event.body["organizers"] == [
        {"id": actor.id, "name": actor.body["name"], "department": "32"}
    ]

    new_name = unique("A Ciel Ouvert — astronomie populaire")
    renamed = await api.update_actor(actor.id, {"name": new_name}, actor.etag)

    assert renamed.etag != actor.etag
    await shows_organizer(api, event.id, new_name)


async def test_an_update_with_a_stale_etag_is_refused(api: Api) -> None:
    actor = await api.create_actor(actor_payload(unique("Kimiyo")))
    await api.update_actor(actor.id, {"name": unique("Kimiyo")}, actor.etag)

    response = await api.http.patch(
        f"/v1/actors/{actor.id}", json={"name": "Lost update"}, headers={"If-Match": actor.etag}
    )

    assert response.status_code == 412
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.get_actor(actor.id)).body["name"] != "Lost update"


async def test_a_rename_made_just_before_nats_goes_down_arrives_after_it_is_back(
    api: Api, nats: NatsServer
) -> None:
    actor, event = await actor_with_event(api, unique("Fermat Science"))
    new_name = unique("Fermat Science, maison natale")

    await api.update_actor(actor.id, {"name": new_name}, actor.etag)
    await asyncio.to_thread(nats.stop)
    await asyncio.to_thread(nats.start)

    await shows_organizer(api, event.id, new_name)


async def test_changes_made_while_nats_is_down_are_all_delivered_once_it_is_back(
    api: Api, nats: NatsServer
) -> None:
    actor, event = await actor_with_event(api, unique("Planète Sciences"))

    await asyncio.to_thread(nats.stop)
    try:
        etag = actor.etag
        names = [unique(f"Planète Sciences Occitanie v{i}") for i in range(1, 5)]
        for name in names:  # the directory keeps accepting writes: they wait in its outbox
            etag = (await api.update_actor(actor.id, {"name": name}, etag)).etag
        newcomers = [
            await api.create_actor(actor_payload(unique("Délires d'encre"))) for _ in range(3)
        ]
    finally:
        await asyncio.to_thread(nats.start)

    await shows_organizer(api, event.id, names[-1])
    for newcomer in newcomers:  # each reached the events projection: it can organize
        created = await api.create_event(
            event_payload(unique("Journée escape game"), [newcomer]), within=PROPAGATION
        )
        assert created.body["organizers"][0]["name"] == newcomer.body["name"]
    # The newcomers were created after the renames, so the renames have all been handled by
    # now: the last one must still be the one shown (no older name applied late).
    assert await api.organizer_names(event.id) == [names[-1]]


async def test_services_refuse_calls_that_do_not_come_through_the_gateway(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for service in ("directory", "events"):
            response = await http.get(f"{stack.service_url(service)}/v1/{service_path(service)}")
            assert response.status_code == 401, service
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["status"] == 401
            forged = await http.get(
                f"{stack.service_url(service)}/v1/{service_path(service)}",
                headers={"X-Maillage-Identity": "not-a-signed-token"},
            )
            assert forged.status_code == 401, service


async def test_anonymous_writes_through_the_gateway_are_refused(stack: Stack) -> None:
    async with Api(stack.api_url) as anonymous:
        response = await anonymous.http.post("/v1/actors", json=actor_payload("Anonyme"))
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        wrong_key = await anonymous.http.post(
            "/v1/actors",
            json=actor_payload("Anonyme"),
            headers={"Authorization": "Bearer not-a-key"},
        )
        assert wrong_key.status_code == 401


async def test_a_crashed_service_is_reported_and_restarted(
    api: Api, stack: Stack, supervisor_reports: list[str]
) -> None:
    events = stack.supervisor.children["events"]
    crashed_pid = events.pid
    assert crashed_pid is not None
    actor = await api.create_actor(actor_payload(unique("Genopolys")))

    os.kill(crashed_pid, signal.SIGKILL)

    async def restarted() -> bool:
        return events.restarts >= 1 and events.pid != crashed_pid

    await wait_until(restarted, within=PROPAGATION, what="events service restarted")
    assert any(
        "events" in report and f"exit code -{signal.SIGKILL.value}" in report
        for report in supervisor_reports
    ), supervisor_reports
    await stack.supervisor.wait_ready(["events", "gateway"], within=PROPAGATION)
    event = await api.create_event(event_payload(unique("Escape game"), [actor]))
    assert event.body["organizers"][0]["name"] == actor.body["name"]


def service_path(service: str) -> str:
    return {"directory": "actors", "events": "events"}[service]


async def test_a_registrant_is_mailed_and_staff_see_the_message(stack: Stack, api: Api) -> None:
    actor = await api.create_actor(actor_payload(unique("Ciel du Gers")))
    payload = event_payload(unique("Nuit des étoiles"), [actor])
    payload["registration"] = {"mode": "internal", "capacity": 5}
    event = await api.create_event(payload)
    email = f"ada.{uuid.uuid4().hex[:6]}@exemple.fr"
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=10) as anonymous:
        registered = await anonymous.post(
            f"/v1/events/{event.id}/registrations", json={"name": "Ada", "email": email}
        )
    assert registered.status_code == 201, registered.text

    async def arrived() -> list[ReceivedMail]:
        return [m for m in received(stack.mail_dir) if m.envelope_to == [email]]

    [mail] = await wait_until(arrived, within=PROPAGATION, what="the confirmation in var/mail")
    token = registered.json()["token"]
    assert f"{stack.api_url}/p/registrations/{token}" in mail.text  # links lead to the gateway
    assert [name for name, _ in mail.attachments()] == ["evenement.ics"]

    admin = {"Authorization": f"Bearer {stack.admin_key}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=admin, timeout=10) as client:

        async def recorded_sent() -> dict[str, Any] | None:
            listed = await client.get("/v1/mail/events", params={"to": email})
            assert listed.status_code == 200, listed.text
            [item] = listed.json()["items"]
            return dict(item) if item["status"] == "sent" else None

        item = await wait_until(recorded_sent, what="the message recorded as sent")
        anonymous_list = await client.get("/v1/mail/events", headers={"Authorization": ""})
    assert item["template"] == "registration_confirmed"
    assert [a["outcome"] for a in item["history"]] == ["sent"]
    assert anonymous_list.status_code == 401

    command = ["mail", "list", "--var-dir", str(stack.var_dir), "--to", email]
    shown = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "maillage_cli", *command, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await shown.communicate()
    assert shown.returncode == 0
    assert "Inscription confirmée" in out.decode()
