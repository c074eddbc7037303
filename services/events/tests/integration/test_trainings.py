"""Trainings on both backends: objectives, trainers, prerequisites, sessions, attendance."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from icalendar import Calendar
from nats.js import JetStreamContext

from kit.testing.jetstream import stream_messages
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"
NewEvent = Callable[..., Awaitable[dict[str, Any]]]
Announce = Callable[..., Awaitable[Any]]

#: Three half days: the first two make the « Fondamentaux » session, the third its own.
DAY_1 = {"start": "2031-10-06T09:00:00+02:00", "end": "2031-10-06T12:30:00+02:00"}
DAY_2 = {"start": "2031-10-07T09:00:00+02:00", "end": "2031-10-07T12:30:00+02:00"}
DAY_3 = {"start": "2031-11-03T14:00:00+01:00", "end": "2031-11-03T17:30:00+01:00"}

ELSEWHEN = {"start": "2031-10-06T14:00:00+02:00", "end": "2031-10-06T17:00:00+02:00"}


def training(**overrides: Any) -> dict[str, Any]:
    return {
        "objectives": [
            "Concevoir un atelier de médiation scientifique",
            "Adapter son discours aux publics éloignés",
        ],
        "trainers": [{"name": "Noémie Da Silva"}],
        "prerequisites": ["Avoir animé au moins un atelier"],
        # Given out of order, and with the first timing in UTC: matched by instant.
        "sessions": [
            {
                "title": "Fondamentaux",
                "timings": [
                    DAY_2,
                    {"start": "2031-10-06T07:00:00Z", "end": "2031-10-06T10:30:00Z"},
                ],
            },
            {"title": "Retour d'expérience", "timings": [DAY_3]},
        ],
        **overrides,
    }


async def a_training(new_event: NewEvent, **overrides: Any) -> dict[str, Any]:
    return await new_event(
        **{"timings": [DAY_3, DAY_1, DAY_2], "training": training(), **overrides}
    )


async def test_a_training_carries_objectives_trainers_prerequisites_and_sessions(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    announce: Announce,
    new_event: NewEvent,
) -> None:
    trainer_id = uuid.uuid4()
    await announce("directory.actor.created", trainer_id, kind="person", name="Hugo Bénard")
    event = await a_training(
        new_event,
        training=training(
            trainers=[
                {"name": "Noémie Da Silva"},
                {"name": "Hugo Bénard", "actor_id": str(trainer_id)},
            ]
        ),
    )
    read = (await anonymous.get(f"/v1/events/{event['id']}")).json()
    assert read["training"] == event["training"]
    assert read["training"]["objectives"][1] == "Adapter son discours aux publics éloignés"
    assert read["training"]["trainers"] == [
        {"name": "Noémie Da Silva", "actor_id": None},
        {"name": "Hugo Bénard", "actor_id": str(trainer_id)},
    ]
    assert read["training"]["prerequisites"] == ["Avoir animé au moins un atelier"]
    sessions = read["training"]["sessions"]
    assert [s["title"] for s in sessions] == ["Fondamentaux", "Retour d'expérience"]
    # Each session's timings in order of start.
    assert [t["end"] for t in sessions[0]["timings"]] == ["2031-10-06T10:30:00Z", DAY_2["end"]]

    listed = (await admin.get(f"/v1/events?organizer_id={event['organizer_ids'][0]}")).json()
    assert listed["items"][0]["training"]["sessions"][1]["title"] == "Retour d'expérience"
    other = await new_event(kind="forum")
    assert other["training"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"kind": "forum"}, "training", "only events of kind training"),
        (
            {
                "training": training(
                    sessions=[{"title": "Hors cadre", "timings": [DAY_1, ELSEWHEN]}]
                )
            },
            "training.sessions[0].timings[1]",
            "not one of the event's timings",
        ),
        (
            {
                "training": training(
                    sessions=[
                        {"title": "A", "timings": [DAY_1]},
                        {"title": "B", "timings": [DAY_2, DAY_1]},
                    ]
                )
            },
            "training.sessions[1].timings[1]",
            "already in session 0",
        ),
        (
            {"training": training(trainers=[{"name": "X", "actor_id": str(uuid.uuid4())}])},
            "training.trainers[0].actor_id",
            "unknown",
        ),
        (
            {"training": training(sessions=[{"title": "Vide", "timings": []}])},
            "training.sessions[0].timings",
            "",
        ),
        ({"training": training(objectives=["  "])}, "training.objectives[0]", ""),
        ({"training": {"objectifs": ["x"]}}, "training.objectifs", ""),
    ],
)
async def test_bad_training_input_is_a_problem_naming_the_field_and_writes_nothing(
    admin: httpx.AsyncClient,
    announce: Announce,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Science Animation")
    title = f"Formation invalide {uuid.uuid4()}"
    body = {
        "title": title,
        "kind": "training",
        "organizer_ids": [str(actor_id)],
        "timings": [DAY_1, DAY_2, DAY_3],
        "attendance_mode": "online",
        "online_url": "https://visio.exemple.fr/formation",
        "training": training(),
        **overrides,
    }

    async def answered() -> httpx.Response | None:
        response = await admin.post("/v1/events", json=body)
        if "organizer_ids[0]" in response.text:
            return None  # the organizer is still on its way from the directory
        return response

    response = await wait_until(answered, what="organizer known")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert field in errors, errors
    assert words in str(errors[field])
    listed = (await admin.get(f"/v1/events?organizer_id={actor_id}")).json()["items"]
    assert listed == []


async def test_changing_a_training(admin: httpx.AsyncClient, new_event: NewEvent) -> None:
    event = await a_training(new_event)
    url = f"/v1/events/{event['id']}"

    objectives = await admin.patch(url, json={"training": {"objectives": ["Animer un débat"]}})
    assert objectives.status_code == 200, objectives.text
    changed = objectives.json()["training"]
    assert changed["objectives"] == ["Animer un débat"]
    assert changed["sessions"] == event["training"]["sessions"]  # the rest stays
    assert changed["trainers"] == event["training"]["trainers"]

    # Dropping a timing a session holds is refused, and changes nothing.
    orphan = await admin.patch(url, json={"timings": [DAY_1, DAY_2]})
    assert orphan.status_code == 422
    assert orphan.json()["errors"][0]["field"] == "training.sessions[1].timings[0]"
    assert len((await admin.get(url)).json()["timings"]) == 3

    # Another kind must leave the training details behind.
    forum = await admin.patch(url, json={"kind": "forum"})
    assert forum.status_code == 422
    assert forum.json()["errors"][0]["field"] == "training"
    dropped = await admin.patch(url, json={"kind": "forum", "training": None})
    assert dropped.status_code == 200, dropped.text
    assert (dropped.json()["kind"], dropped.json()["training"]) == ("forum", None)


async def published(js: JetStreamContext, subject: str, count: int) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]] | None:
        messages = await stream_messages(js, "EVENTS", "events.attendance.recorded")
        envelopes = [orjson.loads(m.data or b"{}") for m in messages]
        ours = [e for e in envelopes if e["subject"] == subject]
        return ours if len(ours) >= count else None

    return await wait_until(probe, what=f"attendance of {subject} published")


async def test_attendance_per_session_of_a_training(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    feedback_survey_id = str(uuid.uuid4())
    event = await a_training(
        new_event,
        themes=["biology", "health"],
        training=training(feedback_survey_id=feedback_survey_id),
    )
    assert event["training"]["feedback_survey_id"] == feedback_survey_id
    registration = (
        await anonymous.post(
            f"/v1/events/{event['id']}/registrations",
            json={"name": "Maëlle Kerbrat", "email": "maelle.kerbrat@exemple.fr", "language": "en"},
        )
    ).json()
    url = f"/v1/registrations/{registration['id']}/attendance"

    absent = await admin.post(url, json={"attended": False, "session": 1})
    assert absent.status_code == 200, absent.text
    assert (absent.json()["sessions_attended"], absent.json()["attended"]) == ({"1": False}, False)
    present = await admin.post(url, json={"attended": True, "session": 0})
    assert present.json()["sessions_attended"] == {"0": True, "1": False}
    assert present.json()["attended"] is True
    # Two sessions declared over three timings: session 2 does not exist.
    beyond = await admin.post(url, json={"attended": True, "session": 2})
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["field"] == "session"
    assert "2 session(s)" in beyond.text
    # Attendance for the whole registration still works.
    whole = await admin.post(url, json={"attended": False})
    assert whole.json()["attended"] is False
    assert whole.json()["sessions_attended"] == {"0": True, "1": False}

    recorded = await published(jetstream, registration["id"], 3)
    assert [(e["data"]["session"], e["data"]["attended"]) for e in recorded] == [
        (1, False),
        (0, True),
        (None, False),
    ]
    assert recorded[0]["data"]["event_kind"] == "training"
    # What the surveys service needs for the satisfaction chain, without reading our database.
    assert recorded[0]["data"]["feedback_survey_id"] == feedback_survey_id
    assert recorded[0]["data"]["event_themes"] == ["biology", "health"]
    assert recorded[0]["data"]["event_starts_at"] == DAY_1["start"]  # the first day
    # What its invitation tells: the place on one line, in the registrant's language.
    assert recorded[0]["data"]["event_place"].startswith("Quai des Savoirs, ")
    assert recorded[0]["data"]["event_place"].endswith("Toulouse")
    assert recorded[0]["data"]["language"] == "en"

    export = await admin.get(f"/v1/events/{event['id']}/registrations.csv")
    assert "1:oui 2:non" in export.content.decode("utf-8-sig")


async def test_a_training_in_json_ld_and_icalendar(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await a_training(new_event)
    document = (
        await anonymous.get(f"/v1/events/{event['id']}", headers={"Accept": "application/ld+json"})
    ).json()
    assert document["@type"] == "EducationEvent"
    assert document["teaches"] == event["training"]["objectives"]
    assert document["performer"] == [{"@type": "Person", "name": "Noémie Da Silva"}]
    assert document["about"] == {
        "@type": "Course",
        "name": event["title"],
        "teaches": event["training"]["objectives"],
        "coursePrerequisites": ["Avoir animé au moins un atelier"],
    }
    assert [(s["name"], s["startDate"], s["endDate"]) for s in document["subEvent"]] == [
        ("Fondamentaux", "2031-10-06T07:00:00+00:00", DAY_2["end"]),
        ("Retour d'expérience", DAY_3["start"], DAY_3["end"]),
    ]

    ics = await anonymous.get(f"/v1/events/{event['id']}.ics")
    assert ics.status_code == 200
    vevents = Calendar.from_ical(ics.content).walk("VEVENT")
    assert [str(v["SUMMARY"]) for v in vevents] == [
        f"{event['title']} : Fondamentaux",
        f"{event['title']} : Fondamentaux",
        f"{event['title']} : Retour d'expérience",
    ]
    description = str(vevents[0]["DESCRIPTION"])
    assert "Objectifs :\n- Concevoir un atelier de médiation scientifique" in description
    assert "Formateurs : Noémie Da Silva" in description
    assert "Prérequis :\n- Avoir animé au moins un atelier" in description


async def test_attendance_sheet_per_session(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await a_training(new_event)
    people = [
        (
            await anonymous.post(
                f"/v1/events/{event['id']}/registrations",
                json={"name": f"Stagiaire {n}", "email": f"stagiaire.{n}@exemple.fr"},
            )
        ).json()
        for n in range(4)
    ]
    marks = [(0, 0, True), (0, 1, True), (1, 0, True), (1, 1, False), (2, 0, False)]
    for person, session, attended in marks:
        url = f"/v1/registrations/{people[person]['id']}/attendance"
        response = await admin.post(url, json={"attended": attended, "session": session})
        assert response.status_code == 200, response.text
    cancelled = await anonymous.post(people[3]["cancel_url"])
    assert cancelled.json()["status"] == "cancelled"  # no longer counted

    sheet = await admin.get(f"/v1/events/{event['id']}/attendance")
    assert sheet.status_code == 200, sheet.text
    body = sheet.json()
    assert body["confirmed"] == 3
    # The whole-event mark follows the sessions: present at any session is present.
    assert body["event"] == {"present": 2, "absent": 1, "unrecorded": 0}
    assert [
        (s["index"], s["title"], len(s["timings"]), s["present"], s["absent"], s["unrecorded"])
        for s in body["sessions"]
    ] == [(0, "Fondamentaux", 2, 2, 1, 0), (1, "Retour d'expérience", 1, 1, 1, 1)]
    assert body["sessions"][1]["timings"] == [DAY_3]

    plain = await new_event(kind="forum")
    one = await anonymous.post(
        f"/v1/events/{plain['id']}/registrations",
        json={"name": "Visiteur", "email": "visiteur@exemple.fr"},
    )
    assert one.status_code == 201
    forum_sheet = (await admin.get(f"/v1/events/{plain['id']}/attendance")).json()
    assert forum_sheet["event"] == {"present": 0, "absent": 0, "unrecorded": 1}
    assert [(s["title"], s["unrecorded"]) for s in forum_sheet["sessions"]] == [(plain["title"], 1)]
