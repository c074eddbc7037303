"""What registrants receive: each message read from a real SMTP server (the sink)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from events.registrations.worker import send_reminders
from kit.identity import IdentitySigner
from kit.mail.sink import MailSink, ReceivedMail
from kit.testing.plugin import asgi_client, identity_headers
from kit.testing.polling import wait_until

from .conftest import PUBLIC_URL

NewEvent = Callable[..., Awaitable[dict[str, Any]]]


def address(label: str) -> str:
    return f"{label}.{uuid.uuid4().hex[:8]}@exemple.fr"


async def register(
    client: httpx.AsyncClient, event_id: str, email: str, **extra: Any
) -> dict[str, Any]:
    body = {"name": extra.pop("name", "Élise Lévêque"), "email": email, **extra}
    response = await client.post(f"/v1/events/{event_id}/registrations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def mail_to(sink: MailSink, email: str, count: int = 1) -> list[ReceivedMail]:
    """The messages ``email`` received, once there are ``count`` of them (oldest first)."""

    async def probe() -> list[ReceivedMail] | None:
        mine = [m for m in sink.received() if m.envelope_to == [email]]
        return mine if len(mine) >= count else None

    return await wait_until(probe, within=15, what=f"{count} message(s) to {email}")


def subjects(mails: list[ReceivedMail]) -> list[str]:
    return [str(m.message["Subject"]) for m in mails]


async def test_confirmation_carries_the_personal_link_and_the_event_as_ics(
    anonymous: httpx.AsyncClient, new_event: NewEvent, events_mail: MailSink
) -> None:
    event = await new_event(title="Nuit des étoiles")
    email = address("ada")
    mine = await register(anonymous, event["id"], email, name="Ada Lovelace")
    [got] = await mail_to(events_mail, email)
    assert got.message["Subject"] == "Inscription confirmée : Nuit des étoiles"
    assert got.message["To"].addresses[0].display_name == "Ada Lovelace"
    link = f"{PUBLIC_URL}/p/registrations/{mine['token']}"
    assert link in got.text
    assert f'href="{link}"' in got.html
    assert "mercredi 12 mars 2031 à 09:00" in got.text  # Europe/Paris
    assert "Quai des Savoirs" in got.text
    [(filename, ics)] = got.attachments()
    assert filename == "evenement.ics"
    assert b"BEGIN:VCALENDAR" in ics
    assert b"SUMMARY:Nuit des \xc3\xa9toiles" in ics
    assert "List-Unsubscribe" not in got.message  # transactional
    # The token in the link is the registration's: it opens it.
    read = await anonymous.get(f"/v1/registrations/{mine['id']}", params={"token": mine["token"]})
    assert read.status_code == 200


async def test_waitlisted_then_promoted_when_a_seat_is_cancelled(
    anonymous: httpx.AsyncClient, new_event: NewEvent, events_mail: MailSink
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    seated, first, second = address("seated"), address("first"), address("second")
    seat = await register(anonymous, event["id"], seated)
    await register(anonymous, event["id"], first)
    await register(anonymous, event["id"], second)
    [waiting] = await mail_to(events_mail, second)
    assert waiting.message["Subject"].startswith("Liste d'attente")
    assert "en position 2" in waiting.text
    assert not waiting.attachments()

    assert (await anonymous.post(seat["cancel_url"])).status_code == 200
    _, cancelled = await mail_to(events_mail, seated, 2)
    assert cancelled.message["Subject"].startswith("Inscription annulée")
    _, promoted = await mail_to(events_mail, first, 2)
    assert promoted.message["Subject"].startswith("Une place s'est libérée pour vous")
    assert [name for name, _ in promoted.attachments()] == ["evenement.ics"]
    # Nobody else heard anything more.
    assert len(await mail_to(events_mail, second)) == 1


async def test_pending_approved_and_refused(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent,
    events_mail: MailSink,
) -> None:  # fmt: skip
    event = await new_event(
        registration={"mode": "internal", "capacity": 1, "waitlist": True,
                      "requires_approval": True}
    )  # fmt: skip
    a, b, c = address("a"), address("b"), address("c")
    regs = [await register(anonymous, event["id"], e) for e in (a, b, c)]
    for email in (a, b, c):
        [pending] = await mail_to(events_mail, email)
        assert pending.message["Subject"].startswith("Inscription reçue, en attente")
    await admin.post(f"/v1/registrations/{regs[0]['id']}/approve")
    await admin.post(f"/v1/registrations/{regs[1]['id']}/approve")
    await admin.post(f"/v1/registrations/{regs[2]['id']}/refuse")
    _, seated = await mail_to(events_mail, a, 2)
    assert seated.message["Subject"].startswith("Inscription acceptée")
    assert "Votre place est réservée" in seated.text
    assert seated.attachments()
    _, queued = await mail_to(events_mail, b, 2)
    assert "liste d'attente, en position 1" in queued.text
    _, refused = await mail_to(events_mail, c, 2)
    assert refused.message["Subject"].startswith("Inscription non retenue")


async def test_event_changes_reach_each_active_registrant_once(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent,
    events_mail: MailSink,
) -> None:  # fmt: skip
    event = await new_event(title="Forum")
    here, gone = address("here"), address("gone")
    await register(anonymous, event["id"], here)
    left = await register(anonymous, event["id"], gone)
    await anonymous.post(left["cancel_url"])
    await mail_to(events_mail, gone, 2)

    moved = await admin.patch(
        f"/v1/events/{event['id']}",
        json={"timings": [{"start": "2031-04-02T14:00:00+02:00", "end": "2031-04-02T18:00:00+02:00"}]},  # noqa: E501
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    _, rescheduled = await mail_to(events_mail, here, 2)
    assert rescheduled.message["Subject"] == "Nouvelles dates : Forum"
    assert "mercredi 2 avril 2031 à 14:00" in rescheduled.text

    online = await admin.patch(
        f"/v1/events/{event['id']}",
        json={"status": "moved_online", "attendance_mode": "online",
              "online_url": "https://visio.example.org/forum"},
    )  # fmt: skip
    assert online.status_code == 200, online.text
    *_, moved_online = await mail_to(events_mail, here, 3)
    assert moved_online.message["Subject"] == "L'événement a lieu en ligne : Forum"
    assert "https://visio.example.org/forum" in moved_online.text

    same = await admin.patch(f"/v1/events/{event['id']}", json={"status": "moved_online"})
    assert same.status_code == 200
    cancelled = await admin.patch(f"/v1/events/{event['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200
    *_, last = await mail_to(events_mail, here, 4)
    assert last.message["Subject"] == "Événement annulé : Forum"
    assert not last.attachments()
    assert len(await mail_to(events_mail, here)) == 4  # nothing for the no-op change
    assert len(await mail_to(events_mail, gone)) == 2  # the cancelled person heard nothing


async def test_english_for_who_registers_in_english(
    anonymous: httpx.AsyncClient, new_event: NewEvent, events_mail: MailSink
) -> None:
    # (Titles and names with line breaks are refused at input; kit's mail tests show that
    # one stored anyway never reaches a header.)
    event = await new_event(title="Star night")
    email = address("en")
    await register(anonymous, event["id"], email, language="en", name="Eve")
    [got] = await mail_to(events_mail, email)
    assert got.message["Subject"] == "Registration confirmed: Star night"
    assert "Your registration (see it, cancel it)" in got.text
    assert "Wednesday 12 March 2031 at 09:00" in got.text, got.text


async def test_the_day_before_reminder_goes_once_with_one_click_unsubscribe(
    anonymous: httpx.AsyncClient, new_event: NewEvent, events_mail: MailSink,
    events_app: FastAPI,
) -> None:  # fmt: skip
    starts = datetime.now(UTC) + timedelta(hours=20)
    event = await new_event(
        title="Atelier",
        timings=[{"start": starts.isoformat(), "end": (starts + timedelta(hours=2)).isoformat()}],
    )
    email = address("reminded")
    await register(anonymous, event["id"], email)
    database = events_app.state.runtime.database
    first = await send_reminders(database, ahead=timedelta(hours=24))
    again = await send_reminders(database, ahead=timedelta(hours=24))
    assert first["written"] >= 1
    assert again["written"] == 0
    _, reminder = await mail_to(events_mail, email, 2)
    assert reminder.message["Subject"].startswith("Rappel : Atelier")
    assert reminder.message["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/p/unsubscribe/")
    assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_staff_see_messages_with_attempts_and_only_admins_their_content(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    events_mail: MailSink,
    events_app: FastAPI,
    identity_signer: IdentitySigner,
) -> None:
    event = await new_event()
    email = address("listed")
    await register(anonymous, event["id"], email)
    await mail_to(events_mail, email)

    async def recorded_sent() -> dict[str, Any] | None:
        listed = await admin.get("/v1/mail/events", params={"to": email})
        assert listed.status_code == 200, listed.text
        [item] = listed.json()["items"]
        return dict(item) if item["status"] == "sent" else None  # recorded just after the 250

    item = await wait_until(recorded_sent, what="the message recorded as sent")
    assert (item["status"], item["template"], item["recipient"]) == (
        "sent", "registration_confirmed", email
    )  # fmt: skip
    assert [a["outcome"] for a in item["history"]] == ["sent"]
    assert "data" not in item

    detail = await admin.get(f"/v1/mail/events/{item['id']}")
    assert detail.json()["data"]["event"]["title"] == event["title"]
    async with asgi_client(events_app, identity_headers(identity_signer, "animator")) as animator:
        seen = await animator.get(f"/v1/mail/events/{item['id']}")
        assert seen.status_code == 200
        assert seen.json()["data"] is None  # personal links stay with admins
    for role in ("member", "partner", "reader"):
        async with asgi_client(events_app, identity_headers(identity_signer, role)) as other:
            assert (await other.get("/v1/mail/events")).status_code == 403
    assert (await anonymous.get("/v1/mail/events")).status_code == 401
    assert (await admin.get("/v1/mail/events/999999999")).status_code == 404

    resent = await admin.post(f"/v1/mail/events/{item['id']}/resend")
    assert resent.status_code == 202, resent.text
    first, second = await mail_to(events_mail, email, 2)
    assert second.message["Subject"] == first.message["Subject"]
    assert second.message["Message-ID"] != first.message["Message-ID"]  # a new copy


async def test_a_mail_id_beyond_bigint_is_a_422(admin: httpx.AsyncClient) -> None:
    """A contract fuzzer's 18458304573254230016 reached the database: a 500."""
    for method, path in (("GET", "/v1/mail/events/{}"), ("POST", "/v1/mail/events/{}/resend")):
        response = await admin.request(method, path.format(2**64))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "path.mail_id"
