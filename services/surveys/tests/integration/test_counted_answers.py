"""Results counted in the database (``answer_values``, ``response_cuts``) on both backends.

The figures the API gives are compared with the pure statistics over the raw answers (what
results used to decode from every response): every question type, with filters, with the
public view's suppression, and the crosstabs by single- and multi-valued attributes. Then the
counted form follows what changes after submission: an edit after submit, a deletion, an
actor the projection learns of later, and the backfill of responses written before it."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI

from kit.db import Database
from kit.migrations import alembic_config, upgrade
from kit.sqltypes import Json, UtcDateTime
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until
from surveys.actors.repository import known_actor_repository
from surveys.answers.models import AnswerCount, AnswerValue, ResponseCut
from surveys.answers.repository import answer_repository
from surveys.main import SERVICE_ROOT
from surveys.responses.models import Response
from surveys.results.crosstab import Respondent, crosstab
from surveys.results.cuts import attributes_of, shape_of
from surveys.results.statistics import summarise

from .conftest import Announce, KnownActors, submitted
from .test_invitations import open_survey
from .test_responses import FULL, invite

CHOICES = [{"code": c, "label": {"fr": c}} for c in ("a", "b", "c", "d")]
REGIONS = ["76", "75", "84", "11"]
TYPES = ["association", "museum", "library"]


def every_type() -> list[dict[str, Any]]:
    return [
        {"code": "single", "type": "single_choice", "choices": CHOICES, "allow_other": True},
        {"code": "multi", "type": "multiple_choice", "choices": CHOICES},
        {"code": "yes", "type": "yes_no"},
        {"code": "count", "type": "integer", "min": 0},
        {"code": "amount", "type": "decimal"},
        {"code": "points", "type": "scale", "min": 1, "max": 5},
        {"code": "nps", "type": "scale", "preset": "nps"},
        {"code": "grid", "type": "matrix", "min": 1, "max": 4, "rows": CHOICES[:3]},
        {"code": "rank", "type": "ranking", "choices": CHOICES},
        {"code": "share", "type": "split", "choices": CHOICES[:2]},
        {"code": "day", "type": "date"},
        {"code": "words", "type": "long_text"},
    ]


def answer(question: dict[str, Any], rng: random.Random) -> Any:
    codes = [c["code"] for c in CHOICES]
    kind = question["type"]
    if rng.random() < 0.1:
        return None  # left unanswered
    if kind == "single_choice":
        return rng.choices([*codes, "other"], weights=[50, 25, 15, 3, 7])[0]
    if kind == "multiple_choice":
        return rng.sample(codes, rng.randint(1, 3))
    if kind == "yes_no":
        return rng.random() < 0.7
    if kind == "integer":
        return rng.randint(0, 30)
    if kind == "decimal":
        return round(rng.uniform(0, 100), 2)
    if kind == "scale" and question.get("preset") == "nps":
        return rng.randint(0, 10)
    if kind == "scale":
        return rng.randint(1, 5)
    if kind == "matrix":
        return {r["code"]: rng.randint(1, 4) for r in question["rows"]}
    if kind == "ranking":
        return rng.sample(codes, len(codes))
    if kind == "split":
        first = rng.randint(0, 100)
        return {"a": first, "b": 100 - first}
    if kind == "date":
        return f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    return f"mot {rng.randint(0, 50)}"


def profile(rng: random.Random) -> dict[str, Any]:
    return {
        "circle": rng.choice([1, 2, 3]),
        "types": rng.sample(TYPES, rng.randint(0, 2)),
        "clubs": [],
        "themes": [],
        "department": None,
        "region": rng.choices(REGIONS, weights=[60, 25, 10, 5])[0],
        "member": rng.random() < 0.4,
    }


async def counted_ahead_as_counted_now(app: FastAPI, survey_id: uuid.UUID | str) -> int:
    """The unfiltered tallies read from ``answer_counts`` (kept by the triggers) equal the
    ``GROUP BY`` over the atoms, for the whole survey and for each version; how many atoms."""
    survey = uuid.UUID(str(survey_id))
    async with app.state.runtime.database.transaction() as session:
        return await same_counts(session, survey)


async def same_counts(session: Any, survey: uuid.UUID) -> int:
    versions = list(
        await session.scalars(
            sa.select(AnswerValue.version).where(AnswerValue.survey_id == survey).distinct()
        )
    )
    now: dict[str, Any] = {}
    for version in [None, *versions]:
        ahead = await answer_repository.tallies(session, survey, version=version, filters={})
        now = await answer_repository.tallies(
            session, survey, version=version, filters={}, counted_ahead=False
        )
        assert ahead == now, version
    return sum(sum(t.atoms.values()) for t in now.values())


def survey_of(questions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": {"fr": "Toutes les questions"},
        "series": f"compte-{uuid.uuid4().hex[:8]}",
        "sections": [
            {
                "code": "s1",
                "title": {"fr": "S"},
                "questions": [{**q, "label": {"fr": q["code"]}} for q in questions],
            }
        ],
    }


async def test_the_database_counts_what_the_pure_statistics_count(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    questions = every_type()
    created = await admin.post("/v1/surveys", json=survey_of(questions))
    assert created.status_code == 201, created.text
    survey_id = created.json()["id"]
    assert (await admin.post(f"/v1/surveys/{survey_id}/publish")).status_code == 200
    rng = random.Random(12)
    rows = []
    async with app.state.runtime.database.transaction() as session:
        for _ in range(160):
            given = {q["code"]: answer(q, rng) for q in questions}
            given = {code: value for code, value in given.items() if value is not None}
            if given.get("single") == "other":
                given["single.other"] = "autre chose"
            rows.append((given, profile(rng)))
            await submitted(
                session,
                Response(
                    survey_id=uuid.UUID(survey_id),
                    version=1,
                    actor_id=uuid.uuid4(),
                    profile=rows[-1][1],
                    answers=given,
                    status="submitted",
                ),
            )

    def expected(keep: Any, k: int | None) -> dict[str, Any]:
        kept = [given for given, seen in rows if keep(attributes_of(seen))]
        out = {}
        for question in questions:
            shape = shape_of(question)
            answers = [g[shape.code] for g in kept if g.get(shape.code) not in (None, "", [])]
            out[shape.code] = summarise(shape, answers, k=k)
        return out

    def figures(results: dict[str, Any]) -> dict[str, Any]:
        return {
            q["code"]: {k: v for k, v in q.items() if k != "label"} for q in results["questions"]
        }

    assert await counted_ahead_as_counted_now(app, survey_id) > 160
    url = f"/v1/surveys/{survey_id}/results"
    everything = (await admin.get(url)).json()
    assert figures(everything) == expected(lambda _: True, None)
    assert everything["respondents"] == 160
    # Free text is read whole by staff (in the order of the words).
    assert everything["questions"][-1]["answers"] == sorted(
        g["words"] for g, _ in rows if g.get("words")
    )

    in_76 = (await admin.get(url, params={"region": "76", "type": "museum,library"})).json()
    assert figures(in_76) == expected(
        lambda a: a["region"] == "76" and {"museum", "library"} & set(a["type"]), None
    )
    public = (await admin.get(url, params={"circle": "2", "view": "public"})).json()
    assert figures(public) == expected(lambda a: a["circle"] == 2, 5)

    for question, by in (("single", "circle,region"), ("multi", "type"), ("count", "region")):
        crosstab_url = f"/v1/surveys/{survey_id}/crosstab"
        for view, k in (("full", None), ("public", 5)):
            params = {"question": question, "by": by, "view": view}
            table = (await admin.get(crosstab_url, params=params)).json()
            shape = shape_of(next(q for q in questions if q["code"] == question))
            respondents = [
                Respondent(given[question], attributes_of(seen))
                for given, seen in rows
                if given.get(question) not in (None, "", [])
            ]
            pure = crosstab(shape, respondents, by.split(","), k=k)
            assert {key: table[key] for key in pure} == pure, (question, by, view)


async def test_an_edit_after_submit_replaces_the_counted_answers(
    app: FastAPI, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin, allow_edit_after_submit=True)
    tokens = await invite(admin, survey, count=2)
    for token in tokens:
        submit = await anonymous.post(f"/v1/responses/{token}/submit", json={"answers": FULL})
        assert submit.status_code == 200, submit.text
    results_url = f"/v1/surveys/{survey['id']}/results"

    def staff(results: dict[str, Any]) -> dict[str, Any]:
        return next(q for q in results["questions"] if q["code"] == "staff")

    before = staff((await admin.get(results_url)).json())
    assert (before["respondents"], before["mean"]) == (2, 3.0)
    atoms = await counted_ahead_as_counted_now(app, survey["id"])
    edited = await anonymous.put(f"/v1/responses/{tokens[0]}", json={"answers": {"staff": 5}})
    assert edited.status_code == 200, edited.text
    after = staff((await admin.get(results_url)).json())
    assert (after["respondents"], after["mean"], after["max"]) == (2, 4.0, 5.0)
    # The edit moved one atom (staff 3 -> 5): the counts ahead moved it too.
    assert await counted_ahead_as_counted_now(app, survey["id"]) == atoms

    # A deleted response leaves nothing behind (its counted rows go with it).
    async with app.state.runtime.database.transaction() as session:
        first = await session.scalar(
            sa.select(Response.id).where(Response.survey_id == uuid.UUID(survey["id"])).limit(1)
        )
        await session.execute(sa.delete(Response).where(Response.id == first))
        left = await session.scalar(
            sa.select(sa.func.count())
            .select_from(AnswerValue)
            .where(AnswerValue.response_id == first)
        )
    assert left == 0
    assert (await admin.get(results_url)).json()["respondents"] == 1
    # ... and the counts ahead forget it too (the trigger hears the cascade).
    assert staff((await admin.get(results_url)).json())["respondents"] == 1
    assert await counted_ahead_as_counted_now(app, survey["id"]) > 0


async def test_concurrent_submissions_and_edits_of_a_survey_keep_every_count(
    app: FastAPI, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """Submissions and edits after submit of one survey, all at once: each count row shared
    by the survey's responses is taken by several transactions, and by an edit (old atoms
    deleted, new ones inserted) in the opposite order of a submission. None fails (on
    PostgreSQL a deadlock is an error after a second), and the counts ahead equal the
    ``GROUP BY`` over the atoms once they are done."""
    survey = await open_survey(admin, allow_edit_after_submit=True)
    tokens = await invite(admin, survey, count=60)
    editing, submitting = tokens[:30], tokens[30:]

    def answers(staff: int, recommend: int) -> dict[str, Any]:
        return FULL | {"staff": staff, "recommend": recommend}

    async def send(token: str, staff: int, recommend: int, *, edit: bool) -> int:
        body = {"answers": answers(staff, recommend)}
        url = f"/v1/responses/{token}"
        sent = await (
            anonymous.put(url, json=body) if edit else anonymous.post(url + "/submit", json=body)
        )
        return sent.status_code

    statuses = await asyncio.gather(*(send(t, 3, 9, edit=False) for t in editing))
    assert set(statuses) == {200}
    # The edits move (3, 9) to (5, 7) while the submissions give (5, 9) or (3, 7).
    statuses = await asyncio.gather(
        *(send(t, 5, 7, edit=True) for t in editing),
        *(send(t, *((5, 9) if i % 2 else (3, 7)), edit=False) for i, t in enumerate(submitting)),
    )
    assert set(statuses) == {200}
    # ... and back, some of them, while the others are edited the other way.
    statuses = await asyncio.gather(
        *(send(t, 3, 9, edit=True) for t in editing[::2]),
        *(send(t, 5, 7, edit=True) for t in submitting),
    )
    assert set(statuses) == {200}

    assert await counted_ahead_as_counted_now(app, survey["id"]) > 60
    results = (await admin.get(f"/v1/surveys/{survey['id']}/results")).json()
    staff = next(q for q in results["questions"] if q["code"] == "staff")
    # 15 edited back to 3 staff, 45 at 5.
    assert (results["respondents"], staff["respondents"]) == (60, 60)
    assert staff["mean"] == (15 * 3 + 45 * 5) / 60


async def test_results_keep_the_actor_as_it_was_when_the_response_was_counted(
    app: FastAPI, admin: httpx.AsyncClient, known_actors: KnownActors, announce: Announce
) -> None:
    questions = every_type()[:1]
    created = (await admin.post("/v1/surveys", json=survey_of(questions))).json()
    assert (await admin.post(f"/v1/surveys/{created['id']}/publish")).status_code == 200
    [projected, snapshot] = await known_actors(
        {"name": "Sans instantané", "address": {"region": "76"}},
        {"name": "Avec instantané", "address": {"region": "84"}},
    )
    async with app.state.runtime.database.transaction() as session:
        for actor_id, profile_then in ((projected, None), (snapshot, {"region": "76"})):
            await submitted(
                session,
                Response(
                    survey_id=uuid.UUID(created["id"]),
                    version=1,
                    actor_id=actor_id,
                    profile=profile_then,
                    answers={"single": "a"},
                    status="submitted",
                ),
            )
    for actor_id in (projected, snapshot):  # both move to Nouvelle-Aquitaine afterwards
        await announce(
            "directory.actor.updated",
            actor_id,
            version=2,
            name="Déménagé",
            address={"region": "75"},
        )

    async def moved() -> bool:
        async with app.state.runtime.database.transaction() as session:
            found = await known_actor_repository.get_many(session, [projected, snapshot])
        return all(actor.region == "75" for actor in found.values())

    await wait_until(moved, what="the projection hears of the move")
    table = (
        await admin.get(
            f"/v1/surveys/{created['id']}/crosstab", params={"question": "single", "by": "region"}
        )
    ).json()
    # Both counted in Occitanie: the snapshot taken at submission, and for the response that
    # has none, the actor as the projection knew it when the response was counted.
    assert {row["cut"]["region"]: row["respondents"] for row in table["rows"]} == {"76": 2}


OLD_SURVEYS = sa.table(
    "surveys",
    sa.column("id", sa.Uuid()),
    sa.column("title", Json),
    sa.column("languages", Json),
    sa.column("status", sa.String()),
    sa.column("anonymous", sa.Boolean()),
    sa.column("allow_edit_after_submit", sa.Boolean()),
    sa.column("sections", Json),
    sa.column("current_version", sa.Integer()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
    sa.column("version", sa.Integer()),
)
OLD_VERSIONS = sa.table(
    "survey_versions",
    sa.column("id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("number", sa.Integer()),
    sa.column("definition", Json),
    sa.column("published_at", UtcDateTime()),
)
OLD_RESPONSES = sa.table(
    "responses",
    sa.column("id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("profile", Json),
    sa.column("answers", Json),
    sa.column("status", sa.String()),
    sa.column("language", sa.String()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)


async def seed_before_0006(
    database: Database, survey_id: uuid.UUID, given: list[dict[str, Any]]
) -> None:
    """A closed survey of the every-type questions as written before 0006 (no counted form):
    ``given`` answered, the first 25 submitted, the others partial."""
    now = datetime.now(UTC)
    sections = survey_of(every_type())["sections"]
    async with database.transaction() as session:
        await session.execute(
            sa.insert(OLD_SURVEYS),
            {
                "id": survey_id,
                "title": {"fr": "Avant"},
                "languages": ["fr"],
                "status": "closed",
                "anonymous": False,
                "allow_edit_after_submit": False,
                "sections": sections,
                "current_version": 1,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            },
        )
        await session.execute(
            sa.insert(OLD_VERSIONS),
            {
                "id": uuid.uuid4(),
                "survey_id": survey_id,
                "number": 1,
                "definition": {"sections": sections},
                "published_at": now,
            },
        )
        await session.execute(
            sa.insert(OLD_RESPONSES),
            [
                {
                    "id": uuid.uuid4(),
                    "survey_id": survey_id,
                    "version": 1,
                    "actor_id": None,
                    "profile": {"region": "76", "circle": 1, "types": ["museum"]},
                    "answers": {c: v for c, v in answers.items() if v is not None},
                    "status": "submitted" if i < 25 else "partial",
                    "language": "fr",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, answers in enumerate(given)
            ],
        )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_migration_backfills_responses_submitted_before_it(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "surveys_backfill")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0005")
    database = Database(url)
    survey_id = uuid.uuid4()
    rng = random.Random(3)
    given = [{q["code"]: answer(q, rng) for q in every_type()} for _ in range(30)]
    try:
        await seed_before_0006(database, survey_id, given)
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        async with database.transaction() as session:
            cuts = (await session.execute(sa.select(ResponseCut))).scalars().all()
            single = await session.execute(
                sa.select(AnswerValue.text, sa.func.count())
                .where(AnswerValue.question == "single")
                .group_by(AnswerValue.text)
            )
            counted = dict(single.all())
            # Migration 0009 counted ahead what 0006 backfilled.
            assert await same_counts(session, survey_id) > 0
            assert await session.scalar(sa.select(sa.func.count()).select_from(AnswerCount))
    finally:
        await database.dispose()
    assert len(cuts) == 25  # the submitted ones only
    assert {(c.region, c.circle, c.from_profile) for c in cuts} == {("76", 1, True)}
    pure = summarise(
        shape_of(every_type()[0]),
        [g["single"] for g in given[:25] if g["single"] is not None],
        k=None,
    )
    assert counted == {c["code"]: c["count"] for c in pure["choices"] if c["count"]}


async def counted_as_written(session: Any, survey: uuid.UUID) -> bool:
    """Whether the counts ahead already equal the ``GROUP BY`` inside this transaction."""
    ahead = await answer_repository.tallies(session, survey, version=None, filters={})
    now = await answer_repository.tallies(
        session, survey, version=None, filters={}, counted_ahead=False
    )
    return bool(ahead == now)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_postgresql_counts_at_commit_from_0011_and_as_written_below_it(
    backend: str, database_factory: DatabaseFactory
) -> None:
    """0011 moves PostgreSQL's counting to the commit (SQLite keeps counting each atom as it
    is written); its downgrade brings 0009's counting back. Up, down and up again, the counts
    follow every atom deleted and inserted."""
    url = await database_factory(backend, "surveys_commit_counts")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0005")
    database = Database(url)
    survey_id = uuid.uuid4()
    rng = random.Random(5)
    given = [{q["code"]: answer(q, rng) for q in every_type()} for _ in range(30)]

    async def rewrite_one_response() -> bool:
        """One response's atoms deleted, and inserted again with other numbers; whether the
        counts followed before the commit."""
        atoms = sa.select(AnswerValue.__table__).where(AnswerValue.survey_id == survey_id)
        async with database.transaction() as session:
            first = (await session.execute(atoms.order_by("response_id").limit(1))).one()
            rows = [
                dict(row, number=None if row["number"] is None else row["number"] + 1000)
                for row in (
                    await session.execute(atoms.where(AnswerValue.response_id == first.response_id))
                ).mappings()
            ]
            await session.execute(
                sa.delete(AnswerValue).where(AnswerValue.response_id == first.response_id)
            )
            await session.execute(sa.insert(AnswerValue), rows)
            followed = await counted_as_written(session, survey_id)
        async with database.transaction() as session:
            assert await same_counts(session, survey_id) > 0
        return followed

    try:
        await seed_before_0006(database, survey_id, given)
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        # At commit on PostgreSQL: not yet inside the transaction.
        assert await rewrite_one_response() is (backend == "sqlite")
        config = alembic_config(SERVICE_ROOT, url)
        await asyncio.to_thread(command.downgrade, config, "0010")
        assert await rewrite_one_response() is True  # 0009's counting, as written
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        assert await rewrite_one_response() is (backend == "sqlite")
        async with database.transaction() as session:  # a response deleted: its atoms go
            gone = await session.scalar(
                sa.select(AnswerValue.response_id).where(AnswerValue.survey_id == survey_id)
            )
            await session.execute(sa.delete(Response).where(Response.id == gone))
        async with database.transaction() as session:
            assert await same_counts(session, survey_id) > 0
    finally:
        await database.dispose()
