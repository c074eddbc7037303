"""Invitations: audiences on the actor projection, personal links, mail, reminders, access."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from kit.mail.sink import MailSink, ReceivedMail
from kit.models import utcnow
from kit.testing.polling import wait_until
from surveys.db import mail

from .conftest import PUBLIC_URL, KnownActors
from .test_surveys import actors_survey


def actor(tag: str, name: str, **data: Any) -> dict[str, Any]:
    return {"name": f"{tag} {name}", **data}


async def open_survey(admin: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    survey = (await admin.post("/v1/surveys", json=actors_survey(**overrides))).json()
    published = await admin.post(f"/v1/surveys/{survey['id']}/publish")
    assert published.status_code == 200, published.text
    return dict(published.json())


async def mails_to(sink: MailSink, address: str, count: int = 1) -> list[ReceivedMail]:
    async def arrived() -> list[ReceivedMail] | None:
        found = [m for m in sink.received() if address in m.envelope_to]
        return found if len(found) >= count else None

    # The sender polls every half second; a loaded machine may take a while.
    return await wait_until(arrived, within=30, what=f"{count} message(s) to {address}")


async def test_an_audience_is_reported_then_invited_once_and_mailed(
    admin: httpx.AsyncClient, known_actors: KnownActors, surveys_mail: MailSink
) -> None:
    survey = await open_survey(admin)
    url = f"/v1/surveys/{survey['id']}/invitations"
    audience = {"type": ["museum"], "region": ["76"], "circle": [1]}
    # The projection is shared by the tests (and both backends read one stream): count
    # from what matched before this test's actors arrived.
    before = (await admin.post(url, json={"audience": audience})).json()
    tag = uuid.uuid4().hex[:8]
    museum_mail = f"museum-{tag}@example.org"
    museum, association, silent = await known_actors(
        actor(
            tag,
            "Muséum",
            types=["museum"],
            circle=1,
            email=museum_mail,
            address={"department": "31", "region": "76"},
            membership={"member": True},
        ),
        actor(
            tag,
            "Association",
            types=["association"],
            circle=2,
            email=f"asso-{tag}@example.org",
            address={"department": "34", "region": "76"},
        ),
        actor(
            tag,
            "Sans adresse",
            types=["museum"],
            circle=1,
            address={"department": "31", "region": "76"},
        ),
    )

    dry = await admin.post(url, json={"audience": audience})
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["dry_run"], report["already_invited"], report["created"]) == (True, 0, 0)
    assert report["matched"] == before["matched"] + 2
    assert report["reachable"] == before["reachable"] + 1
    assert {"actor_id": str(silent), "name": f"{tag} Sans adresse"} in report["unreachable"]
    assert len(report["unreachable"]) == len(before["unreachable"]) + 1
    assert (await admin.get(url)).json()["items"] == []

    real = await admin.post(url, json={"audience": audience, "dry_run": False})
    assert real.json()["created"] == report["matched"]
    again = await admin.post(url, json={"audience": audience, "dry_run": False})
    assert again.json() == {
        "dry_run": False,
        "matched": report["matched"],
        "already_invited": report["matched"],
        "reachable": 0,
        "unreachable": [],
        "created": 0,
    }
    # Named actors and plain addresses join the same survey, once each.
    both = await admin.post(
        url,
        json={
            "actor_ids": [str(association), str(museum)],
            "people": [{"email": f"Chercheuse-{tag}@Example.org", "name": "Ada", "language": "en"}],
            "dry_run": False,
        },
    )
    assert (both.json()["created"], both.json()["already_invited"]) == (2, 1)

    listed = (await admin.get(url + "?limit=200")).json()["items"]
    assert len(listed) == report["matched"] + 2
    assert {f"{tag} Muséum", f"{tag} Association", f"{tag} Sans adresse"} <= {
        i["actor_name"] for i in listed
    }
    person = next(i for i in listed if i["actor_id"] is None)
    assert (person["email"], person["language"]) == (f"chercheuse-{tag}@example.org", "en")
    assert all(i["url"].startswith(f"{PUBLIC_URL}/p/surveys/") for i in listed)
    assert len({i["url"] for i in listed}) == len(listed)

    [message] = await mails_to(surveys_mail, museum_mail)
    museum_link = next(i["url"] for i in listed if i["actor_id"] == str(museum))
    assert museum_link in message.text
    assert "Enquête acteurs de la CSTI" in message.message["Subject"]
    assert message.message["List-Unsubscribe"]
    [english] = await mails_to(surveys_mail, f"chercheuse-{tag}@example.org")
    assert "Survey of science-culture actors" in english.message["Subject"]


async def test_nobody_matched_is_a_clear_report_and_bad_filters_are_422(
    admin: httpx.AsyncClient,
) -> None:
    survey = await open_survey(admin)
    url = f"/v1/surveys/{survey['id']}/invitations"
    nobody = await admin.post(
        url, json={"audience": {"department": ["2A"], "type": ["aquarium_zoo"]}, "dry_run": False}
    )
    assert nobody.status_code == 200
    assert (nobody.json()["matched"], nobody.json()["created"]) == (0, 0)
    for body, field in (
        ({"audience": {"circle": [4]}}, "audience.circle[0]"),
        ({"audience": {"colour": ["red"]}}, "audience.colour"),
        ({"people": [{"email": "not-an-address"}]}, "people[0].email"),
        ({"actor_ids": [str(uuid.uuid4())], "dry_run": False}, "actor_ids[0]"),
        ({}, "body"),
    ):
        response = await admin.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text


async def test_a_draft_is_not_invited_for_real(admin: httpx.AsyncClient) -> None:
    draft = (await admin.post("/v1/surveys", json=actors_survey())).json()
    url = f"/v1/surveys/{draft['id']}/invitations"
    assert (await admin.post(url, json={"audience": {}})).status_code == 200
    refused = await admin.post(url, json={"audience": {}, "dry_run": False})
    assert refused.status_code == 409


async def test_members_see_their_own_actors_invitations_only(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    tag = uuid.uuid4().hex[:8]
    mine, theirs = await known_actors(actor(tag, "A"), actor(tag, "B"))
    survey = await open_survey(admin)
    await admin.post(
        f"/v1/surveys/{survey['id']}/invitations",
        json={"actor_ids": [str(mine), str(theirs)], "dry_run": False},
    )
    async with member_of(mine) as member:
        own = await member.get(f"/v1/invitations?actor_id={mine}")
        assert own.status_code == 200
        [invitation] = own.json()["items"]
        assert invitation["survey_id"] == survey["id"]
        assert (await member.get(f"/v1/invitations/{invitation['id']}")).status_code == 200
        assert (await member.get(f"/v1/invitations?actor_id={theirs}")).status_code == 403
        other = (await admin.get(f"/v1/invitations?actor_id={theirs}")).json()["items"][0]
        assert (await member.get(f"/v1/invitations/{other['id']}")).status_code == 404
        assert (await member.get(f"/v1/surveys/{survey['id']}/invitations")).status_code == 403
    assert (await anonymous.get(f"/v1/invitations?actor_id={mine}")).status_code == 401


async def test_reminders_go_once_and_never_to_who_unsubscribed(
    admin: httpx.AsyncClient, app: FastAPI, known_actors: KnownActors, surveys_mail: MailSink
) -> None:
    tag = uuid.uuid4().hex[:8]
    stays, leaves = f"stays-{tag}@example.org", f"leaves-{tag}@example.org"
    await known_actors(actor(tag, "Reste", email=stays), actor(tag, "Part", email=leaves))
    async with app.state.runtime.database.transaction() as session:
        # What the one-click unsubscribe of an earlier message wrote.
        await session.execute(
            sa.insert(mail.suppressions).values(address=leaves, kind="surveys", created_at=utcnow())
        )
    survey = await open_survey(admin)
    await admin.post(
        f"/v1/surveys/{survey['id']}/invitations",
        json={"people": [{"email": stays}, {"email": leaves}], "dry_run": False},
    )
    url = f"/v1/surveys/{survey['id']}/reminders"
    first = await admin.post(url, json={})
    assert first.json() == {"reminded": 1, "suppressed": 1}
    assert (await admin.post(url, json={})).json() == {"reminded": 0, "suppressed": 0}
    messages = await mails_to(surveys_mail, stays, count=2)
    # The invitation and the reminder, in whichever order the sender's batch sent them.
    subjects = [m.message["Subject"] for m in messages]
    assert sum("Rappel" in subject for subject in subjects) == 1, subjects
    to_leaver = [m for m in surveys_mail.received() if leaves in m.envelope_to]
    assert to_leaver == []  # neither the invitation nor the reminder


async def test_the_summary_counts_invitations_and_follows_their_mailing(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, app: FastAPI, known_actors: KnownActors
) -> None:
    tag = uuid.uuid4().hex[:8]
    writes, left = f"writes-{tag}@example.org", f"left-{tag}@example.org"
    [silent] = await known_actors(actor(tag, "Sans adresse"))
    async with app.state.runtime.database.transaction() as session:
        await session.execute(
            sa.insert(mail.suppressions).values(address=left, kind="surveys", created_at=utcnow())
        )
    survey = await open_survey(admin)
    url = f"/v1/surveys/{survey['id']}/invitations"
    made = await admin.post(
        url,
        json={
            "people": [{"email": writes}, {"email": left}],
            "actor_ids": [str(silent)],
            "dry_run": False,
        },
    )
    assert made.json()["created"] == 3, made.text

    async def mailed() -> dict[str, Any] | None:
        summary = await admin.get(url + "/summary")
        assert summary.status_code == 200, summary.text
        return dict(summary.json()) if summary.json()["mail"]["to_send"] == 0 else None

    # The sender polls every half second: the summary follows it.
    summary = await wait_until(mailed, within=30, what="the invitations mailed")
    assert summary == {
        "invitations": 3,
        "invited": 3,
        "partial": 0,
        "submitted": 0,
        "without_address": 1,
        "mail": {"to_send": 0, "sent": 1, "failed": 0, "suppressed": 1},
    }
    listed = (await admin.get(url)).json()["items"]
    token = next(i for i in listed if i["email"] == writes)["url"].rsplit("/", 1)[1]
    saved = await anonymous.put(f"/v1/responses/{token}", json={"answers": {"staff": 3}})
    assert saved.status_code == 200, saved.text
    after = (await admin.get(url + "/summary")).json()
    assert (after["invited"], after["partial"]) == (2, 1)
    # A reminder is not an invitation's message: the mailing's figures stay as they were.
    await admin.post(f"/v1/surveys/{survey['id']}/reminders", json={})
    assert (await admin.get(url + "/summary")).json()["mail"] == summary["mail"]

    missing = await admin.get(f"/v1/surveys/{uuid.uuid4()}/invitations/summary")
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"] == "application/problem+json"


async def test_the_unsubscribe_link_of_an_invitation_works_and_staff_see_the_message(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    surveys_mail: MailSink,
) -> None:
    """The link in the invitation's List-Unsubscribe header is served by this service (the
    gateway routes it here by the token's issuer): one click, and reminders pass it by."""
    tag = uuid.uuid4().hex[:8]
    address = f"desabonne-{tag}@example.org"
    survey = await open_survey(admin)
    invited = await admin.post(
        f"/v1/surveys/{survey['id']}/invitations",
        json={"people": [{"email": address}], "dry_run": False},
    )
    assert invited.json()["created"] == 1, invited.text
    (received,) = await mails_to(surveys_mail, address)
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = received.message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC_URL}/p/unsubscribe/"), link
    path = link.removeprefix(PUBLIC_URL)

    page = await anonymous.get(path)
    assert page.status_code == 200, page.text
    assert "les invitations et les rappels des questionnaires du réseau" in page.text
    assert address not in page.text, "the address is masked"
    # RFC 8058: what a mail client POSTs, with no cookie and no form token.
    done = await anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200, done.text

    reminded = await admin.post(f"/v1/surveys/{survey['id']}/reminders", json={})
    assert reminded.json() == {"reminded": 0, "suppressed": 1}

    # Staff find the invitation among the service's messages; members do not.
    async def sent() -> list[dict[str, Any]] | None:
        listed = await admin.get("/v1/mail/surveys", params={"to": address})
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items if items and items[0]["status"] == "sent" else None

    (message,) = await wait_until(sent, what="the invitation listed as sent")
    assert message["template"] == "survey_invitation"
    async with member_of(uuid.uuid4()) as member:
        assert (await member.get("/v1/mail/surveys")).status_code == 403
    assert (await anonymous.get("/v1/mail/surveys")).status_code == 401


async def test_an_invitation_to_a_survey_not_open_yet_says_when_it_opens(
    admin: httpx.AsyncClient, surveys_mail: MailSink
) -> None:
    # Published now, answerable from 1 March 2027 (a link opened before says "not open yet").
    survey = await open_survey(admin, opens_at="2027-03-01T08:00:00+01:00")
    tag = uuid.uuid4().hex[:8]
    french, english = f"plus-tard-{tag}@example.org", f"later-{tag}@example.org"
    invited = await admin.post(
        f"/v1/surveys/{survey['id']}/invitations",
        json={
            "people": [{"email": french}, {"email": english, "language": "en"}],
            "dry_run": False,
        },
    )
    assert invited.json()["created"] == 2, invited.text
    (in_french,) = await mails_to(surveys_mail, french)
    (in_english,) = await mails_to(surveys_mail, english)
    assert "Il ouvre le lundi 1 mars 2027 à 08:00" in in_french.text
    assert "Il ouvre le lundi 1 mars 2027 à 08:00" in in_french.html
    assert "It opens on Monday 1 March 2027 at 08:00" in in_english.text
    assert "It opens on Monday 1 March 2027 at 08:00" in in_english.html
