"""Seats held for unconfirmed addresses: anyone could fill an event with invented e-mails.

A registration without an API key holds its seat as ``pending_email`` until the person opens
the link mailed to them; an expired hold frees the seat for the waitlist as a cancellation
does; one client holds a few seats at a time; a repeated address gets the answer a new one
gets (only the address's owner hears it was already registered).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from events.registrations.service import registration_service
from kit.mail.sink import MailSink

from .conftest import PUBLIC_URL
from .test_registration_mail import address, mail_to

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
HELD = {"mode": "internal", "capacity": 1, "waitlist": True, "confirm_email": True}


async def register(
    client: httpx.AsyncClient, event_id: str, email: str, *, client_address: str = "192.0.2.1"
) -> httpx.Response:
    return await client.post(
        f"/v1/events/{event_id}/registrations",
        json={"name": "Zoé Hold", "email": email},
        headers={"X-Forwarded-For": client_address},
    )


async def statuses(admin: httpx.AsyncClient, event_id: str) -> dict[str, str]:
    items = (await admin.get(f"/v1/events/{event_id}/registrations")).json()["items"]
    return {r["email"]: r["status"] for r in items}


async def test_an_anonymous_seat_is_held_until_the_mailed_link_is_opened(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    events_mail: MailSink,
) -> None:
    event = await new_event(title="Nuit des étoiles", registration=HELD)
    holder, next_one = address("holder"), address("next")
    held = await register(anonymous, event["id"], holder)
    waiting = await register(anonymous, event["id"], next_one)

    assert held.status_code == 201, held.text
    answer = held.json()
    assert answer["status"] == "pending_email"
    assert answer["token"] is None  # the proof is in the mailbox, not in the answer
    expires = datetime.fromisoformat(answer["hold_expires_at"])
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
    assert waiting.json()["status"] == "waitlisted"  # the held seat counts as taken
    listed = (await anonymous.get(f"/v1/events/{event['id']}")).json()
    assert listed["registration_counts"]["available"] == 0

    [mail] = await mail_to(events_mail, holder)
    assert mail.message["Subject"] == "Confirmez votre inscription : Nuit des étoiles"
    found = re.search(re.escape(PUBLIC_URL) + r"(/p/registrations/[A-Za-z0-9_-]+)", mail.text)
    assert found is not None, mail.text
    page = await anonymous.get(found[1])
    assert page.status_code == 200
    assert (await statuses(admin, event["id"]))[holder] == "confirmed"
    assert (await statuses(admin, event["id"]))[next_one] == "waitlisted"


async def test_an_expired_hold_frees_the_seat_for_the_waitlist(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, events_app: FastAPI, new_event: NewEvent
) -> None:
    event = await new_event(registration=HELD)
    holder, next_one = address("lapsed"), address("promoted")
    await register(anonymous, event["id"], holder)
    await register(anonymous, event["id"], next_one)

    database = events_app.state.runtime.database
    async with database.transaction() as session:
        expired = await registration_service.expire_holds(
            session, now=datetime.now(UTC) + timedelta(minutes=31)
        )

    assert expired >= 1
    assert await statuses(admin, event["id"]) == {holder: "cancelled", next_one: "confirmed"}


async def test_a_repeated_address_gets_the_answer_a_new_one_gets(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    events_mail: MailSink,
) -> None:
    """A 409 '... is already registered' told anyone whether an address had registered."""
    event = await new_event(title="Fête de la science", registration=HELD)
    known, fresh = address("known"), address("fresh")
    first = await register(anonymous, event["id"], known)
    again = await register(anonymous, event["id"], known, client_address="192.0.2.2")
    new = await register(anonymous, event["id"], fresh, client_address="192.0.2.3")

    def shape(response: httpx.Response) -> tuple[int, list[str], str, int | None, None]:
        body = response.json()
        return (
            response.status_code,
            sorted(body),
            body["status"],
            body["waitlist_position"],
            body["token"],
        )

    assert first.json()["status"] == "pending_email"
    # The one seat is held: a new address would wait first in line, and so is it told.
    assert shape(again) == shape(new) == (201, sorted(new.json()), "waitlisted", 1, None)
    assert again.json()["id"] != first.json()["id"]
    assert await statuses(admin, event["id"]) == {known: "pending_email", fresh: "waitlisted"}
    mails = await mail_to(events_mail, known, count=2)
    assert [str(m.message["Subject"]) for m in mails] == [
        "Confirmez votre inscription : Fête de la science",
        "Vous êtes déjà inscrit·e : Fête de la science",
    ]


async def test_one_client_holds_a_few_seats_at_a_time_and_keys_are_not_held(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    new_event: NewEvent,
) -> None:
    event = await new_event(
        registration={"mode": "internal", "capacity": 50, "confirm_email": True}
    )
    answers = [
        await register(anonymous, event["id"], address(f"bot{n}"), client_address="198.51.100.9")
        for n in range(4)
    ]
    elsewhere = await register(
        anonymous, event["id"], address("neighbour"), client_address="198.51.100.10"
    )
    by_staff = await admin.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Inscrite par l'équipe", "email": address("staff")},
    )
    async with member_of(uuid.uuid4()) as member:
        by_member = await member.post(
            f"/v1/events/{event['id']}/registrations",
            json={"name": "Inscrite par un membre", "email": address("member")},
        )

    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[3].headers["content-type"] == "application/problem+json"
    assert elsewhere.json()["status"] == "pending_email"
    assert by_staff.json()["status"] == "confirmed"
    assert by_staff.json()["token"]
    assert by_member.json()["status"] == "confirmed"
