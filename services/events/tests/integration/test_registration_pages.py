"""The registrant's page and the unsubscribe page, over HTTP on both backends: what they
show, cancelling in two steps with a CSRF-checked POST, the .ics, 404 pages that tell nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from events.db import mail
from events.registrations.messages import REMINDER_KIND
from kit.mail import UnsubscribeTokens
from kit.settings import DEV_IDENTITY_SECRET
from kit.testing.polling import wait_until

NewEvent = Callable[..., Awaitable[dict[str, Any]]]


async def register(
    client: httpx.AsyncClient, event_id: str, name: str, **extra: Any
) -> dict[str, Any]:
    email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.org"
    response = await client.post(
        f"/v1/events/{event_id}/registrations", json={"name": name, "email": email, **extra}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries its CSRF token"
    return match.group(1)


async def test_the_page_shows_the_registration_and_its_event(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(title="Forum <Lot> des sciences")
    registered = await register(anonymous, event["id"], "Ada Lovelace")

    page = await anonymous.get(f"/p/registrations/{registered['token']}")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="fr">' in page.text
    assert "Forum &lt;Lot&gt; des sciences" in page.text
    assert "Confirmée" in page.text
    assert "Ada Lovelace" in page.text
    assert "mercredi 12 mars 2031, de 9\u00a0h\u00a000 à 17\u00a0h\u00a030" in page.text
    assert "Quai des Savoirs, Toulouse" in page.text
    assert "Organisateur" in page.text
    assert f'href="/p/registrations/{registered["token"]}/event.ics"' in page.text
    assert f'href="/p/registrations/{registered["token"]}/cancel"' in page.text


async def test_the_page_speaks_the_registrants_language_and_switches(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    registered = await register(anonymous, event["id"], "Grace Hopper", language="en")
    path = f"/p/registrations/{registered['token']}"

    page = await anonymous.get(path)
    assert '<html lang="en">' in page.text
    assert "Confirmed" in page.text
    assert "Wednesday 12 March 2031, 09:00 to 17:30" in page.text

    french = await anonymous.get(path, params={"lang": "fr"})
    assert '<html lang="fr">' in french.text
    assert "Confirmée" in french.text


async def test_a_waitlisted_registrant_sees_their_position(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    await register(anonymous, event["id"], "Seated")
    await register(anonymous, event["id"], "First Waiting")
    second = await register(anonymous, event["id"], "Second Waiting")

    page = await anonymous.get(f"/p/registrations/{second['token']}")

    assert "Liste d&#39;attente" in page.text
    assert re.search(r"Vous êtes en position <strong>2</strong>", page.text)


async def test_cancelling_takes_a_confirmation_then_a_post_and_promotes_the_waitlist(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    seated = await register(anonymous, event["id"], "Seated")
    waiting = await register(anonymous, event["id"], "Waiting")
    path = f"/p/registrations/{seated['token']}"

    confirm = await anonymous.get(f"{path}/cancel")
    assert confirm.status_code == 200
    assert "Annuler votre inscription ?" in confirm.text
    assert "Votre place sera donnée à la première personne de la liste d&#39;attente" in (
        confirm.text
    )
    # Nothing changed by looking at the confirmation.
    still = await admin.get(f"/v1/registrations/{seated['id']}")
    assert still.json()["status"] == "confirmed"

    done = await anonymous.post(f"{path}/cancel", data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 303
    assert done.headers["location"] == path

    page = await anonymous.get(path)
    assert "Annulée" in page.text
    assert f"{path}/cancel" not in page.text, "no cancel button on a cancelled registration"
    promoted = await admin.get(f"/v1/registrations/{waiting['id']}")
    assert promoted.json()["status"] == "confirmed"
    # The confirmation step of a cancelled registration leads back to its page.
    again = await anonymous.get(f"{path}/cancel")
    assert again.status_code == 303


async def test_a_forged_cancellation_is_refused_and_changes_nothing(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    registered = await register(anonymous, event["id"], "Victim")
    path = f"/p/registrations/{registered['token']}/cancel"

    no_token = await anonymous.post(path, data={})
    cross_site = await anonymous.post(
        path, data={"csrf_token": "x"}, headers={"sec-fetch-site": "cross-site"}
    )

    for refused in (no_token, cross_site):
        assert refused.status_code == 403
        assert "Action refusée" in refused.text
    after = await admin.get(f"/v1/registrations/{registered['id']}")
    assert after.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "A" * 32, "A" * 300, "%00", "%C3%A9t%C3%A9"],
)
async def test_an_unknown_link_is_the_same_404_page_whatever_it_is(
    anonymous: httpx.AsyncClient, token: str
) -> None:
    bodies = set()
    for suffix in ("", "/cancel", "/event.ics"):
        page = await anonymous.get(f"/p/registrations/{token}{suffix}")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
        bodies.add(main)
    assert len(bodies) == 1, "the same page, whatever was asked"
    assert "Page introuvable" in main


async def test_an_unknown_link_cannot_cancel(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/p/registrations/nobody")
    refused = await anonymous.post(
        "/p/registrations/nobody/cancel", data={"csrf_token": "whatever"}
    )
    assert page.status_code == 404
    assert refused.status_code in (403, 404)


async def test_the_event_comes_as_an_ics_to_add_to_a_calendar(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(title="Journée escape game")
    registered = await register(anonymous, event["id"], "Ada")

    calendar = await anonymous.get(f"/p/registrations/{registered['token']}/event.ics")

    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "attachment" in calendar.headers["content-disposition"]
    assert "SUMMARY:Journée escape game" in calendar.text
    assert "DTSTART;TZID=Europe/Paris:20310312T090000" in calendar.text


async def test_unsubscribing_says_what_stops_then_records_it(
    anonymous: httpx.AsyncClient, events_app: FastAPI
) -> None:
    address = f"ada.{uuid.uuid4().hex[:6]}@example.org"
    token = UnsubscribeTokens(DEV_IDENTITY_SECRET, service="events").sign(address, REMINDER_KIND)
    path = f"/p/unsubscribe/{token}"

    page = await anonymous.get(path)
    assert page.status_code == 200
    assert "ne recevra plus les rappels envoyés la veille" in page.text
    assert f"{address[0]}•••@example.org" in page.text
    assert address not in page.text, "the address is masked"
    assert "Confirmer la désinscription" in page.text

    async def suppressed() -> bool:
        async with events_app.state.runtime.database.transaction(write=False) as session:
            return await mail.is_suppressed(session, address, REMINDER_KIND)

    assert not await suppressed(), "looking at the page unsubscribes nobody"
    done = await anonymous.post(path)
    assert done.status_code == 200
    assert "C&#39;est fait." in done.text
    assert await suppressed()
    again = await anonymous.get(path, params={"lang": "en"})
    assert "Already unsubscribed" in again.text


async def test_one_click_unsubscribe_from_a_mail_client_is_accepted(
    anonymous: httpx.AsyncClient, events_app: FastAPI
) -> None:
    address = f"grace.{uuid.uuid4().hex[:6]}@example.org"
    token = UnsubscribeTokens(DEV_IDENTITY_SECRET, service="events").sign(address, REMINDER_KIND)

    # RFC 8058: the mail client POSTs this body, with no cookie and no form token.
    done = await anonymous.post(f"/p/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200

    async def suppressed() -> bool:
        async with events_app.state.runtime.database.transaction(write=False) as session:
            return await mail.is_suppressed(session, address, REMINDER_KIND)

    assert await wait_until(suppressed, what="suppressed")


@pytest.mark.parametrize("issuer", ["surveys", "forged"])
async def test_an_unsubscribe_token_not_signed_by_events_is_a_404_page(
    anonymous: httpx.AsyncClient, issuer: str
) -> None:
    secret = "another secret entirely" if issuer == "forged" else DEV_IDENTITY_SECRET
    service = "events" if issuer == "forged" else issuer
    token = UnsubscribeTokens(secret, service=service).sign("ada@example.org", REMINDER_KIND)

    for method in ("GET", "POST"):
        page = await anonymous.request(method, f"/p/unsubscribe/{token}")
        assert page.status_code == 404
        assert "lien de désinscription n&#39;est pas valable" in page.text
        assert "ada" not in page.text
