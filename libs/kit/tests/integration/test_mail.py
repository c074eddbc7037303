"""The mail outbox and sender against real databases and a real SMTP server (the sink)."""

from __future__ import annotations

import asyncio
import contextlib
import stat
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kit.db import Database
from kit.lease import finish_lease, lease_table, run_periodically, take_lease
from kit.mail import Attachment, MailCategory, MailOutbox, UnsubscribeTokens
from kit.mail.sender import MailSender
from kit.mail.sink import MailSink, ReceivedMail
from kit.mail.summary import SummarySection, write_staff_summary
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.nats import free_port
from kit.testing.polling import wait_until

TEMPLATES = Path(__file__).parent / "mail_templates"
DATA = {
    "name": "Ada",
    "title": "Forum des sciences",
    "page_link": "/p/registrations/abc",
    "starts_at": "2026-12-08T13:30:00+00:00",
}


@pytest.fixture
async def mail(database: Database) -> MailOutbox:
    metadata = sa.MetaData()
    mail = MailOutbox(metadata, service="kittest", templates=TEMPLATES)
    table = lease_table(metadata)
    assert table.name == "leases"
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return mail


def settings_for(port: int, **overrides: Any) -> CommonSettings:
    values: dict[str, Any] = {
        "smtp_url": f"smtp://127.0.0.1:{port}?starttls=off",
        "public_url": "https://maillage.example.org",
        "mail_from": "Réseau Maillage <bonjour@maillage.example.org>",
        "mail_poll_seconds": 0.2,
        "mail_retry_cap_seconds": 1.0,
        "smtp_timeout_seconds": 5.0,
        **overrides,
    }
    return CommonSettings(**values)


@contextlib.asynccontextmanager
async def sending(sender: MailSender) -> AsyncIterator[None]:
    sender.database.on_outbox_commit(sender.wake)
    task = asyncio.create_task(sender.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def enqueue(
    database: Database, mail: MailOutbox, key: str, to: str = "ada@example.org", **kw: Any
) -> bool:
    async with database.transaction() as session:
        return await mail.send(
            session, to=to, template=kw.pop("template", "hello"), data=kw.pop("data", DATA),
            key=key, **kw
        )  # fmt: skip


async def rows(database: Database, mail: MailOutbox) -> dict[str, Any]:
    async with database.transaction(write=False) as session:
        found = (await session.execute(sa.select(mail.table))).all()
    return {row.key: row for row in found}


async def received_count(sink: MailSink, n: int) -> list[ReceivedMail] | None:
    got = sink.received()
    return got if len(got) >= n else None


async def test_a_message_arrives_rendered_with_absolute_links_and_its_attachment(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        await enqueue(
            database,
            mail,
            "k1",
            to_name="Ada Lovelace",
            attachments=[Attachment("event.ics", "text/calendar", ics)],
        )
        async with sending(sender):
            [got] = await wait_until(lambda: received_count(sink, 1), what="message received")
    message = got.message
    assert message["Subject"] == "Bonjour Ada : Forum des sciences"
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert message["To"].addresses[0].display_name == "Ada Lovelace"
    assert message["From"].addresses[0].display_name == "Réseau Maillage"
    assert message["Message-ID"].endswith("@kittest.maillage>")
    assert "List-Unsubscribe" not in message  # transactional
    assert "https://maillage.example.org/p/registrations/abc" in got.text
    assert "mardi 8 décembre 2026 à 14:30" in got.text  # Europe/Paris
    assert 'href="https://maillage.example.org/p/registrations/abc"' in got.html
    assert got.attachments() == [("event.ics", ics)]
    # A message carries personal links (a registration's, a survey's): the sink keeps it
    # for its owner alone, as make_private keeps var/, whatever --dir it is given.
    assert stat.S_IMODE((tmp_path / "mail").stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in (tmp_path / "mail").glob("*.eml")} == {0o600}
    row = (await rows(database, mail))["k1"]
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)


async def test_english_when_asked_french_otherwise(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "en", language="en")
        await enqueue(database, mail, "xx", to="bob@example.org", language="de")
        await sender.send_due()
    subjects = sorted(m.message["Subject"] for m in sink.received())
    assert subjects == ["Bonjour Ada : Forum des sciences", "Hello Ada: Forum des sciences"]


async def test_line_breaks_in_names_and_titles_never_reach_the_headers(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    evil = {**DATA, "title": "Forum\r\nBcc: victim@example.org\r\n\r\n<script>x</script>"}
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "evil", data=evil, to_name="Eve\r\nBcc: other@example.org")
        await sender.send_due()
    [got] = sink.received()
    assert "Bcc" not in got.message
    assert got.envelope_to == ["ada@example.org"]
    assert "\n" not in str(got.message["Subject"])
    assert got.message["To"].addresses[0].addr_spec == "ada@example.org"
    assert "<script>" not in got.html
    assert "&lt;script&gt;" in got.html


async def test_one_message_per_key_even_with_two_senders(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    assert await enqueue(database, mail, "same")
    assert not await enqueue(database, mail, "same")  # a retried request writes nothing
    for i in range(40):
        await enqueue(database, mail, f"k{i}", to=f"p{i}@example.org")
    async with MailSink(tmp_path / "mail") as sink:
        settings = settings_for(sink.port, mail_batch_size=7)
        replicas = [MailSender(database, mail, settings) for _ in range(2)]
        async with sending(replicas[0]), sending(replicas[1]):
            await wait_until(lambda: received_count(sink, 41), what="41 messages")
            await asyncio.sleep(0.5)  # time for a duplicate to show up, if any
        recipients = [str(m.message["To"]) for m in sink.received()]
    assert len(recipients) == 41
    assert len(set(recipients)) == 41


async def test_messages_wait_while_the_server_is_down_then_all_go_once(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    port = free_port()
    sender = MailSender(database, mail, settings_for(port))
    for i in range(5):
        await enqueue(database, mail, f"k{i}", to=f"p{i}@example.org")
    await sender.send_due()  # nobody listens
    waiting = await rows(database, mail)
    assert {row.status for row in waiting.values()} == {"pending"}
    tried = [row for row in waiting.values() if row.attempts == 1]
    # Each connection found the server down once; the messages not tried wait with them.
    assert 1 <= len(tried) <= 4
    assert "cannot reach" in (tried[0].last_error or "")
    async with sending(sender), MailSink(tmp_path / "mail", port=port) as sink:
        await wait_until(lambda: received_count(sink, 5), within=15, what="5 messages")
        await asyncio.sleep(0.3)
        assert len(sink.received()) == 5
    assert {row.status for row in (await rows(database, mail)).values()} == {"sent"}


async def test_a_refused_address_is_recorded_with_the_server_answer_and_not_retried(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    def refuse(address: str) -> str | None:
        return "550 5.1.1 No such mailbox" if address.startswith("nobody@") else None

    async with MailSink(tmp_path / "mail", refuse=refuse) as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "bad", to="nobody@example.org")
        await enqueue(database, mail, "good", to="ada@example.org")
        await sender.send_due()
        await sender.send_due()
        assert [str(m.message["To"]) for m in sink.received()] == ["ada@example.org"]
    found = await rows(database, mail)
    assert found["bad"].status == "failed"
    assert found["bad"].attempts == 1
    assert "550 5.1.1 No such mailbox" in found["bad"].last_error
    async with database.transaction(write=False) as session:
        attempts = (await session.execute(sa.select(mail.attempts))).all()
    assert sorted(a.outcome for a in attempts) == ["permanent", "sent"]


async def test_a_non_ascii_address_the_server_cannot_take_fails_that_message_only(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    # The sink offers no SMTPUTF8: the address cannot be given to it, and the sender must
    # record that, not crash on encoding the envelope (which left its claim hanging).
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "idn", to="ada@exémple.fr")
        await enqueue(database, mail, "fine", to="bob@example.org")
        await sender.send_due()
        assert [str(m.message["To"]) for m in sink.received()] == ["bob@example.org"]
    found = await rows(database, mail)
    assert (found["fine"].status, found["idn"].status) == ("sent", "failed")
    assert "SMTPUTF8" in found["idn"].last_error


async def test_a_template_error_fails_that_message_only(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "broken", data={"name": "Ada"})  # no title
        await enqueue(database, mail, "missing", template="no_such_template")
        await enqueue(database, mail, "fine", to="bob@example.org")
        await sender.send_due()
        assert len(sink.received()) == 1
    found = await rows(database, mail)
    assert found["fine"].status == "sent"
    assert found["broken"].status == "failed"
    assert "title" in found["broken"].last_error
    assert found["missing"].status == "failed"
    assert "no_such_template" in found["missing"].last_error


async def test_the_rate_setting_spaces_the_sends(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    for i in range(6):
        await enqueue(database, mail, f"k{i}", to=f"p{i}@example.org")
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port, mail_rate_per_minute=600))
        started = time.monotonic()
        await sender.send_due()
        elapsed = time.monotonic() - started
        assert len(sink.received()) == 6
    assert elapsed >= 0.5  # 6 sends 0.1 s apart


async def test_the_rate_holds_across_replicas(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    """Two senders of one service share its rate: together they claim at most a minute's
    worth, where each used to claim a whole batch and pace only itself (and a batch paced
    over more than its claim could be claimed again by the other and sent twice)."""
    for i in range(20):
        await enqueue(database, mail, f"k{i}", to=f"p{i}@example.org")
    async with MailSink(tmp_path / "mail") as sink:
        settings = settings_for(sink.port, mail_rate_per_minute=6, mail_batch_size=10)
        first, second = (MailSender(database, mail, settings) for _ in range(2))
        assert len(await first._claim()) == 6
        assert await second._claim() == []
        # Attempts of the last minute count as well as claims: the six claimed are tried
        # (recorded as they would be) and given back, and the quota stays spent.
        now = datetime.now(UTC)
        async with database.transaction() as session:
            claimed = (await session.execute(sa.select(mail.table.c.id).where(
                mail.table.c.status == "sending"))).scalars().all()  # fmt: skip
            assert len(claimed) == 6
            await session.execute(sa.insert(mail.attempts), [
                {"mail_id": i, "attempted_at": now, "outcome": "temporary"} for i in claimed
            ])  # fmt: skip
            await session.execute(
                sa.update(mail.table).values(status="pending", claimed_until=None)
            )
        assert await second._claim() == []
        assert sink.received() == []


async def test_reminders_carry_one_click_unsubscribe_and_respect_it(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    tokens = UnsubscribeTokens(DEV_IDENTITY_SECRET, service="kittest")
    async with MailSink(tmp_path / "mail") as sink:
        sender = MailSender(database, mail, settings_for(sink.port))
        await enqueue(database, mail, "r1", category=MailCategory.REMINDER, kind="reminders")
        await sender.send_due()
        [reminder] = sink.received()
        link = reminder.message["List-Unsubscribe"].strip("<>")
        assert link.startswith("https://maillage.example.org/p/unsubscribe/")
        # On the wire as one plain line (RFC 2369/8058), never RFC 2047 encoded words that
        # mail clients cannot read as a link.
        raw = reminder.path.read_bytes()
        assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in raw, raw[:800]
        assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
        assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in reminder.text
        assert link in reminder.html
        token = link.rsplit("/", 1)[1]

        assert tokens.read(token[:-2] + "xx") is None  # altered
        assert UnsubscribeTokens(DEV_IDENTITY_SECRET, service="other").read(token) is None
        async with database.transaction() as session:
            target = await mail.unsubscribe(session, tokens, token)
            again = await mail.unsubscribe(session, tokens, token)  # idempotent
        assert target == again
        assert target is not None
        assert (target.address, target.kind) == ("ada@example.org", "reminders")

        await enqueue(database, mail, "r2", category=MailCategory.REMINDER, kind="reminders")
        await enqueue(database, mail, "t1")  # transactional: always sent
        await sender.send_due()
        assert len(sink.received()) == 2
    found = await rows(database, mail)
    assert found["r2"].status == "suppressed"
    assert found["t1"].status == "sent"


async def test_a_lease_is_held_by_one_replica_per_period(database: Database) -> None:
    metadata = sa.MetaData()
    table = lease_table(metadata)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    hour = timedelta(hours=1)
    taken = await asyncio.gather(
        *(take_lease(database, table, "job", holder=f"r{i}", period=hour) for i in range(4))
    )
    assert sorted(taken) == [False, False, False, True]
    winner = f"r{taken.index(True)}"
    await finish_lease(database, table, "job", holder=winner, result={"sent": 3})
    # Free again, but this period's run is done.
    assert not await take_lease(database, table, "job", holder="late", period=hour)
    assert await take_lease(database, table, "job", holder="late", period=timedelta(0))
    async with database.transaction(write=False) as session:
        row = (await session.execute(sa.select(table))).one()
    assert row.holder == "late"
    assert row.last_run_at > datetime.now(UTC) - timedelta(minutes=1)


async def test_a_periodic_job_longer_than_its_lease_keeps_holding_it(database: Database) -> None:
    """run_periodically took the lease for hold_for and never renewed it: a job running
    longer (a watch pass over many watches) lost it midway, and another replica, its
    period come, ran the same job beside it."""
    metadata = sa.MetaData()
    table = lease_table(metadata)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_job() -> dict[str, Any]:
        started.set()
        await release.wait()
        return {"done": 1}

    looping = asyncio.create_task(
        run_periodically(
            database, table, "slow", slow_job, period=timedelta(0), hold_for=timedelta(seconds=1)
        )
    )
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        await asyncio.sleep(2.5)  # more than twice the lease
        assert not await take_lease(database, table, "slow", holder="other-replica")
        release.set()

        async def finished() -> bool:
            async with database.transaction(write=False) as session:
                row = (await session.execute(sa.select(table))).one()
            return row.last_result == {"done": 1} and row.held_until is None

        await wait_until(finished, what="the job's result recorded and its lease freed")
    finally:
        looping.cancel()
        await asyncio.gather(looping, return_exceptions=True)


async def test_the_staff_summary_goes_once_a_day_when_something_waits(
    database: Database, mail: MailOutbox, tmp_path: Path
) -> None:
    waiting = [SummarySection(key="pending_events", count=2, examples=["Forum", "Atelier"])]

    async def collect(session: Any) -> list[SummarySection]:
        return waiting

    async with MailSink(tmp_path / "mail") as sink:
        settings = settings_for(sink.port, staff_email="equipe@example.org", staff_summary_hour=8)
        sender = MailSender(database, mail, settings)
        early = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 07:30 in Paris
        assert not (await write_staff_summary(database, mail, settings, collect, now=early))[
            "written"
        ]
        morning = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        first = await write_staff_summary(database, mail, settings, collect, now=morning)
        again = await write_staff_summary(database, mail, settings, collect, now=morning)
        assert (first["written"], again["written"]) == (True, False)
        await sender.send_due()
        [summary] = sink.received()
        assert summary.message["Subject"] == "Ce qui vous attend (kittest) : 2 élément(s)"
        assert "Événements à modérer : 2" in summary.text
        assert "- Atelier" in summary.text
        assert summary.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        waiting = []
        next_day = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
        assert (await write_staff_summary(database, mail, settings, collect, now=next_day))[
            "waiting"
        ] == 0
