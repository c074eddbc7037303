"""Migrations carry surveys written before sections forward, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kit.db import Database
from kit.migrations import upgrade
from kit.sqltypes import Json
from kit.testing.plugin import BACKENDS, DatabaseFactory
from surveys.main import SERVICE_ROOT

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
