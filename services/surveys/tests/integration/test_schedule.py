"""The periodic pass: surveys close at closes_at, reminders go after remind_after_days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from surveys.questionnaires.worker import schedule_pass

from .test_invitations import open_survey
from .test_responses import invite


async def test_a_pass_closes_due_surveys_and_reminds_once(
    admin: httpx.AsyncClient, app: FastAPI
) -> None:
    reminding = await open_survey(admin, remind_after_days=3)
    await invite(admin, reminding, count=2)
    database = app.state.runtime.database

    await schedule_pass(database, now=datetime.now(UTC) + timedelta(days=1))
    listed = (await admin.get(f"/v1/surveys/{reminding['id']}/invitations")).json()["items"]
    assert [i["reminders_sent"] for i in listed] == [0, 0]  # not yet three days
    later = datetime.now(UTC) + timedelta(days=4)
    await schedule_pass(database, now=later)
    listed = (await admin.get(f"/v1/surveys/{reminding['id']}/invitations")).json()["items"]
    assert [i["reminders_sent"] for i in listed] == [1, 1]
    await schedule_pass(database, now=later)
    listed = (await admin.get(f"/v1/surveys/{reminding['id']}/invitations")).json()["items"]
    assert [i["reminders_sent"] for i in listed] == [1, 1]  # never twice

    # Closing an hour from now: other tests' surveys (closing in 2027) stay open.
    soon_closed = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    closing = await open_survey(admin, closes_at=soon_closed)
    after_close = datetime.now(UTC) + timedelta(hours=2)
    await schedule_pass(database, now=after_close)
    assert (await admin.get(f"/v1/surveys/{closing['id']}")).json()["status"] == "closed"
