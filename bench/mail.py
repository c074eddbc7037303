"""Mail through the outbox to a real SMTP server: how fast, and nothing lost or sent twice.

For SQLite (a file, the embedded default) and PostgreSQL (when one answers) side by side:

1. 2,000 messages written in the mail outbox (100 per transaction, as a busy service would),
   then sent by one sender (the settings' defaults: 4 SMTP connections, batches of 100) to the
   local sink running as its own process (``python -m kit.mail.sink``, what ``make run``
   starts). Target: all delivered in ≤ 20 s, 0 lost, 0 twice.
2. 500 messages while the sink is stopped for 60 s in the middle (after about 250 arrived)
   and started again on the same port: every message must arrive, once. The time after the
   sink is back depends on the retry backoff (exponential with jitter, capped by
   ``MAILLAGE_MAIL_RETRY_CAP_SECONDS``).

Each recipient is unique, so "lost" is a recipient with no .eml and "twice" one with two.

    .venv/bin/python -P bench/mail.py [--messages 2000] [--outage-messages 500] [--down 60]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kit.db import Database
from kit.mail import MailOutbox
from kit.mail.sender import MailSender
from kit.mail.sink import received
from kit.settings import CommonSettings
from kit.testing.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    sqlite_url,
)
from kit.testing.nats import free_port

TEMPLATES = Path(__file__).parent / "mail_templates"
BUDGET_SECONDS = 20.0


class Sink:
    """The sink as its own process, which can be stopped and started again on its port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kit.mail.sink", "--dir", str(self.directory),
            "--port", str(self.port), stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return
        raise RuntimeError("the sink did not start")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()  # as a crash: open connections cut mid-way
            await self.process.wait()

    def count(self) -> int:
        return sum(1 for _ in self.directory.glob("*.eml"))


async def enqueue(database: Database, mail: MailOutbox, count: int, prefix: str) -> float:
    started = time.perf_counter()
    for start in range(0, count, 100):
        async with database.transaction() as session:
            for n in range(start, min(start + 100, count)):
                await mail.send(
                    session,
                    to=f"{prefix}-{n}@exemple.fr",
                    to_name=f"Personne {n}",
                    template="bench",
                    data={
                        "n": n,
                        "name": f"Personne {n}",
                        "title": "Fête de la science",
                        "page_link": f"/p/registrations/token-{n}",
                    },
                    key=f"{prefix}:{n}",
                )
    return time.perf_counter() - started


def tally(directory: Path, prefix: str, count: int) -> tuple[int, int]:
    """(lost, twice) among the messages of this run."""
    seen = collections.Counter(
        rcpt for mail in received(directory) for rcpt in mail.envelope_to if rcpt.startswith(prefix)
    )
    lost = sum(1 for n in range(count) if seen[f"{prefix}-{n}@exemple.fr"] == 0)
    twice = sum(c - 1 for c in seen.values() if c > 1)
    return lost, twice


async def prepared(url: str) -> tuple[Database, MailOutbox]:
    metadata = sa.MetaData()
    mail = MailOutbox(metadata, service="bench", templates=TEMPLATES)
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return database, mail


async def throughput(url: str, workdir: Path, count: int) -> dict[str, Any]:
    database, mail = await prepared(url)
    sink = Sink(workdir / "throughput")
    await sink.start()
    settings = CommonSettings(smtp_url=f"smtp://127.0.0.1:{sink.port}?starttls=off")
    sender = MailSender(database, mail, settings)
    try:
        write_seconds = await enqueue(database, mail, count, "t")
        started = time.perf_counter()
        cpu_started = time.process_time()
        task = asyncio.create_task(sender.run())
        while sink.count() < count or await sender.pending_count():
            if time.perf_counter() - started > 300:
                break
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.5)  # a late duplicate would show now
        lost, twice = tally(sink.directory, "t", count)
    finally:
        await sink.stop()
        await database.dispose()
    return {"write": write_seconds, "send": seconds, "cpu": cpu, "lost": lost, "twice": twice}


async def outage(url: str, workdir: Path, count: int, down_seconds: float) -> dict[str, Any]:
    database, mail = await prepared(url)
    sink = Sink(workdir / "outage")
    await sink.start()
    settings = CommonSettings(smtp_url=f"smtp://127.0.0.1:{sink.port}?starttls=off")
    sender = MailSender(database, mail, settings)
    try:
        await enqueue(database, mail, count, "o")
        started = time.perf_counter()
        task = asyncio.create_task(sender.run())
        while sink.count() < count // 2:  # noqa: ASYNC110 - polling files another process writes
            await asyncio.sleep(0.005)
        await sink.stop()
        arrived_before = sink.count()
        await asyncio.sleep(down_seconds)
        await sink.start()
        back = time.perf_counter()
        while sink.count() < count or await sender.pending_count():
            if time.perf_counter() - back > 900:
                break
            await asyncio.sleep(0.05)
        after_back = time.perf_counter() - back
        total = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0.5)
        lost, twice = tally(sink.directory, "o", count)
    finally:
        await sink.stop()
        await database.dispose()
    return {
        "before": arrived_before,
        "after_back": after_back,
        "total": total,
        "lost": lost,
        "twice": twice,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--outage-messages", type=int, default=500)
    parser.add_argument("--down", type=float, default=60.0, help="seconds the sink is down")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="maillage-bench-mail-") as tmp:
        workdir = Path(tmp)
        backends: list[tuple[str, str]] = [("sqlite", sqlite_url(workdir, "bench_mail"))]
        created: list[str] = []  # PostgreSQL databases: one per scenario
        why = await postgres_reachable()
        if why is None:
            created = [await create_postgres_database("maillage_bench_mail") for _ in range(2)]
        else:
            print(f"PostgreSQL not reachable ({why}): SQLite only")
        try:
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"machine: {os.cpu_count()} cores, load average {load}")
            print(f"1. {args.messages} messages through the outbox to the local sink")
            print(
                "backend      write (s)  send (s)  msg/s   vs 20 s budget  sender CPU ms/msg"
                "  lost  twice"
            )
            for backend, url in [*backends, *(("postgresql", u) for u in created[:1])]:
                result = await throughput(url, workdir / backend, args.messages)
                rate = args.messages / result["send"]
                cpu_ms = 1000 * result["cpu"] / args.messages
                print(
                    f"{backend:<12} {result['write']:>9.2f} {result['send']:>9.2f} {rate:>6.0f}"
                    f"   {result['send'] / BUDGET_SECONDS:>6.2f}x        {cpu_ms:>10.2f}"
                    f"        {result['lost']:>4} {result['twice']:>6}"
                )
            print()
            print(
                f"2. {args.outage_messages} messages, the sink stopped {args.down:.0f} s after"
                " about half arrived"
            )
            print("backend      before stop  after back (s)  total (s)  lost  twice")
            sqlite_outage = sqlite_url(workdir, "bench_mail_outage")
            for backend, url in [
                ("sqlite", sqlite_outage),
                *(("postgresql", u) for u in created[1:]),
            ]:
                result = await outage(
                    url, workdir / f"{backend}-outage", args.outage_messages, args.down
                )
                print(
                    f"{backend:<12} {result['before']:>11} {result['after_back']:>15.1f}"
                    f" {result['total']:>10.1f} {result['lost']:>5} {result['twice']:>6}"
                )
        finally:
            for url in created:
                await drop_postgres_database(url)


if __name__ == "__main__":
    asyncio.run(main())
