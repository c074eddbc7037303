"""Migrations carry surveys written before sections forward, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kit.db import Database
from kit.migrations import upgrade
from kit.sqltypes import Json, UtcDateTime
from kit.testing.plugin import BACKENDS, DatabaseFactory
from surveys.invitations.models import Invitation
from surveys.main import SERVICE_ROOT
from surveys.questionnaires.models import Survey
from surveys.responses.models import Response

from .test_counted_answers import OLD_SURVEYS as SURVEYS_AT_0005

OLD_SURVEYS = sa.table(
    "surveys",
    sa.column("id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("languages", Json),
    sa.column("status", sa.String()),
    sa.column("anonymous", sa.Boolean()),
    sa.column("audience", Json),
    sa.column("questions", Json),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer()),
)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_questions_move_into_one_section_with_their_conditions(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "surveys_migration")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0001")
    database = Database(url)
    survey_id = uuid.uuid4()
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.insert(OLD_SURVEYS),
                {
                    "id": survey_id,
                    "title": "Enquête bibliothèques",
                    "languages": ["fr"],
                    "status": "open",
                    "anonymous": False,
                    "audience": {},
                    "questions": [
                        {"code": "lends", "type": "boolean", "label": {"fr": "Prêtez-vous ?"}},
                        {
                            "code": "what",
                            "type": "text",
                            "label": {"fr": "Quoi ?"},
                            "show_if": {"code": "lends", "equals": True},
                        },
                    ],
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                },
            )
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "head")
        async with database.transaction() as session:
            row = (
                await session.execute(
                    sa.select(sa.column("title", Json), sa.column("sections", Json)).select_from(
                        sa.table("surveys")
                    )
                )
            ).one()
    finally:
        await database.dispose()
    assert row.title == {"fr": "Enquête bibliothèques"}
    [section] = row.sections
    assert [(q["code"], q["type"]) for q in section["questions"]] == [
        ("lends", "yes_no"),
        ("what", "short_text"),
    ]
    assert section["questions"][1]["show_if"] == {"q": "lends", "op": "eq", "value": True}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_anonymous_responses_written_before_lose_their_moment_and_submitted_their_key(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "surveys_migration_anonymous")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0003")
    database = Database(url)
    moment = datetime(2026, 12, 7, 10, 41, 7, tzinfo=UTC)
    survey = Survey(
        id=uuid.uuid4(),
        title={"fr": "Anonyme"},
        languages=["fr"],
        status="open",
        anonymous=True,
        sections=[],
        current_version=1,
    )
    invited = {"survey_id": survey.id, "source": "email", "created_at": moment, "reminders_sent": 0}
    # Written with the columns revision 0003 has (an ORM insert names every column of today's
    # model, invitations.training_id included).
    later = moment + timedelta(hours=1)
    used = {"id": uuid.uuid4(), "token": "a", "status": "submitted", "updated_at": later}
    begun = {"id": uuid.uuid4(), "token": "b", "status": "partial", "updated_at": later}
    answered = {"survey_id": survey.id, "version": 1, "answers": {}, "language": "fr"}
    submitted = Response(
        id=uuid.uuid4(),
        respondent_key="k1",
        status="submitted",
        created_at=moment,
        updated_at=moment,
        submitted_at=moment,
        **answered,
    )
    partial = Response(
        id=uuid.uuid4(),
        respondent_key="k2",
        status="partial",
        created_at=moment,
        updated_at=moment,
        **answered,
    )
    try:
        async with database.transaction() as session:
            session.add(survey)
            await session.flush()
            await session.execute(
                sa.insert(Invitation), [{**used, **invited}, {**begun, **invited}]
            )
            session.add_all([submitted, partial])
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "head")
        async with database.transaction() as session:
            responses = {
                r.status: r
                for r in await session.scalars(
                    sa.select(Response).execution_options(populate_existing=True)
                )
            }
            invitations = {
                i.token: i
                for i in await session.scalars(
                    sa.select(Invitation).execution_options(populate_existing=True)
                )
            }
    finally:
        await database.dispose()
    day = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # midnight, Paris
    assert responses["submitted"].respondent_key is None
    assert responses["partial"].respondent_key == "k2"  # still to be found by its link
    assert {responses["submitted"].submitted_at, responses["partial"].created_at} == {day}
    assert (invitations["a"].status, invitations["b"].status) == ("submitted", "invited")
    assert {i.updated_at for i in invitations.values()} == {moment}


OLD_INVITATIONS = sa.table(
    "invitations",
    sa.column("id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    *(sa.column(c, sa.String()) for c in ("email", "token", "source", "language", "status")),
    sa.column("reminders_sent", sa.Integer()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)
OLD_FEEDBACK = sa.table(
    "training_feedback",
    *(sa.column(c, sa.Uuid()) for c in ("id", "event_id", "survey_id", "invitation_id")),
    *(sa.column(c, sa.String()) for c in ("event_title", "email", "name", "status")),
    sa.column("event_themes", Json),
    *(sa.column(c, UtcDateTime()) for c in ("attended_at", "due_at", "created_at")),
)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_invitations_made_after_a_training_before_0007_name_it(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "surveys_training_backfill")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0006")
    database = Database(url)
    survey_id, event_id, after, plain = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.insert(SURVEYS_AT_0005),
                {
                    "id": survey_id, "title": {"fr": "Satisfaction"}, "languages": ["fr"],
                    "status": "open", "anonymous": False, "allow_edit_after_submit": False,
                    "sections": [], "current_version": 1, "created_at": now, "updated_at": now,
                    "version": 1,
                },
            )  # fmt: skip
            await session.execute(
                sa.insert(OLD_INVITATIONS),
                [
                    {
                        "id": id_, "survey_id": survey_id, "email": f"{source}@example.org",
                        "token": uuid.uuid4().hex, "source": source, "language": "fr",
                        "status": "invited", "reminders_sent": 0, "created_at": now,
                        "updated_at": now,
                    }
                    for id_, source in ((after, "training"), (plain, "people"))
                ],
            )  # fmt: skip
            await session.execute(
                sa.insert(OLD_FEEDBACK),
                {
                    "id": uuid.uuid4(), "event_id": event_id, "event_title": "Atelier",
                    "event_themes": [], "survey_id": survey_id, "email": "training@example.org",
                    "name": "Ada", "attended_at": now, "due_at": now, "status": "invited",
                    "invitation_id": after, "created_at": now,
                },
            )  # fmt: skip
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        async with database.transaction(write=False) as session:
            named = dict(
                (await session.execute(sa.select(Invitation.id, Invitation.training_id))).all()
            )
    finally:
        await database.dispose()
    assert named == {after: event_id, plain: None}
