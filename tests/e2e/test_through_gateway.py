"""End to end, through the gateway only: an actor's new name reaches the events that it
organizes, across NATS restarts, and nothing reaches a service without the gateway; a
registrant follows the link of the message the stack's mail sink received, in Chromium."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from kit.mail.sink import ReceivedMail, received
from kit.testing.browser import DESKTOP, PHONE, new_page, save_screenshot
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
    # Confirmed at once (held seats awaiting the mailed link have their own tests).
    payload["registration"] = {"mode": "internal", "capacity": 5, "confirm_email": False}
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


async def message_to(stack: Stack, address: str, subject_words: str) -> ReceivedMail:
    """The message to ``address`` whose subject holds ``subject_words``, once it arrives."""

    async def arrived() -> ReceivedMail | None:
        for mail in received(stack.mail_dir):
            if address in mail.envelope_to and subject_words in str(mail.message["Subject"]):
                return mail
        return None

    return await wait_until(arrived, within=PROPAGATION, what=f"{subject_words!r} to {address}")


def personal_link(mail: ReceivedMail, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/p/registrations/[A-Za-z0-9_-]+", mail.text)
    assert match, f"no personal link in:\n{mail.text}"
    return match.group(0)


async def test_cancelling_through_the_received_link_promotes_the_waitlisted_person(
    stack: Stack, api: Api, browser: Browser
) -> None:
    """Two people register to a one-seat event without a key: the first proves her address
    through the link the sink received and gets the seat, the second is waitlisted; the first
    then opens the link of her confirmation, cancels on the page (JavaScript off), and the
    waitlisted person's promotion message arrives with their link, which shows the seat.
    Screenshots at 1280 and 390 px go to var/artifacts/screenshots/."""
    actor = await api.create_actor(actor_payload(unique("Science Animation")))
    payload = event_payload(unique("Journée escape game et médiation"), [actor])
    payload["registration"] = {"mode": "internal", "capacity": 1, "waitlist": True}
    event = await api.create_event(payload)
    ada = f"ada.{uuid.uuid4().hex[:6]}@example.org"
    grace = f"grace.{uuid.uuid4().hex[:6]}@example.org"
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=10) as public:  # no API key
        for name, email in (("Ada Lovelace", ada), ("Grace Hopper", grace)):
            registered = await public.post(
                f"/v1/events/{event.id}/registrations", json={"name": name, "email": email}
            )
            assert registered.status_code == 201, registered.text
        # Without a key a seat is held until the address proves itself (issue 15); the
        # waitlist holds no seat, so the second person is waitlisted at once.
        assert registered.json()["status"] == "waitlisted"
        proof = await message_to(stack, ada, "Confirmez votre inscription")
        opened = await public.get(personal_link(proof, stack.api_url))
        assert opened.status_code == 200, opened.text

    link = personal_link(await message_to(stack, ada, "Inscription confirmée"), stack.api_url)
    waitlisted = await message_to(stack, grace, "Liste d'attente")
    desktop = await new_page(browser, viewport=DESKTOP)
    phone = await new_page(browser, viewport=PHONE)
    try:
        await open_and_cancel(desktop, phone, link)
        promotion = await message_to(stack, grace, "Une place s'est libérée")
        promoted = personal_link(promotion, stack.api_url)
        assert promoted == personal_link(waitlisted, stack.api_url), "one link per registration"
        await phone.goto(promoted)
        await expect(phone.locator("#registration-status")).to_contain_text("Confirmée")
        await save_screenshot(phone, "registration-promoted-390")
        await desktop.goto(promoted)
        await save_screenshot(desktop, "registration-promoted-1280")
    finally:
        await desktop.context.close()
        await phone.context.close()


async def open_and_cancel(desktop: Page, phone: Page, link: str) -> None:
    answer = await desktop.goto(link)
    assert answer is not None
    assert answer.status == 200
    await expect(desktop.get_by_role("heading", level=1)).to_contain_text("Journée escape game")
    await expect(desktop.locator("#registration-status")).to_contain_text("Confirmée")
    await save_screenshot(desktop, "registration-confirmed-1280")
    await phone.goto(link)
    await save_screenshot(phone, "registration-confirmed-390")

    await desktop.get_by_role("link", name="Annuler mon inscription").click()
    await expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Annuler votre inscription ?"
    )
    await save_screenshot(desktop, "registration-cancel-confirm-1280")
    await desktop.get_by_role("button", name="Oui, annuler mon inscription").click()
    assert desktop.url == link, "back on the registration's page after the POST"
    await expect(desktop.locator("#registration-status")).to_contain_text("Annulée")
    await expect(desktop.get_by_role("link", name="Annuler mon inscription")).to_have_count(0)
    await save_screenshot(desktop, "registration-cancelled-1280")
