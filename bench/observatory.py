"""The observatory at network scale, on SQLite and PostgreSQL in turn.

Loads straight into a fresh, migrated surveys database (with the counted form the response
service writes on submission: answer_values, response_cuts, response_tags; the database's
triggers keep answer_counts as they do for the service): a 40-question
survey (choices, multiple choices, numbers, NPS, scales, matrix, ranking, split, text) with
10,000 submitted
responses whose actors spread over 3 circles, 13 régions and several types; and a series of
5 waves of 2,000 responses each. Then measures, through the service layer (what a request
runs, without HTTP), the median and worst of several runs of

* the results of the 40-question survey, public view (suppression included): target ≤ 300 ms
  (read from ``answer_counts``; also beside the atoms' ``GROUP BY`` it replaced);
* a two-way crosstab (circle x région) of one question, with suppression: target ≤ 300 ms;
* an indicator over the 5 waves by région: target ≤ 100 ms;

each beside the previous path in the same run (every submitted response decoded in Python and
the decoded answers summarised: the baseline, with its speed-up), with the load average;

and streams the CSV export of the 10,000 responses, reporting the peak memory it allocated
(tracemalloc) beside the file size.

    .venv/bin/python -P bench/observatory.py [--responses 10000] [--runs 5] [--sqlite-only]

(``-P``: without it ``bench/surveys.py`` shadows the ``surveys`` package.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kit.db import Database
from kit.identity import Identity, Role
from kit.migrations import upgrade
from kit.testing.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
)
from surveys.answers.models import AnswerValue, ResponseCut, ResponseTag
from surveys.answers.service import counted_rows, question_types
from surveys.indicators.measures import Measure, wave_value
from surveys.indicators.models import Indicator
from surveys.indicators.service import indicator_service
from surveys.main import SERVICE_ROOT
from surveys.questionnaires.models import Survey, SurveyVersion
from surveys.responses.models import Response
from surveys.results import exports
from surveys.results.crosstab import Respondent
from surveys.results.crosstab import crosstab as crosstab_of
from surveys.results.cuts import Filters, attributes_of, shape_of
from surveys.results.models import ResultSettings
from surveys.results.repository import result_repository
from surveys.results.service import result_service
from surveys.results.statistics import summarise

STAFF = Identity(subject="bench", role=Role.ADMIN)
REGIONS = ["76", "75", "84", "11", "32", "28", "44", "52", "53", "24", "27", "93", "94"]
TYPES = ["association", "museum", "library", "university", "leisure_centre", "school"]
CHOICES = [{"code": c, "label": {"fr": c}} for c in ("a", "b", "c", "d", "e")]


def questions() -> list[dict[str, Any]]:
    """40 questions of every type the results summarise."""
    out: list[dict[str, Any]] = []
    kinds = [
        ("single_choice", 12),
        ("multiple_choice", 6),
        ("integer", 6),
        ("scale", 5),
        ("nps", 2),
        ("matrix", 2),
        ("ranking", 2),
        ("split", 2),
        ("long_text", 3),
    ]
    for kind, count in kinds:
        for i in range(count):
            q: dict[str, Any] = {"code": f"{kind}_{i}", "type": kind, "label": {"fr": kind}}
            if kind in ("single_choice", "multiple_choice", "ranking", "split"):
                q["choices"] = CHOICES
            if kind == "scale":
                q.update(min=1, max=5)
            if kind == "nps":
                q.update(type="scale", preset="nps", min=0, max=10)
            if kind == "matrix":
                q.update(min=1, max=5, rows=[{"code": r, "label": {"fr": r}} for r in "xyz"])
            out.append(q)
    return out


def answer(question: dict[str, Any], rng: random.Random) -> Any:
    kind = question["type"]
    codes = [c["code"] for c in CHOICES]
    if kind == "single_choice":
        return rng.choices(codes, weights=[40, 30, 20, 8, 2])[0]
    if kind == "multiple_choice":
        return rng.sample(codes, rng.randint(1, 3))
    if kind == "integer":
        return rng.randint(0, 200)
    if kind == "scale" and question.get("preset") == "nps":
        return rng.randint(0, 10)
    if kind == "scale":
        return rng.randint(1, 5)
    if kind == "matrix":
        return {r: rng.randint(1, 5) for r in "xyz"}
    if kind == "ranking":
        return rng.sample(codes, len(codes))
    if kind == "split":
        first = rng.randint(0, 100)
        return {"a": first, "b": 100 - first}
    return f"réponse {rng.randint(0, 10**6)}"


def profile(rng: random.Random) -> dict[str, Any]:
    return {
        "circle": rng.choices([1, 2, 3], weights=[2, 3, 5])[0],
        "types": rng.sample(TYPES, rng.randint(1, 2)),
        "clubs": [],
        "themes": [],
        "department": None,
        "region": rng.choices(REGIONS, weights=[30, 20, 15, 10, 5, 5, 4, 3, 3, 2, 1, 1, 1])[0],
        "member": rng.random() < 0.4,
    }


async def load_survey(
    database: Database,
    *,
    series: str,
    year: int,
    qs: list[dict[str, Any]],
    responses: int,
    seed: int,
) -> uuid.UUID:
    rng = random.Random(seed)
    survey_id = uuid.uuid4()
    now = datetime.now(UTC)
    sections = [{"code": "s", "title": {"fr": "S"}, "questions": qs}]
    async with database.transaction() as session:
        session.add(
            Survey(
                id=survey_id,
                title={"fr": f"Bench {year}"},
                series=series,
                languages=["fr"],
                status="closed",
                opens_at=datetime(year, 2, 1, tzinfo=UTC),
                anonymous=False,
                allow_edit_after_submit=False,
                sections=sections,
                current_version=1,
                version=1,
            )
        )
        await session.flush()
        session.add(SurveyVersion(survey_id=survey_id, number=1, definition={"sections": sections}))
        session.add(ResultSettings(survey_id=survey_id, k=5, published_at=now, updated_at=now))
    rows = [
        {
            "id": uuid.uuid4(),
            "survey_id": survey_id,
            "version": 1,
            "actor_id": uuid.uuid4(),
            "profile": profile(rng),
            "answers": {q["code"]: answer(q, rng) for q in qs},
            "status": "submitted",
            "language": "fr",
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
        }
        for _ in range(responses)
    ]
    types = question_types(sections)
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        # The counted form the response service writes on submission (answer_values...).
        counted = [
            counted_rows(Response(**row), types, row["profile"], from_profile=True) for row in batch
        ]
        async with database.transaction() as session:
            await session.execute(sa.insert(Response), batch)
            await session.execute(sa.insert(ResponseCut), [c.cut for c in counted])
            await session.execute(sa.insert(AnswerValue), [v for c in counted for v in c.values])
            tags = [t for c in counted for t in c.tags]
            if tags:
                await session.execute(sa.insert(ResponseTag), tags)
    return survey_id


# The previous path, kept here as the baseline of the same run: every request decoded each
# submitted response (answers and profile) in Python and summarised the decoded answers.
async def decoded(
    session: Any, survey_id: uuid.UUID, only: str | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rows = await result_repository.submitted(session, survey_id, only=only)
    return [(row.answers, attributes_of(row.profile)) for row in rows]


async def results_decoded(session: Any, survey_id: uuid.UUID, qs: list[dict[str, Any]]) -> None:
    respondents = await decoded(session, survey_id)
    for question in qs:
        shape = shape_of(question)
        answers = [a[shape.code] for a, _ in respondents if shape.code in a]
        summarise(shape, [a for a in answers if a not in (None, "", [])], k=5)


async def crosstab_decoded(session: Any, survey_id: uuid.UUID, question: dict[str, Any]) -> None:
    shape = shape_of(question)
    respondents = await decoded(session, survey_id, only=shape.code)
    given = [Respondent(a[shape.code], attrs) for a, attrs in respondents if a.get(shape.code)]
    crosstab_of(shape, given, ["circle", "region"], k=5)


async def indicator_decoded(
    session: Any, wave_ids: list[uuid.UUID], question: dict[str, Any]
) -> None:
    shape = shape_of(question)
    for wave_id in wave_ids:
        respondents = await decoded(session, wave_id, only=shape.code)
        given = [Respondent(a.get(shape.code), attrs) for a, attrs in respondents]
        wave_value(Measure("share", ("a",)), shape, given, by="region", k=5)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


async def timed(run: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float]:
    await run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


async def bench(url: str, label: str, responses: int, runs: int) -> None:
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    database = Database(url)
    try:
        qs = questions()
        survey_id = await load_survey(
            database, series="bench-one", year=2026, qs=qs, responses=responses, seed=1
        )
        wave_questions = qs[:1]
        wave_ids = [
            await load_survey(
                database,
                series="bench-waves",
                year=2022 + w,
                qs=wave_questions,
                responses=2000,
                seed=10 + w,
            )
            for w in range(5)
        ]
        # What autovacuum does to a table this size soon after it is written: statistics for
        # the planner (both backends) and, on PostgreSQL, the visibility map index-only scans
        # need.
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            vacuum = "ANALYZE" if database.is_sqlite else "VACUUM ANALYZE"
            await autocommit.execute(sa.text(vacuum))
        async with database.transaction() as session:
            indicator = Indicator(
                id=uuid.uuid4(),
                name={"fr": "Part a"},
                series="bench-waves",
                question=wave_questions[0]["code"],
                measure="share",
                answers=["a"],
                unit="%",
                public=True,
                version=1,
            )
            session.add(indicator)

        async def results() -> None:
            async with database.transaction() as session:
                await result_service.results(
                    session,
                    survey_id=survey_id,
                    identity=STAFF,
                    filters=Filters(),
                    version=None,
                    as_public=True,
                )

        async def crosstab() -> None:
            async with database.transaction() as session:
                await result_service.crosstab(
                    session,
                    survey_id=survey_id,
                    identity=STAFF,
                    question="single_choice_0",
                    by=["circle", "region"],
                    filters=Filters(),
                    version=None,
                    as_public=True,
                )

        async def indicator_by_region() -> None:
            async with database.transaction() as session:
                await indicator_service.values(
                    session, indicator=indicator, identity=STAFF, by="region", as_public=True
                )

        async def results_grouped() -> None:  # before answer_counts: the atoms' GROUP BY
            async with database.transaction() as session:
                await result_service.results(
                    session,
                    survey_id=survey_id,
                    identity=STAFF,
                    filters=Filters(),
                    version=None,
                    as_public=True,
                    counted_ahead=False,
                )

        async def results_before() -> None:
            async with database.transaction() as session:
                await results_decoded(session, survey_id, qs)

        async def crosstab_before() -> None:
            async with database.transaction() as session:
                await crosstab_decoded(session, survey_id, qs[0])

        async def indicator_before() -> None:
            async with database.transaction() as session:
                await indicator_decoded(session, wave_ids, wave_questions[0])

        print(f"== {label}: {responses} responses x {len(qs)} questions; 5 waves x 2,000")
        print(f"   load average at start: {load()}")
        for name, run, grouped, before, target in (
            ("results (public, suppressed)", results, results_grouped, results_before, 300),
            ("crosstab circle x région", crosstab, None, crosstab_before, 300),
            ("indicator, 5 waves by région", indicator_by_region, None, indicator_before, 100),
        ):
            median, worst = await timed(run, runs)
            if grouped is not None:
                counted, counted_worst = await timed(grouped, runs)
                print(
                    f"  {name:30s} atoms' GROUP BY (before answer_counts): median "
                    f"{counted:7.1f} ms  worst {counted_worst:7.1f} ms  "
                    f"speed-up {counted / median:5.1f}x"
                )
            old, _ = await timed(before, runs)
            print(
                f"  {name:30s} counted: median {median:7.1f} ms  worst {worst:7.1f} ms  "
                f"target {target} ms  ratio {median / target:.2f} | decoded (previous path): "
                f"median {old:7.1f} ms  speed-up {old / median:5.1f}x"
            )
        print(f"   load average at end: {load()}")

        async with database.transaction() as session:
            layout = await exports.layout_for(session, survey_id=survey_id, identity=STAFF)
        tracemalloc.start()
        size = 0
        started = time.perf_counter()
        async for chunk in exports.csv_lines(database, layout, labels=False, language="fr"):
            size += len(chunk)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  CSV export: {size / 1e6:6.1f} MB in {elapsed:5.1f} s (under tracemalloc), "
            f"peak allocated {peak / 1e6:5.1f} MB, peak/size {peak / size:.2f}"
        )
    finally:
        await database.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    if not args.postgres_only:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'surveys.db'}"
            await bench(url, "SQLite", args.responses, args.runs)
    if args.sqlite_only:
        return
    unreachable = await postgres_reachable()
    if unreachable is not None:
        print(f"== PostgreSQL: not reachable ({unreachable}), skipped", file=sys.stderr)
        return
    url = await create_postgres_database("bench_observatory")
    try:
        await bench(url, "PostgreSQL", args.responses, args.runs)
    finally:
        await drop_postgres_database(url)


if __name__ == "__main__":
    asyncio.run(main())
