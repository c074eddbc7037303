"""Engine and transactions on both backends: pragmas, UTC datetimes, commit hooks, writers."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from kit.db import OUTBOX_DIRTY, Database, create_engine
from kit.sqltypes import Json, UtcDateTime

metadata = sa.MetaData()
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime()),
    sa.Column("doc", Json),
)
owners = sa.Table("owners", metadata, sa.Column("id", sa.Integer, primary_key=True))
pets = sa.Table(
    "pets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), nullable=False),
)
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)


@pytest.fixture
async def db(database: Database) -> Database:
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return database


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        assert db.engine.dialect.name == "postgresql"
        return
    async with db.engine.connect() as connection:
        mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    assert (mode, keys) == ("wal", 1)


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        async with db.transaction() as session:
            await session.execute(sa.insert(pets).values(id=1, owner_id=42))


async def test_datetimes_come_back_aware_and_in_utc(db: Database) -> None:
    paris_summer = timezone(timedelta(hours=2))
    moment = datetime(2025, 7, 14, 22, 30, 15, 123456, tzinfo=paris_summer)
    async with db.transaction() as session:
        await session.execute(sa.insert(things).values(id=1, at=moment, doc={"é": [1, None]}))
    async with db.transaction(write=False) as session:
        row = (await session.execute(sa.select(things))).one()
        later = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(things)
                .where(things.c.at > datetime(2025, 7, 14, 20, 30, 15, tzinfo=UTC))
            )
        ).scalar_one()
    assert row.at == moment
    assert row.at.tzinfo == UTC
    assert row.at.hour == 20
    assert row.doc == {"é": [1, None]}
    assert later == 1  # compared as instants, not as local wall-clock text


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        async with db.transaction() as session:
            await session.execute(sa.insert(things).values(id=2, at=datetime(2025, 1, 1)))  # noqa: DTZ001


async def abandoned(
    db: Database, statement: sa.Executable, *, outbox_written: bool = False
) -> None:
    """Execute ``statement`` in a transaction that then fails."""
    async with db.transaction() as session:
        await session.execute(statement)
        if outbox_written:
            session.info[OUTBOX_DIRTY] = True
        raise RuntimeError("changed my mind")


async def test_a_transaction_commits_once_or_not_at_all(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(sa.insert(owners).values(id=1))
    with pytest.raises(RuntimeError):
        await abandoned(db, sa.insert(owners).values(id=2))
    async with db.transaction(write=False) as session:
        ids = (await session.execute(sa.select(owners.c.id))).scalars().all()
    assert ids == [1]


async def test_outbox_hooks_run_after_commit_only(db: Database) -> None:
    seen: list[int] = []

    def hook() -> None:
        seen.append(1)

    db.on_outbox_commit(hook)
    async with db.transaction() as session:  # no outbox row written: no wake-up
        await session.execute(sa.insert(owners).values(id=1))
    assert seen == []
    with pytest.raises(RuntimeError):
        await abandoned(db, sa.insert(owners).values(id=2), outbox_written=True)
    assert seen == []
    async with db.transaction() as session:
        await session.execute(sa.insert(owners).values(id=3))
        session.info[OUTBOX_DIRTY] = True
    assert len(seen) == 1


async def test_concurrent_writers_queue_instead_of_failing(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(sa.insert(counters).values(id=1, n=0))

    async def bump() -> None:
        async with db.transaction() as session:
            # Read first, then write: on SQLite two deferred transactions doing this would
            # deadlock on the upgrade to a write lock ("database is locked").
            await session.execute(sa.select(counters.c.n).where(counters.c.id == 1))
            await asyncio.sleep(0.01)
            await session.execute(
                sa.update(counters).where(counters.c.id == 1).values(n=counters.c.n + 1)
            )

    await asyncio.gather(*(bump() for _ in range(20)))
    async with db.transaction(write=False) as session:
        n = (await session.execute(sa.select(counters.c.n))).scalar_one()
    assert n == 20


async def test_reads_answer_while_many_writers_queue(db: Database) -> None:
    # Sixty writers holding their transaction 0.1 s each: on SQLite they take turns; a read
    # meanwhile must not wait behind them for a pooled connection (it waited ~4 s, and at
    # the surveys bench's load the pool timed out into 500s).
    async def write(n: int) -> None:
        async with db.transaction() as session:
            await session.execute(sa.insert(owners).values(id=1000 + n))
            await asyncio.sleep(0.1)

    writers = [asyncio.create_task(write(n)) for n in range(60)]
    await asyncio.sleep(0.3)
    started = asyncio.get_running_loop().time()
    async with db.transaction(write=False) as session:
        await session.execute(sa.select(sa.func.count()).select_from(owners))
    waited = asyncio.get_running_loop().time() - started
    await asyncio.gather(*writers)
    assert waited < 2.0, f"a read waited {waited:.1f} s behind queued writers"
    async with db.transaction(write=False) as session:
        count = (await session.execute(sa.select(sa.func.count()).select_from(owners))).scalar()
    assert count == 60


async def test_a_read_transaction_sees_one_snapshot(db: Database) -> None:
    """What a read shows is one moment of the database, never two: a GET reading an event and
    then its organizers' names must not pair an old version with a new name because a writer
    committed in between (READ COMMITTED on PostgreSQL did exactly that)."""
    async with db.transaction() as session:
        await session.execute(sa.insert(counters).values(id=1, n=1))
    async with db.transaction(write=False) as reading:
        first = await reading.scalar(sa.select(counters.c.n).where(counters.c.id == 1))
        # A writer commits on another connection while the read is open.
        async with db.transaction() as writing:
            await writing.execute(sa.update(counters).where(counters.c.id == 1).values(n=2))
        second = await reading.scalar(sa.select(counters.c.n).where(counters.c.id == 1))
    assert (first, second) == (1, 1)
    async with db.transaction(write=False) as session:
        assert await session.scalar(sa.select(counters.c.n).where(counters.c.id == 1)) == 2


async def test_reads_repeat_and_writes_read_committed_on_the_same_connections(
    db: Database,
) -> None:
    """PostgreSQL: a read's isolation is set on its pooled connection, and gone when a write
    takes that connection next."""
    if db.is_sqlite:
        return
    isolation = sa.text("SHOW transaction_isolation")
    for _ in range(3):
        async with db.transaction(write=False) as session:
            assert await session.scalar(isolation) == "repeatable read"
        async with db.transaction() as session:
            assert await session.scalar(isolation) == "read committed"


async def test_ping(db: Database) -> None:
    await db.ping()


async def test_a_pooled_connection_the_server_closed_is_replaced(db: Database) -> None:
    """PostgreSQL: every pooled connection's backend terminated (as by a restart), the next
    transactions still run, on new connections."""
    if db.is_sqlite:
        return
    async with db.transaction() as session:  # one pooled connection at least
        backend = await session.scalar(sa.text("SELECT pg_backend_pid()"))
    other = Database(db.url)  # another pool: this one would lend the connection to end
    try:
        async with other.transaction() as session:
            await session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    finally:
        await other.dispose()
    await asyncio.sleep(0.2)  # the event loop hears the socket close
    for _ in range(3):
        async with db.transaction() as session:
            assert await session.scalar(sa.text("SELECT pg_backend_pid()")) != backend


async def test_a_sqlite_databases_folder_made_here_is_its_owners_alone(tmp_path: Path) -> None:
    """A service run on its own (not under ``maillage run``, whose var/ make_private keeps)
    made ``var/`` 0755 for its database: answers, contacts and secrets every user of the
    machine could read."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/var/service.db")
    try:
        assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    finally:
        await engine.dispose()
