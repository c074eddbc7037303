"""Watches through the API and the watch pass, on both backends, with real NATS (the actor
projection) and the real SMTP sink: each call new to a watch reaches it once, by mail and as
the ``eu_watch.watch.matched`` event, at once or in the weekly digest; members see and change
their own actor's watches only."""

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

from contracts.eu_watch import WATCH_MATCHED
from eu_watch.db import mail, outbox
from eu_watch.watches.policies import last_digest_moment
from eu_watch.watches.repository import watch_repository
from eu_watch.watches.worker import digest_schedule, watch_pass
from kit.identity import IdentitySigner
from kit.mail.sink import MailSink, ReceivedMail
from kit.service import Runtime
from kit.testing.plugin import asgi_client, identity_headers
from kit.testing.polling import wait_until

from .conftest import STAFF_EMAIL, KnownActors


def member(name: str, email: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "types": ["science_centre"],
        "themes": ["sea_coast"],
        "circle": 1,
        "email": email,
        "address": {"region": "76", "department": "31"},
        "membership": {"member": True, "since": "2020-01-01", "paid_until": None},
    } | extra


def call_body(tag: str, **fields: Any) -> dict[str, Any]:
    return {
        "identifier": f"HORIZON-WATCH-{uuid.uuid4().hex[:10]}",
        "title": f"Ocean literacy {tag}",
        "funder": f"Funder {tag}",
        "type_of_action": "HORIZON Coordination and Support Actions",
        "keywords": ["Ocean", "Citizen science"],
        "deadlines": ["2099-04-01"],
        "budget": {"total_eur": 2_000_000},
    } | fields


async def new_call(admin: httpx.AsyncClient, tag: str, **fields: Any) -> dict[str, Any]:
    created = await admin.post("/v1/calls", json=call_body(tag, **fields))
    assert created.status_code == 201, created.text
    return dict(created.json())


async def watch_events(runtime: Runtime, watch_id: str) -> list[dict[str, Any]]:
    """The ``eu_watch.watch.matched`` events of the outbox about ``watch_id``."""
    async with runtime.database.transaction(write=False) as session:
        rows = await session.execute(
            sa.select(outbox.table.c.envelope)
            .where(outbox.table.c.type == WATCH_MATCHED)
            .order_by(outbox.table.c.position)
        )
        envelopes = [envelope for (envelope,) in rows]
    found = [orjson.loads(e) for e in envelopes]
    return [e["data"] for e in found if e["data"]["watch_id"] == watch_id]


async def mail_rows(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    async with runtime.database.transaction(write=False) as session:
        rows = await session.execute(
            sa.select(mail.table.c.template, mail.table.c.key, mail.table.c.data)
            .where(mail.table.c.recipient == address)
            .order_by(mail.table.c.id)
        )
        return [dict(r._mapping) for r in rows]


async def mails_to(sink: MailSink, address: str, count: int = 1) -> list[ReceivedMail]:
    async def arrived() -> list[ReceivedMail] | None:
        found = [m for m in sink.received() if address in m.envelope_to]
        return found if len(found) >= count else None

    return await wait_until(arrived, within=30, what=f"{count} message(s) to {address}")


async def run_pass(runtime: Runtime, app: FastAPI, now: datetime | None = None) -> dict[str, Any]:
    return await watch_pass(runtime.database, schedule=digest_schedule(app.state.settings), now=now)


async def test_a_new_call_reaches_an_immediate_watch_once_by_mail_and_event(
    app: FastAPI,
    admin: httpx.AsyncClient,
    runtime: Runtime,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
    eu_watch_mail: MailSink,
) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"veille-{tag}@example.org"
    (actor_id,) = await known_actors(member(f"Océanopolis {tag}", address))
    before = await new_call(admin, tag, title=f"Already there {tag}")
    async with member_of(actor_id) as client:
        created = await client.post(
            "/v1/watches",
            json={
                "name": "Océan",
                "funder": f"Funder {tag}",
                "themes": ["sea_coast"],
                "channels": ["email", "webhook"],
            },
        )
    assert created.status_code == 201, created.text
    watch = created.json()
    assert watch["actor_id"] == str(actor_id)
    assert created.headers["etag"] == '"1"'
    # Calls of another funder do not match; the one there before is known, not news.
    await new_call(admin, f"other-{tag}")
    fresh = await new_call(admin, tag, title=f"Ocean and citizens {tag}")

    # Two passes racing, then a third: one notification, one mail, one event.
    await asyncio.gather(run_pass(runtime, app), run_pass(runtime, app))
    await run_pass(runtime, app)

    async with runtime.database.transaction(write=False) as session:
        told = await watch_repository.told(session, uuid.UUID(watch["id"]))
    assert [(str(n.call_id), n.baseline) for n in told] == [
        (before["id"], True),
        (fresh["id"], False),
    ]
    assert all(n.delivered_at is not None for n in told)
    events = await watch_events(runtime, watch["id"])
    assert [e["call"]["id"] for e in events] == [fresh["id"]]
    assert events[0]["actor_id"] == str(actor_id)
    rows = await mail_rows(runtime, address)
    assert [r["template"] for r in rows] == ["watch_alert"]
    (received,) = await mails_to(eu_watch_mail, address)
    assert f"Ocean and citizens {tag}" in received.message["Subject"]
    assert "Nouvel appel pour la veille « Océan »" in received.message["Subject"]
    assert fresh["identifier"] in received.text
    assert "1 avril 2099" in received.text
    assert received.message["List-Unsubscribe"]
    # A call that closes is never news; a second new call is, once.
    later = await new_call(admin, tag, title=f"Second {tag}")
    await run_pass(runtime, app)
    await run_pass(runtime, app)
    assert [e["call"]["id"] for e in await watch_events(runtime, watch["id"])] == [
        fresh["id"],
        later["id"],
    ]
    assert len(await mails_to(eu_watch_mail, address, count=2)) == 2
    assert len(await mail_rows(runtime, address)) == 2
    # Staff read them among the service's messages (the gateway routes /v1/mail/eu-watch here).
    listed = await admin.get("/v1/mail/eu-watch", params={"to": address})
    assert listed.status_code == 200, listed.text
    assert [m["template"] for m in listed.json()["items"]] == ["watch_alert", "watch_alert"]
    async with member_of(actor_id) as client:
        assert (await client.get("/v1/mail/eu-watch")).status_code == 403


async def test_a_call_that_comes_within_the_deadline_window_is_newly_matching(
    app: FastAPI, admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    tag = uuid.uuid4().hex[:8]
    deadline = datetime.now(UTC) + timedelta(days=40)
    created = await admin.post(
        "/v1/watches",
        json={
            "name": f"Bientôt {tag}",
            "funder": f"Funder {tag}",
            "deadline_within_days": 30,
            "channels": ["webhook"],
        },
    )
    assert created.status_code == 201, created.text
    watch = created.json()
    assert watch["actor_id"] is None  # the network's own
    call = await new_call(admin, tag, deadlines=[deadline.date().isoformat()])
    await run_pass(runtime, app)
    assert await watch_events(runtime, watch["id"]) == []
    # Fifteen days on, its deadline is within 30 days: news, once.
    await run_pass(runtime, app, now=datetime.now(UTC) + timedelta(days=15))
    await run_pass(runtime, app, now=datetime.now(UTC) + timedelta(days=16))
    events = await watch_events(runtime, watch["id"])
    assert [e["call"]["id"] for e in events] == [call["id"]]
    assert events[0]["actor_id"] is None


async def test_a_weekly_watch_gets_one_digest_a_week(
    app: FastAPI,
    admin: httpx.AsyncClient,
    runtime: Runtime,
    eu_watch_mail: MailSink,
) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"hebdo-{tag}@example.org"
    created = await admin.post(
        "/v1/watches",
        json={
            "name": "Hebdo",
            "keywords": [f"lighthouse{tag}"],
            "frequency": "weekly",
            "email": address,
            "language": "en",
            "channels": ["email", "webhook"],
        },
    )
    assert created.status_code == 201, created.text
    watch = created.json()
    first = await new_call(admin, tag, keywords=[f"lighthouse{tag}"], title=f"First {tag}")
    second = await new_call(admin, tag, keywords=[f"lighthouse{tag}"], title=f"Second {tag}")
    now = datetime.now(UTC)
    settings = app.state.settings
    moment = last_digest_moment(
        now + timedelta(days=7), weekday=settings.digest_weekday, hour=settings.digest_hour
    )
    # Found now, kept for the next digest moment.
    await run_pass(runtime, app, now=now)
    assert await mail_rows(runtime, address) == []
    assert await watch_events(runtime, watch["id"]) == []
    # Past the moment: one digest with both, once, whatever the passes.
    third_pass = moment + timedelta(hours=1)
    await asyncio.gather(
        run_pass(runtime, app, now=third_pass), run_pass(runtime, app, now=third_pass)
    )
    late = await new_call(admin, tag, keywords=[f"lighthouse{tag}"], title=f"Late {tag}")
    await run_pass(runtime, app, now=third_pass + timedelta(hours=1))
    rows = await mail_rows(runtime, address)
    assert [r["template"] for r in rows] == ["watch_digest"]
    assert {c["id"] for c in rows[0]["data"]["calls"]} == {first["id"], second["id"]}
    (digest,) = await mails_to(eu_watch_mail, address)
    assert digest.message["Subject"] == 'Your watch "Hebdo": 2 calls this week'
    assert f"First {tag}" in digest.text
    assert f"Second {tag}" in digest.text
    assert {e["call"]["id"] for e in await watch_events(runtime, watch["id"])} == {
        first["id"],
        second["id"],
    }
    # The call found after the moment goes with the next week's digest.
    await run_pass(runtime, app, now=moment + timedelta(days=7, hours=1))
    rows = await mail_rows(runtime, address)
    assert [len(r["data"]["calls"]) for r in rows] == [2, 1]
    assert rows[1]["data"]["calls"][0]["id"] == late["id"]


async def test_members_see_and_change_only_their_own_actors_watches(
    app: FastAPI,
    admin: httpx.AsyncClient,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
    identity_signer: IdentitySigner,
) -> None:
    tag = uuid.uuid4().hex[:8]
    a, b = await known_actors(
        member(f"A {tag}", f"a-{tag}@example.org"), member(f"B {tag}", f"b-{tag}@example.org")
    )
    async with member_of(a) as client_a, member_of(b) as client_b:
        mine = (await client_a.post("/v1/watches", json={"name": "A"})).json()
        url = f"/v1/watches/{mine['id']}"
        assert (await client_a.get(url)).status_code == 200
        for response in (
            await client_b.get(url),
            await client_b.patch(url, json={"name": "pris"}),
            await client_b.delete(url),
        ):
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
        # Naming another actor: 403, as for_actor and lead elsewhere in this service.
        other = await client_b.post("/v1/watches", json={"name": "B", "actor_id": str(a)})
        assert other.status_code == 403
        assert (await client_b.get("/v1/watches", params={"actor_id": str(a)})).status_code == 403
        await client_b.post("/v1/watches", json={"name": "B"})
        listed_b = (await client_b.get("/v1/watches")).json()["items"]
        assert [w["name"] for w in listed_b] == ["B"]
        assert [w["id"] for w in (await client_a.get("/v1/watches")).json()["items"]] == [
            mine["id"]
        ]
        # Staff see both, and page through them.
        page = await admin.get("/v1/watches", params={"actor_id": str(a), "limit": 1})
        assert [w["id"] for w in page.json()["items"]] == [mine["id"]]
        everyone = await admin.get("/v1/watches", params={"limit": 1})
        assert everyone.json()["next"]
        following = await admin.get(
            "/v1/watches", params={"limit": 1, "after": everyone.json()["next"]}
        )
        assert following.json()["items"][0]["id"] != everyone.json()["items"][0]["id"]
        assert (await client_a.delete(url)).status_code == 204
        assert (await client_a.get(url)).status_code == 404
    for role in ("reader", "partner"):
        headers = identity_headers(
            identity_signer, role, partner="p" if role == "partner" else None
        )
        async with asgi_client(app, headers) as client:
            assert (await client.get("/v1/watches")).status_code == 403


async def test_a_change_needs_the_current_etag_and_new_filters_start_afresh(
    app: FastAPI, admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    tag = uuid.uuid4().hex[:8]
    watch = (
        await admin.post(
            "/v1/watches",
            json={"name": "Avant", "funder": f"Funder {tag}", "channels": ["webhook"]},
        )
    ).json()
    url = f"/v1/watches/{watch['id']}"
    stale = await admin.patch(url, json={"name": "Après"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    changed = await admin.patch(url, json={"name": "Après"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Après"
    assert changed.headers["etag"] == '"2"'
    # A call of another funder exists; the watch moves to it: it is known, not news.
    existing = await new_call(admin, f"moved-{tag}")
    moved = await admin.patch(url, json={"funder": f"Funder moved-{tag}", "min_budget": None})
    assert moved.json()["funder"] == f"Funder moved-{tag}"
    await run_pass(runtime, app)
    assert await watch_events(runtime, watch["id"]) == []
    async with runtime.database.transaction(write=False) as session:
        told = await watch_repository.told(session, uuid.UUID(watch["id"]))
    assert [(str(n.call_id), n.baseline) for n in told] == [(existing["id"], True)]
    nulled = await admin.patch(url, json={"frequency": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "frequency"


async def test_bad_watches_are_422_naming_what_is_wrong(
    admin: httpx.AsyncClient,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    tag = uuid.uuid4().hex[:8]
    await new_call(admin, tag, programme="Horizon Europe (HORIZON)")
    cases = [
        ({"themes": ["sea_coast", "astrology"]}, "themes", "astrology"),
        ({"programmes": ["HORIZON", "Interreg Mars"]}, "programmes", "Interreg Mars"),
        ({"keywords": ["--"]}, "keywords", "--"),
        ({"frequency": "daily"}, "frequency", ""),
        ({"channels": ["sms"]}, "channels[0]", ""),
        ({"min_budget": -1}, "min_budget", ""),
    ]
    for extra, field, named in cases:
        response = await admin.post("/v1/watches", json={"name": "x", **extra})
        assert response.status_code == 422, (extra, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert errors[0]["field"] == field, errors
        assert named in errors[0]["message"]
        # Once each (the body is validated by the route and its dependency: it was twice).
        assert len(errors) == 1, errors
    for extra in ({"frequency": "daily"}, {"deadline_within_days": 0}):
        response = await admin.post("/v1/watches", json={"name": "x", **extra})
        (error,) = response.json()["errors"]
        assert error["field"] == next(iter(extra))
    ok = await admin.post("/v1/watches", json={"name": "x", "programmes": ["horizon"]})
    assert ok.status_code == 201, ok.text
    # Staff watching for an actor the directory never had: 422 on actor_id, nothing written
    # (it was a 201 with the webhook channel, a 422 blaming `email` with the e-mail one).
    for channels in (["webhook"], ["email"]):
        ghost = str(uuid.uuid4())
        response = await admin.post(
            "/v1/watches", json={"name": "x", "actor_id": ghost, "channels": channels}
        )
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["field"] == "actor_id"
        listed = await admin.get("/v1/watches", params={"actor_id": ghost})
        assert listed.json()["items"] == []
    # A member without a public address must give one to be mailed.
    (silent,) = await known_actors(member(f"Sans adresse {tag}", None))
    async with member_of(silent) as client:
        response = await client.post("/v1/watches", json={"name": "x"})
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["field"] == "email"
        assert error["message"] == (
            "this watch sends e-mail but has no address to send it to (the actor has no"
            " public address): give one in `email`, or use the webhook channel only"
        )
        given = await client.post(
            "/v1/watches", json={"name": "x", "email": f"moi-{tag}@example.org"}
        )
        assert given.status_code == 201
    # The network's watches mail staff by default.
    network = await admin.post("/v1/watches", json={"name": "réseau"})
    assert network.status_code == 201
    assert STAFF_EMAIL  # configured in conftest: what lets the network's watch mail


async def test_a_call_removed_before_the_digest_is_not_sent(
    app: FastAPI, admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"retire-{tag}@example.org"
    watch = (
        await admin.post(
            "/v1/watches",
            json={
                "name": "Hebdo",
                "funder": f"Funder {tag}",
                "frequency": "weekly",
                "email": address,
                "channels": ["email", "webhook"],
            },
        )
    ).json()
    kept = await new_call(admin, tag, title=f"Kept {tag}")
    removed = await new_call(admin, tag, title=f"Removed {tag}")
    now = datetime.now(UTC)
    await run_pass(runtime, app, now=now)
    assert (await admin.delete(f"/v1/calls/{removed['id']}")).status_code == 204
    settings = app.state.settings
    moment = last_digest_moment(
        now + timedelta(days=7), weekday=settings.digest_weekday, hour=settings.digest_hour
    )
    await run_pass(runtime, app, now=moment + timedelta(hours=1))
    (digest,) = await mail_rows(runtime, address)
    assert [c["id"] for c in digest["data"]["calls"]] == [kept["id"]]
    assert [e["call"]["id"] for e in await watch_events(runtime, watch["id"])] == [kept["id"]]


async def test_a_change_to_a_watch_with_programmes_is_a_new_version_and_a_new_baseline(
    app: FastAPI, admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Checking the programmes queries the database, which flushed the change before the
    service looked for one: the version stayed 1 and the new filters had no baseline."""
    tag = uuid.uuid4().hex[:8]
    await new_call(admin, f"known-{tag}", programme="Horizon Europe (HORIZON)")
    created = await admin.post(
        "/v1/watches",
        json={
            "name": "Mer",
            "programmes": ["HORIZON"],
            "funder": f"Funder {tag}",
            "min_budget": 5_000_000,
            "channels": ["webhook"],
        },
    )
    assert created.status_code == 201, created.text
    watch = created.json()
    url = f"/v1/watches/{watch['id']}"
    # A call the watch's budget floor leaves out, there before the filters change.
    existing = await new_call(admin, tag, programme="Horizon Europe (HORIZON)")

    changed = await admin.patch(
        url, json={"name": "Mer 3", "min_budget": 1000}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["version"] == 2
    assert changed.json()["updated_at"] > changed.json()["created_at"]
    stale = await admin.patch(url, json={"name": "Mer 4"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    themed = await admin.patch(
        url, json={"themes": ["sea_coast", "science_society"]}, headers={"If-Match": '"2"'}
    )
    assert themed.status_code == 200, themed.text
    assert themed.headers["etag"] == '"3"'
    same = await admin.patch(url, json={"themes": ["sea_coast", "science_society"]})
    assert same.headers["etag"] == '"3"'  # nothing changed: no new version

    # What the new filters select now is known, not news: the pass sends nothing.
    await run_pass(runtime, app)
    assert await watch_events(runtime, watch["id"]) == []
    async with runtime.database.transaction(write=False) as session:
        told = await watch_repository.told(session, uuid.UUID(watch["id"]))
    assert (existing["id"], True) in [(str(n.call_id), n.baseline) for n in told]
