"""The training → satisfaction chain: attendance from the events service's domain events,
one invitation per training and person, the morning after."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from nats.js import JetStreamContext

from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.mail.sink import MailSink, ReceivedMail
from kit.testing.polling import wait_until
from surveys.db import mail
from surveys.feedback.models import TrainingFeedback
from surveys.feedback.service import feedback_service
from surveys.invitations.models import Invitation


async def attendance(
    js: JetStreamContext, *, event_id: uuid.UUID, survey_id: str | None, **data: Any
) -> None:
    payload = {
        "registration_id": str(uuid.uuid4()),
        "event_id": str(event_id),
        "event_title": "Animer un atelier de médiation",
        "event_kind": "training",
        "name": "Maëlle Kerbrat",
        "email": "Maelle.Kerbrat@exemple.fr",
        "attended": True,
        "session": None,
        "recorded_at": "2026-12-07T15:00:00+00:00",
        "feedback_survey_id": survey_id,
        "event_themes": ["biology"],
        "event_starts_at": "2026-12-07T08:00:00+00:00",
        **data,
    }
    event = CloudEvent(
        source="maillage/events",
        type="events.attendance.recorded",
        subject=payload["registration_id"],
        data=payload,
    )
    await js.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": event.id})


async def rows(app: FastAPI, event_id: uuid.UUID) -> list[TrainingFeedback]:
    async with app.state.runtime.database.transaction() as session:
        found = await session.scalars(
            sa.select(TrainingFeedback).where(TrainingFeedback.event_id == event_id)
        )
        return list(found.all())


async def test_present_attendees_are_invited_once_the_morning_after(
    app: FastAPI, admin: httpx.AsyncClient, jetstream: JetStreamContext
) -> None:
    await ensure_streams(jetstream, ["EVENTS"])
    survey = (
        await admin.post(
            "/v1/surveys",
            json={
                "title": {"fr": "Votre avis sur la formation"},
                "series": "satisfaction-formations",
                "sections": [
                    {
                        "code": "avis",
                        "title": {"fr": "Avis"},
                        "questions": [
                            {
                                "code": "reco",
                                "type": "scale",
                                "preset": "nps",
                                "label": {"fr": "Recommanderiez-vous cette formation ?"},
                            }
                        ],
                    }
                ],
            },
        )
    ).json()
    assert (await admin.post(f"/v1/surveys/{survey['id']}/publish")).status_code == 200
    training = uuid.uuid4()

    await attendance(jetstream, event_id=training, survey_id=survey["id"])
    await attendance(jetstream, event_id=training, survey_id=survey["id"])  # recorded twice
    await attendance(  # absent: never invited
        jetstream,
        event_id=training,
        survey_id=survey["id"],
        email="absent@exemple.fr",
        attended=False,
    )
    await attendance(  # not a training: not this chain
        jetstream,
        event_id=training,
        survey_id=survey["id"],
        email="forum@exemple.fr",
        event_kind="forum",
    )
    await attendance(jetstream, event_id=training, survey_id=survey["id"], email="b@exemple.fr")

    async def both() -> list[TrainingFeedback] | None:
        found = await rows(app, training)
        return found if len(found) == 2 else None

    found = await wait_until(both, what="two attendees noted")
    first = next(r for r in found if r.email == "maelle.kerbrat@exemple.fr")
    assert first.due_at == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # 9:00 in Paris
    assert first.event_themes == ["biology"]

    database = app.state.runtime.database
    async with database.transaction() as session:
        early = await feedback_service.invite_due(session, now=first.due_at - timedelta(minutes=1))
    assert early["invited"] == 0
    # (Both backends' apps hear the same NATS: rows of the other run name a survey unknown
    # here and are skipped, hence counts of invitations only.)
    async with database.transaction() as session:
        counts = await feedback_service.invite_due(session, now=first.due_at)
    assert counts["invited"] == 2
    async with database.transaction() as session:
        again = await feedback_service.invite_due(session, now=first.due_at + timedelta(days=1))
    assert again["invited"] == 0

    async with database.transaction() as session:
        invitations = (
            await session.scalars(
                sa.select(Invitation).where(Invitation.survey_id == uuid.UUID(survey["id"]))
            )
        ).all()
        messages = (
            await session.execute(
                sa.select(mail.table.c.recipient, mail.table.c.template).where(
                    mail.table.c.recipient.in_([i.email for i in invitations])
                )
            )
        ).all()
    assert sorted(i.email or "" for i in invitations) == [
        "b@exemple.fr",
        "maelle.kerbrat@exemple.fr",
    ]
    assert sorted(messages) == [
        ("b@exemple.fr", "survey_invitation"),
        ("maelle.kerbrat@exemple.fr", "survey_invitation"),
    ]
    assert {r.status for r in await rows(app, training)} == {"invited"}


async def test_a_survey_shared_by_trainings_asks_about_each_and_is_cut_by_them(
    app: FastAPI,
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    jetstream: JetStreamContext,
) -> None:
    await ensure_streams(jetstream, ["EVENTS"])
    survey = (await admin.post("/v1/surveys", json=satisfaction_survey())).json()
    assert (await admin.post(f"/v1/surveys/{survey['id']}/publish")).status_code == 200
    # One satisfaction survey, two trainings a year apart; Maëlle attends both.
    autumn, winter = uuid.uuid4(), uuid.uuid4()
    person = f"maelle-{uuid.uuid4().hex[:6]}@exemple.fr"
    for training, title, themes, starts in (
        (autumn, "Animer un atelier", ["biology"], "2025-11-05T08:00:00+00:00"),
        (winter, "Médiation du ciel", ["astronomy", "biology"], "2026-12-07T08:00:00+00:00"),
    ):
        await attendance(
            jetstream,
            event_id=training,
            survey_id=survey["id"],
            email=person,
            event_title=title,
            event_themes=themes,
            event_starts_at=starts,
        )

    async def both() -> bool:
        return len(await rows(app, autumn)) == 1 and len(await rows(app, winter)) == 1

    await wait_until(both, what="both attendances noted")
    database = app.state.runtime.database
    async with database.transaction() as session:
        await feedback_service.invite_due(session, now=datetime(2027, 1, 1, tzinfo=UTC))
    async with database.transaction() as session:
        invitations = (
            await session.scalars(
                sa.select(Invitation).where(Invitation.survey_id == uuid.UUID(survey["id"]))
            )
        ).all()
        messages = (
            await session.execute(
                sa.select(mail.table.c.template, mail.table.c.data).where(
                    mail.table.c.recipient == person
                )
            )
        ).all()
    # Once per training and person (before: one link for the survey, the second skipped).
    assert sorted((i.email, str(i.training_id)) for i in invitations) == sorted(
        [(person, str(autumn)), (person, str(winter))]
    )
    assert sorted(data["training"] for _, data in messages) == [
        "Animer un atelier",
        "Médiation du ciel",
    ]
    assert {r.status for r in await rows(app, autumn) + await rows(app, winter)} == {"invited"}

    # She rates each training through its own link: 9 for the autumn one, 4 for the winter one.
    for invitation in invitations:
        score = 9 if invitation.training_id == autumn else 4
        submit = await anonymous.post(
            f"/v1/responses/{invitation.token}/submit", json={"answers": {"reco": score}}
        )
        assert submit.status_code == 200, submit.text

    def scores(results: dict[str, Any]) -> dict[int, int]:
        [reco] = results["questions"]
        return {d["value"]: d["count"] for d in reco["distribution"] if d["count"]}

    url = f"/v1/surveys/{survey['id']}"
    assert scores((await admin.get(f"{url}/results")).json()) == {9: 1, 4: 1}
    by_training = await admin.get(f"{url}/results", params={"training": str(winter)})
    assert scores(by_training.json()) == {4: 1}
    assert scores((await admin.get(f"{url}/results", params={"year": "2025"})).json()) == {9: 1}
    themed = await admin.get(f"{url}/results", params={"training_theme": "biology"})
    assert scores(themed.json()) == {9: 1, 4: 1}

    for by, expected in (
        ("training", {(str(autumn),): {9: 1}, (str(winter),): {4: 1}}),
        ("year", {(2025,): {9: 1}, (2026,): {4: 1}}),
        ("training_theme", {("astronomy",): {4: 1}, ("biology",): {9: 1, 4: 1}}),
    ):
        table = await admin.get(f"{url}/crosstab", params={"question": "reco", "by": by})
        assert table.status_code == 200, table.text
        found = {
            tuple(row["cut"].values()): {c["code"]: c["count"] for c in row["cells"] if c["count"]}
            for row in table.json()["rows"]
        }
        assert found == expected, by
    assert (await admin.get(f"{url}/results", params={"year": "last"})).status_code == 422

    # The series' indicator, by the trainings' year: promoters minus detractors per cut.
    created = await admin.post(
        "/v1/indicators",
        json={
            "name": {"fr": "Recommandation", "en": "Recommendation"},
            "series": survey["series"],
            "question": "reco",
            "measure": "nps",
        },
    )
    assert created.status_code == 201, created.text
    by_year = await admin.get(f"/v1/indicators/{created.json()['id']}", params={"by": "year"})
    assert by_year.status_code == 200, by_year.text
    [wave] = by_year.json()["waves"]
    assert wave["value"] == 0.0
    assert {cut["cut"]: cut["value"] for cut in wave["cuts"]} == {2025: 100.0, 2026: -100.0}


def satisfaction_survey() -> dict[str, Any]:
    return {
        "title": {"fr": "Votre avis sur la formation"},
        "series": f"satisfaction-{uuid.uuid4().hex[:6]}",
        "sections": [
            {
                "code": "avis",
                "title": {"fr": "Avis"},
                "questions": [
                    {
                        "code": "reco",
                        "type": "scale",
                        "preset": "nps",
                        "label": {"fr": "Recommanderiez-vous cette formation ?"},
                    }
                ],
            }
        ],
    }


async def mails_to(sink: MailSink, address: str, count: int) -> list[ReceivedMail]:
    async def arrived() -> list[ReceivedMail] | None:
        found = [m for m in sink.received() if address in m.envelope_to]
        return found if len(found) >= count else None

    return await wait_until(arrived, within=30, what=f"{count} message(s) to {address}")


async def test_the_invitation_and_its_reminder_name_the_training_in_the_persons_language(
    app: FastAPI, admin: httpx.AsyncClient, jetstream: JetStreamContext, surveys_mail: MailSink
) -> None:
    await ensure_streams(jetstream, ["EVENTS"])
    survey = (await admin.post("/v1/surveys", json=satisfaction_survey())).json()
    assert (await admin.post(f"/v1/surveys/{survey['id']}/publish")).status_code == 200
    training = uuid.uuid4()
    tag = uuid.uuid4().hex[:6]
    french, english = f"fr-{tag}@exemple.fr", f"en-{tag}@example.org"
    for email, language in ((french, "fr"), (english, "en")):
        await attendance(
            jetstream,
            event_id=training,
            survey_id=survey["id"],
            email=email,
            event_title="Médiation du ciel",
            event_starts_at="2026-12-08T08:30:00+00:00",  # 9:30 in Paris
            event_place="Quai des Savoirs, 39 allées Jules Guesde, 31000 Toulouse",
            language=language,
        )

    async def both() -> bool:
        return len(await rows(app, training)) == 2

    await wait_until(both, what="both attendances noted")
    async with app.state.runtime.database.transaction() as session:
        await feedback_service.invite_due(session, now=datetime(2027, 1, 1, tzinfo=UTC))

    place = "Quai des Savoirs, 39 allées Jules Guesde, 31000 Toulouse"
    [to_french] = await mails_to(surveys_mail, french, 1)
    assert to_french.message["Subject"] == "Votre avis sur la formation « Médiation du ciel »"
    told = (
        f"Vous avez participé à la formation « Médiation du ciel » (mardi 8 décembre 2026, {place})"
    )
    assert told in to_french.text
    assert told in to_french.html
    [to_english] = await mails_to(surveys_mail, english, 1)
    assert to_english.message["Subject"] == "Your view of the training “Médiation du ciel”"
    assert (
        f"You attended the training “Médiation du ciel” (Tuesday 8 December 2026, {place})"
        in to_english.text
    )
    assert "Bonjour" not in to_english.text

    # Neither has answered: the reminder names the training too, each in their language.
    reminded = await admin.post(f"/v1/surveys/{survey['id']}/reminders", json={})
    assert reminded.json() == {"reminded": 2, "suppressed": 0}
    reminder = (await mails_to(surveys_mail, french, 2))[-1]
    assert (
        reminder.message["Subject"] == "Rappel : votre avis sur la formation « Médiation du ciel »"
    )
    assert f"sur la formation « Médiation du ciel » (mardi 8 décembre 2026, {place})." in (
        reminder.text
    )
    reminder = (await mails_to(surveys_mail, english, 2))[-1]
    assert reminder.message["Subject"] == "Reminder: your view of the training “Médiation du ciel”"
    assert f"about the training “Médiation du ciel” (Tuesday 8 December 2026, {place}) yet." in (
        reminder.text
    )


async def test_a_training_without_day_nor_place_is_named_alone(
    app: FastAPI, admin: httpx.AsyncClient, jetstream: JetStreamContext, surveys_mail: MailSink
) -> None:
    """An attendance noted before events told the place (and an online training) still
    names its training, without empty parentheses."""
    await ensure_streams(jetstream, ["EVENTS"])
    survey = (await admin.post("/v1/surveys", json=satisfaction_survey())).json()
    assert (await admin.post(f"/v1/surveys/{survey['id']}/publish")).status_code == 200
    training = uuid.uuid4()
    email = f"seule-{uuid.uuid4().hex[:6]}@exemple.fr"
    await attendance(
        jetstream,
        event_id=training,
        survey_id=survey["id"],
        email=email,
        event_title="Atelier en ligne",
        event_starts_at=None,
    )

    async def noted() -> bool:
        return len(await rows(app, training)) == 1

    await wait_until(noted, what="attendance noted")
    async with app.state.runtime.database.transaction() as session:
        await feedback_service.invite_due(session, now=datetime(2027, 1, 1, tzinfo=UTC))
    [mail_] = await mails_to(surveys_mail, email, 1)
    assert "Vous avez participé à la formation « Atelier en ligne » : ce questionnaire" in (
        mail_.text
    )
