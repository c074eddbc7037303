"""Follows and deadline reminders through the API and the reminder pass, on both backends,
with the real SMTP sink: a follower hears 30 and 7 days before each cut-off, once each, and
each approaching cut-off is announced once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI

from contracts.eu_watch import CALL_DEADLINE_APPROACHING
from eu_watch.db import outbox
from eu_watch.follows.worker import reminder_pass
from kit.mail.sink import MailSink
from kit.service import Runtime

from .conftest import KnownActors
from .test_watches import mail_rows, mails_to, member, new_call


async def announcements(runtime: Runtime, call_id: str) -> list[tuple[str, int]]:
    """(cut-off, days) of the ``eu_watch.call.deadline_approaching`` events about a call."""
    async with runtime.database.transaction(write=False) as session:
        rows = await session.execute(
            sa.select(outbox.table.c.envelope)
            .where(outbox.table.c.type == CALL_DEADLINE_APPROACHING)
            .order_by(outbox.table.c.position)
        )
        found = [orjson.loads(envelope)["data"] for (envelope,) in rows]
    return [(e["deadline"], e["days"]) for e in found if e["call"]["id"] == call_id]


async def remind(app: FastAPI, runtime: Runtime, now: datetime) -> dict[str, Any]:
    return await reminder_pass(
        runtime.database, thresholds=app.state.settings.reminder_days, now=now
    )


async def test_a_member_follows_a_call_for_its_own_actor(
    admin: httpx.AsyncClient,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    tag = uuid.uuid4().hex[:8]
    a, b = await known_actors(member(f"A {tag}", None), member(f"B {tag}", None))
    call = await new_call(admin, tag)
    url = f"/v1/calls/{call['id']}/follow"
    async with member_of(a) as client_a, member_of(b) as client_b:
        first = await client_a.post(url)
        assert first.status_code == 201, first.text
        assert first.json()["actor_id"] == str(a)
        assert first.json()["call"]["identifier"] == call["identifier"]
        assert (await client_a.post(url)).status_code == 200  # again: nothing changes
        listed = (await client_a.get("/v1/calls/followed")).json()
        assert [f["call_id"] for f in listed["items"]] == [call["id"]]
        assert (await client_b.get("/v1/calls/followed")).json()["items"] == []
        assert (
            await client_b.get("/v1/calls/followed", params={"actor_id": str(a)})
        ).status_code == 403
        assert (await client_b.post(url, json={"actor_id": str(a)})).status_code == 403
        assert (await client_b.delete(url, params={"actor_id": str(a)})).status_code == 403
        assert (await client_a.post(f"/v1/calls/{uuid.uuid4()}/follow")).status_code == 404
        assert (await client_a.delete(url)).status_code == 204
        gone = await client_a.delete(url)
        assert gone.status_code == 404
        assert gone.headers["content-type"] == "application/problem+json"
    staff = await admin.post(url)
    assert staff.status_code == 422
    assert staff.json()["errors"][0]["field"] == "actor_id"
    assert (await admin.post(url, json={"actor_id": str(b)})).status_code == 201
    # An actor the directory never had: 422 on actor_id, no follow written (it was a 201).
    ghost = str(uuid.uuid4())
    unknown = await admin.post(url, json={"actor_id": ghost})
    assert unknown.status_code == 422, unknown.text
    (error,) = unknown.json()["errors"]
    assert error["field"] == "actor_id"
    followed = await admin.get("/v1/calls/followed", params={"actor_id": ghost})
    assert followed.json()["items"] == []
    page = await admin.get("/v1/calls/followed", params={"actor_id": str(b), "limit": 1})
    assert [f["actor_id"] for f in page.json()["items"]] == [str(b)]


async def test_followers_are_reminded_30_and_7_days_before_each_cut_off_once_each(
    app: FastAPI,
    admin: httpx.AsyncClient,
    runtime: Runtime,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
    eu_watch_mail: MailSink,
) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"suivi-{tag}@example.org"
    (actor,) = await known_actors(member(f"Suiveur {tag}", address))
    now = datetime.now(UTC)
    first_cut_off = (now + timedelta(days=60)).date()
    second_cut_off = (now + timedelta(days=200)).date()
    call = await new_call(
        admin,
        tag,
        title=f"Two stages {tag}",
        deadlines=[first_cut_off.isoformat(), second_cut_off.isoformat()],
        deadline_model="two-stage",
    )
    soon = await new_call(
        admin, f"soon-{tag}", deadlines=[(now + timedelta(days=10)).date().isoformat()]
    )
    async with member_of(actor) as client:
        for followed in (call, soon):
            response = await client.post(f"/v1/calls/{followed['id']}/follow")
            assert response.status_code == 201
    cut_off = datetime.fromisoformat(call["deadlines"][0])

    await remind(app, runtime, now)
    assert await mail_rows(runtime, address) == []  # 60 days ahead; 10 days ahead: followed late
    assert await announcements(runtime, call["id"]) == []
    # The call just followed 10 days before its cut-off: announced (30 days reached), but its
    # follower, who followed inside the 30 days, hears only at 7.
    assert [d for _, d in await announcements(runtime, soon["id"])] == [30]
    await remind(app, runtime, now + timedelta(days=4))
    assert [
        (r["data"]["call"]["id"], r["data"]["days"]) for r in await mail_rows(runtime, address)
    ] == [(soon["id"], 7)]
    assert [d for _, d in await announcements(runtime, soon["id"])] == [30, 7]

    # 29 days before the first cut-off: the 30-day reminder, once, whatever the passes.
    at_30 = cut_off - timedelta(days=29)
    await asyncio.gather(remind(app, runtime, at_30), remind(app, runtime, at_30))
    await remind(app, runtime, at_30 + timedelta(hours=6))
    rows = await mail_rows(runtime, address)
    assert [(r["data"]["call"]["id"], r["data"]["days"]) for r in rows] == [
        (soon["id"], 7),
        (call["id"], 30),
    ]
    assert await announcements(runtime, call["id"]) == [(call["deadlines"][0], 30)]

    # 6 days before: the 7-day one, once.
    at_7 = cut_off - timedelta(days=6)
    await remind(app, runtime, at_7)
    await remind(app, runtime, at_7 + timedelta(days=1))
    rows = await mail_rows(runtime, address)
    assert [(r["data"]["call"]["id"], r["data"]["days"]) for r in rows[2:]] == [(call["id"], 7)]
    assert await announcements(runtime, call["id"]) == [
        (call["deadlines"][0], 30),
        (call["deadlines"][0], 7),
    ]
    # The second cut-off has its own reminders.
    second = datetime.fromisoformat(call["deadlines"][1])
    await remind(app, runtime, second - timedelta(days=20))
    assert [r["data"]["deadline"] for r in (await mail_rows(runtime, address))[3:]] == [
        call["deadlines"][1]
    ]
    assert len(await announcements(runtime, call["id"])) == 3

    received = await mails_to(eu_watch_mail, address, count=4)
    subjects = sorted(str(m.message["Subject"]) for m in received)
    assert f"Date limite dans 29 jours : Two stages {tag}" in subjects
    assert f"Date limite dans 6 jours : Two stages {tag}" in subjects
    assert all(m.message["List-Unsubscribe"] for m in received)
