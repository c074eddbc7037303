"""The portal sync against the local fake portal, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from contracts.eu_watch import CALL_CLOSED, CALL_PUBLISHED, CALL_UPDATED
from eu_watch.calls.models import Call
from eu_watch.config import Settings
from eu_watch.db import leases, outbox
from eu_watch.sources.service import SYNC_LEASE, sedia_sync
from eu_watch.sources.worker import move_statuses
from eu_watch.testing.fake_portal import FakePortal, portal_faq, portal_topic
from kit.identity import IdentitySigner, Role
from kit.lease import finish_lease, take_lease
from kit.service import Runtime
from kit.testing.plugin import asgi_client, identity_headers


async def events_about(runtime: Runtime, identifiers: list[str]) -> list[tuple[str, str]]:
    """(type, identifier) of the outbox events about the calls holding ``identifiers``."""
    async with runtime.database.transaction(write=False) as session:
        query = sa.select(Call.id, Call.identifier).where(Call.identifier.in_(identifiers))
        ids = dict((await session.execute(query)).all())
        rows = await session.execute(
            sa.select(outbox.table.c.type, outbox.table.c.envelope).order_by(
                outbox.table.c.position
            )
        )
        found = []
        for event_type, envelope in rows:
            for call_id, identifier in ids.items():
                if str(call_id).encode() in envelope:
                    found.append((event_type, identifier))
        return found


async def stored(runtime: Runtime, prefix: str) -> dict[str, Call]:
    async with runtime.database.transaction(write=False) as session:
        calls = await session.scalars(sa.select(Call).where(Call.identifier.startswith(prefix)))
        return {call.identifier: call for call in calls}


def scenario(prefix: str) -> list[dict[str, Any]]:
    """15 results, 4 pages of 4 (the test app's page size): FAQ records, a two-stage topic,
    a duplicate across pages, a broken date, a topic past its deadline."""
    topic = [
        portal_topic(f"{prefix}-{n:02d}", title=f"Topic {n} on citizen science") for n in range(9)
    ]
    two_stage = portal_topic(
        f"{prefix}-TWO", title="Two-stage topic", deadlines=["2027-02-04", "2027-09-15"]
    )
    broken = portal_topic(f"{prefix}-BROKEN", title="Broken", deadlines=["15/09/2027"])
    past = portal_topic(f"{prefix}-PAST", title="Closed already", deadlines=["2025-01-10"])
    return [
        *topic[0:2],
        portal_faq(1),
        two_stage,
        *topic[2:4],
        topic[1],  # the same topic again, on another page
        broken,
        *topic[4:7],
        past,
        portal_faq(2),
        *topic[7:9],
    ]


async def test_sync_reads_every_page_and_skips_what_it_must(
    portal: tuple[FakePortal, str], settings: Settings, runtime: Runtime
) -> None:
    fake, _ = portal
    prefix = f"HORIZON-T{uuid.uuid4().hex[:6].upper()}"
    fake.reset(scenario(prefix))
    fake.trouble[2] = ["500"]
    fake.trouble[3] = ["429"]
    fake.retry_after = "1"
    report = await sedia_sync.run(runtime.database, settings, trigger="test")
    assert report is not None
    assert report.last_outcome == "partial"
    counts = report.counts
    assert (counts.pages, counts.pages_failed, counts.results) == (4, 0, 15)
    assert (counts.faq_skipped, counts.duplicates, counts.unreadable) == (2, 1, 1)
    assert (counts.created, counts.updated) == (11, 0)
    assert counts.retries == 2
    assert any(f"{prefix}-BROKEN" in error and "not a date" in error for error in report.errors)

    calls = await stored(runtime, prefix)
    assert len(calls) == 11
    assert f"{prefix}-BROKEN" not in calls
    two_stage = calls[f"{prefix}-TWO"]
    assert two_stage.deadlines == ["2027-02-04T17:00:00+01:00", "2027-09-15T17:00:00+02:00"]
    assert two_stage.deadline_model == "two-stage"
    assert two_stage.programme == "Horizon Europe (HORIZON)"
    # The portal still says open; the dates say closed.
    assert calls[f"{prefix}-PAST"].status == "closed"
    assert calls[f"{prefix}-00"].status == "open"
    published = await events_about(runtime, list(calls))
    assert sorted(published) == sorted((CALL_PUBLISHED, i) for i in calls)


async def test_a_sync_with_nothing_new_writes_and_announces_nothing(
    portal: tuple[FakePortal, str], settings: Settings, runtime: Runtime
) -> None:
    fake, _ = portal
    prefix = f"HORIZON-U{uuid.uuid4().hex[:6].upper()}"
    fake.reset(scenario(prefix))
    await sedia_sync.run(runtime.database, settings, trigger="test")
    before = {i: (c.version, c.updated_at) for i, c in (await stored(runtime, prefix)).items()}
    events_before = await events_about(runtime, list(before))

    again = await sedia_sync.run(runtime.database, settings, trigger="test")
    assert again is not None
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 11)
    after = {i: (c.version, c.updated_at) for i, c in (await stored(runtime, prefix)).items()}
    assert after == before
    assert await events_about(runtime, list(before)) == events_before

    # One topic changes on the portal: one write, one event.
    changed = scenario(prefix)
    changed[0]["metadata"]["title"] = ["Topic 0, retitled"]
    fake.reset(changed)
    third = await sedia_sync.run(runtime.database, settings, trigger="test")
    assert third is not None
    assert (third.counts.created, third.counts.updated) == (0, 1)
    calls = await stored(runtime, prefix)
    assert calls[f"{prefix}-00"].title == "Topic 0, retitled"
    assert calls[f"{prefix}-00"].version == 2
    assert (await events_about(runtime, list(calls)))[-1] == (CALL_UPDATED, f"{prefix}-00")


async def test_a_page_that_keeps_failing_is_counted_and_the_sync_goes_on(
    portal: tuple[FakePortal, str], settings: Settings, runtime: Runtime
) -> None:
    fake, _ = portal
    prefix = f"HORIZON-V{uuid.uuid4().hex[:6].upper()}"
    fake.reset(portal_topic(f"{prefix}-{n:02d}", title=f"Topic {n}") for n in range(12))
    fake.trouble[2] = ["html"] * settings.sedia_max_attempts
    fake.facet_trouble = ["502"] * settings.sedia_max_attempts
    report = await sedia_sync.run(runtime.database, settings, trigger="test")
    assert report is not None
    assert (report.counts.pages, report.counts.pages_failed, report.counts.created) == (3, 1, 8)
    assert any("page 2" in e and "not JSON" in e for e in report.errors)
    # The facet endpoint failed: labels kept from the earlier runs still name programmes.
    assert any(e.startswith("facets:") for e in report.errors)
    assert (await stored(runtime, prefix))[f"{prefix}-00"].programme == "Horizon Europe (HORIZON)"


async def test_a_portal_out_of_reach_is_a_failed_run_whose_counts_agree_with_its_errors(
    portal: tuple[FakePortal, str], settings: Settings, runtime: Runtime
) -> None:
    fake, _ = portal
    fake.reset([portal_topic(f"HORIZON-D{uuid.uuid4().hex[:6].upper()}-00", title="Topic")])
    fake.trouble[1] = ["502"] * settings.sedia_max_attempts
    report = await sedia_sync.run(runtime.database, settings, trigger="test")
    assert report is not None
    assert report.last_outcome == "failed"
    (error,) = [e for e in report.errors if not e.startswith("facets:")]
    assert "page 1" in error
    # It said pages_failed 0 beside that error.
    assert (report.counts.pages, report.counts.pages_failed, report.counts.created) == (1, 1, 0)


async def test_one_sync_at_a_time(
    portal: tuple[FakePortal, str],
    settings: Settings,
    runtime: Runtime,
    app: Any,
    identity_signer: IdentitySigner,
) -> None:
    fake, _ = portal
    fake.reset()
    assert await take_lease(runtime.database, leases, SYNC_LEASE, holder="other-replica")
    try:
        assert await sedia_sync.run(runtime.database, settings, trigger="test") is None
        async with asgi_client(app, identity_headers(identity_signer, Role.ADMIN)) as admin:
            busy = await admin.post("/v1/calls/sources/sedia/sync")
            assert busy.status_code == 202
            assert busy.json()["running"] is True
            assert (await admin.get("/v1/calls/sources")).json()[0]["running"] is True
        # Nothing was started: the other replica's lease is still there, untouched.
        assert await sedia_sync.run(runtime.database, settings, trigger="test") is None
    finally:
        await finish_lease(runtime.database, leases, SYNC_LEASE, holder="other-replica")


async def test_a_sync_longer_than_its_lease_keeps_it_page_by_page(
    portal: tuple[FakePortal, str], settings: Settings, runtime: Runtime
) -> None:
    """sync_lease_seconds was said to be renewed by each page, and was not: a run longer
    than it (a slow portal, Retry-After waits) let another replica's start-up sync or a
    staff "sync now" start a second run beside it. Each page here takes about a second (a
    429 with Retry-After: 1), the lease 2.5 s, the run about 4 s."""
    fake, _ = portal
    fake.reset(scenario(f"HORIZON-L{uuid.uuid4().hex[:6].upper()}"))
    for page in (1, 2, 3, 4):
        fake.trouble[page] = ["429"]
    fake.retry_after = "1"
    short = settings.model_copy(update={"sync_lease_seconds": 2.5})
    syncing = asyncio.create_task(sedia_sync.run(runtime.database, short, trigger="test"))
    expired_while_running = []
    while not syncing.done():
        await asyncio.sleep(0.2)
        async with runtime.database.transaction(write=False) as session:
            held_until = await session.scalar(
                sa.select(leases.c.held_until).where(leases.c.name == SYNC_LEASE)
            )
        if held_until is None:  # finished: the lease is free again
            break
        if held_until < datetime.now(UTC):  # another replica could take it now
            expired_while_running.append(held_until)
    report = await syncing
    assert expired_while_running == []
    assert report is not None
    assert report.counts.pages == 4


async def test_staff_run_a_sync_now_and_read_its_report(
    portal: tuple[FakePortal, str],
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    app: Any,
    identity_signer: IdentitySigner,
) -> None:
    fake, _ = portal
    prefix = f"HORIZON-W{uuid.uuid4().hex[:6].upper()}"
    broken = portal_topic(f"{prefix}-BROKEN", title="Broken", deadlines=["15/09/2027"])
    fake.reset([portal_topic(f"{prefix}-01", title="One"), portal_faq(3), broken])
    asked_at = datetime.now(UTC)
    member_headers = identity_headers(identity_signer, Role.MEMBER, actor_ids=(uuid.uuid4(),))
    async with asgi_client(app, member_headers) as member:
        refused = await member.post("/v1/calls/sources/sedia/sync")
        assert refused.status_code == 403
    started = await admin.post("/v1/calls/sources/sedia/sync")
    assert started.status_code == 202, started.text
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        (source,) = (await anonymous.get("/v1/calls/sources")).json()
        finished = source["last_finished_at"]
        if finished and datetime.fromisoformat(finished) > asked_at and not source["running"]:
            break
        assert asyncio.get_running_loop().time() < deadline, source
        await asyncio.sleep(0.05)
    assert source["last_outcome"] == "partial"  # a record could not be read
    assert source["counts"]["created"] == 1
    assert (source["counts"]["faq_skipped"], source["counts"]["unreadable"]) == (1, 1)
    assert source["scheduled"] is False
    assert source["next_run_at"] is None
    # Anyone sees that a record was unreadable; its error's text and whose key asked for the
    # run are staff's (both were public).
    assert (source["last_trigger"], source["errors"]) == ("staff", [])
    (staff_view,) = (await admin.get("/v1/calls/sources")).json()
    assert staff_view["last_trigger"].startswith("staff:")
    assert any(f"{prefix}-BROKEN" in error for error in staff_view["errors"])
    # The run staff asked for is not kept among the app's tasks once it is over.
    assert "eu-watch-sedia-sync-now" not in {t.get_name() for t in app.state.runtime.tasks}


async def test_statuses_move_with_the_dates_and_each_move_is_announced(
    admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    identifier = f"REGION-OCC-{uuid.uuid4().hex[:6]}"
    body = {
        "identifier": identifier,
        "title": "Appel à projets CSTI Occitanie",
        "funder": "Région Occitanie",
        "opening_date": "2026-01-05",
        "deadlines": [soon.isoformat()],
    }
    created = await admin.post("/v1/calls", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "open"
    assert created.json()["funder"] == "Région Occitanie"
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    await move_statuses(runtime.database)
    call = (await admin.get(f"/v1/calls/{created.json()['id']}")).json()
    assert call["status"] == "closed"
    assert call["version"] == 2
    events = await events_about(runtime, [identifier])
    assert [t for t, _ in events] == [CALL_PUBLISHED, CALL_UPDATED, CALL_CLOSED]
    # Nothing left to move: a second pass announces nothing more.
    await move_statuses(runtime.database)
    assert len(await events_about(runtime, [identifier])) == 3
