"""The mail sender: renders committed mail outbox rows and hands them to the SMTP server.

One runs beside the event relay in every process of a service that mails (see
:mod:`kit.service`). A pass claims due rows (``status`` pending, or a claim that ran out) by
setting them ``sending`` until ``claimed_until``: on PostgreSQL with ``FOR UPDATE SKIP
LOCKED`` so replicas share the work, on SQLite under its single writer lock. Each message is
then rendered, sent over one of a few reused SMTP connections and its outcome recorded at
once (outcomes arriving together share a transaction):

- accepted: ``sent``, with the server's answer;
- refused for good (5xx, an address that is not one): ``failed`` with the server's answer,
  never retried;
- template error: ``failed`` with the error; the other messages go on;
- temporary (server down, 4xx, timeout): back to ``pending`` with exponential backoff
  (capped by ``MAILLAGE_MAIL_RETRY_CAP_SECONDS``), ``failed`` after
  ``MAILLAGE_MAIL_MAX_ATTEMPTS``;
- a reminder or digest to an address that unsubscribed from its kind: ``suppressed``.

Every attempt is a row of ``mail_attempts``. A key is written once (unique), claimed by one
sender at a time, and marked sent right after the server accepts it, so no message is sent
twice by two replicas or after a restart; only a process killed between the server's "250"
and that record can leave a message to be sent again once its claim runs out, then with the
same ``Message-ID`` (which mail systems use to drop the copy).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import aiosmtplib
import sqlalchemy as sa

from kit.db import Database
from kit.mail.outbox import MailCategory, MailOutbox, MailStatus
from kit.mail.rendering import (
    MailRenderer,
    MailTemplateError,
    build_message,
    unsubscribe_link,
    wire_bytes,
)
from kit.mail.smtp import SmtpServer
from kit.mail.tokens import UnsubscribeTokens
from kit.outbox import backoff_seconds
from kit.settings import CommonSettings
from kit.wakeup import woken

logger = logging.getLogger(__name__)

#: How long a claim lasts: longer than any send (SMTP timeout) plus recording.
CLAIM_MARGIN_SECONDS = 60.0


class _Temporary(Exception):
    """The server could not take the message now; try again later."""


class _ServerDown(_Temporary):
    """No connection to the server: the other messages of the pass wait too."""


class _Permanent(Exception):
    """The server refused the message for good."""


@dataclass
class _Outcome:
    status: MailStatus
    attempt: str
    response: str


class _Recorder:
    """Records outcomes as they come, many per transaction (group commit): each is written
    within milliseconds of the server's answer, without a transaction per message."""

    def __init__(self, write: Callable[[list[tuple[Any, _Outcome]]], Awaitable[None]]) -> None:
        self._write = write
        self._items: list[tuple[Any, _Outcome]] = []
        self._ready = asyncio.Event()
        self._closed = False

    def add(self, row: Any, outcome: _Outcome) -> None:
        self._items.append((row, outcome))
        self._ready.set()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            items, self._items = self._items, []
            if items:
                try:
                    await self._write(items)
                except Exception:
                    # Unrecorded, they stay claimed; once the claim runs out they are sent
                    # again (same Message-ID): late rather than lost.
                    logger.exception("mail sender: cannot record %d outcomes", len(items))
            if self._closed and not self._items:
                return


class RateLimiter:
    """Spaces this process's sends evenly, ``60 / per_minute`` seconds apart (0: no limit).

    The limit across replicas is the claim's quota (:meth:`MailSender._claim`): this only
    keeps one process from sending its share in a burst."""

    def __init__(self, per_minute: int) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


def _advisory_key(service: str) -> int:
    """A stable 63-bit PostgreSQL advisory lock key for one service's mail claims."""
    digest = hashlib.blake2b(f"mail-claims:{service}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


class MailSender:
    """Sends one service's mail outbox."""

    def __init__(self, database: Database, mail: MailOutbox, settings: CommonSettings) -> None:
        self.database = database
        self.mail = mail
        self.settings = settings
        self.server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
        self.renderer = MailRenderer(mail.templates, public_url=settings.public_url)
        self.tokens = UnsubscribeTokens(
            settings.identity_secret.get_secret_value(), service=mail.service
        )
        self.limiter = RateLimiter(settings.mail_rate_per_minute)
        self.sender_id = uuid.uuid4().hex[:8]
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the sender to look for messages now (called after a commit that wrote some)."""
        self._wake.set()

    async def run(self) -> None:
        """Send forever: what is due, then sleep until woken or polled."""
        while True:
            self._wake.clear()
            try:
                claimed = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("mail sender: pass failed; retrying")
                claimed = 0
            if claimed >= self.settings.mail_batch_size:
                continue  # more may be waiting
            await woken(self._wake, within=self.settings.mail_poll_seconds)

    async def send_due(self) -> int:
        """One pass: claim due messages, send them, record each outcome; return how many
        were claimed."""
        rows = await self._claim()
        if not rows:
            return 0
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for row in rows:
            queue.put_nowait(row)
        down: list[int] = []  # attempts of the messages that found the server down
        workers = min(self.settings.mail_connections, len(rows))
        recorder = _Recorder(self._record)
        recording = asyncio.create_task(recorder.run())
        try:
            await asyncio.gather(*(self._work(queue, down, recorder) for _ in range(workers)))
        finally:
            # What the server accepted is recorded even if this task is being cancelled.
            recorder.close()
            await asyncio.shield(recording)
        # The server went away: what was not tried waits as long as what was.
        leftover = [queue.get_nowait() for _ in range(queue.qsize())]
        if leftover:
            await self._release(leftover, delay=self._backoff(max(down, default=0) + 1))
        return len(rows)

    async def _claim(self) -> list[Any]:
        t = self.mail.table
        now = datetime.now(UTC)
        due = sa.or_(
            sa.and_(t.c.status == MailStatus.PENDING.value, t.c.next_attempt_at <= now),
            sa.and_(t.c.status == MailStatus.SENDING.value, t.c.claimed_until < now),
        )
        query = (
            sa.select(t)
            .where(t.c.status.in_([MailStatus.PENDING.value, MailStatus.SENDING.value]), due)
            .order_by(t.c.next_attempt_at, t.c.id)
            .limit(self.settings.mail_batch_size)
        )
        if not self.database.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        claim_seconds = self.settings.smtp_timeout_seconds * 3 + CLAIM_MARGIN_SECONDS
        per_minute = self.settings.mail_rate_per_minute
        async with self.database.transaction() as session:
            if per_minute > 0:
                quota = await self._quota(session, per_minute, now, claim_seconds)
                if quota <= 0:
                    return []
                query = query.limit(min(self.settings.mail_batch_size, quota))
            rows = list((await session.execute(query)).all())
            if rows:
                await session.execute(
                    sa.update(t)
                    .where(t.c.id.in_([row.id for row in rows]))
                    .values(
                        status=MailStatus.SENDING.value,
                        claimed_until=now + timedelta(seconds=claim_seconds),
                    )
                )
        return rows

    async def _quota(
        self, session: Any, per_minute: int, now: datetime, claim_seconds: float
    ) -> int:
        """How many messages this pass may claim so that the service's replicas together
        send at most ``per_minute`` a minute: the limit, less the attempts of the last minute
        and the messages claimed but not yet tried.

        Claims take turns (on PostgreSQL a transaction lock per service; SQLite has one
        writer), so two replicas never both spend the same quota. Claiming at most a minute's
        worth also keeps a slow-paced pass inside its claim: claims outliving their pass
        would let another replica send the same message again.
        """
        if not self.database.is_sqlite:
            await session.execute(
                sa.select(sa.func.pg_advisory_xact_lock(_advisory_key(self.mail.service)))
            )
        t, attempts = self.mail.table, self.mail.attempts
        # The newest ``per_minute`` attempts (read by primary key, so the count stays cheap
        # however long the log grows) that are less than a minute old.
        newest = (
            sa.select(attempts.c.attempted_at)
            .order_by(attempts.c.id.desc())
            .limit(per_minute)
            .subquery()
        )
        recent = await session.scalar(
            sa.select(sa.func.count()).where(newest.c.attempted_at > now - timedelta(minutes=1))
        )
        in_flight = await session.scalar(
            sa.select(sa.func.count())
            .select_from(t)
            .where(t.c.status == MailStatus.SENDING.value, t.c.claimed_until >= now)
        )
        return per_minute - int(recent or 0) - int(in_flight or 0)

    async def _work(self, queue: asyncio.Queue[Any], down: list[int], recorder: _Recorder) -> None:
        client: aiosmtplib.SMTP | None = None
        try:
            while not down:
                try:
                    row = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcome, client = await self._deliver(row, client)
                if outcome.attempt == "down":
                    down.append(row.attempts + 1)
                recorder.add(row, outcome)
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.quit()

    async def _deliver(
        self, row: Any, client: aiosmtplib.SMTP | None
    ) -> tuple[_Outcome, aiosmtplib.SMTP | None]:
        prepared = await self._prepare_or_outcome(row)
        if isinstance(prepared, _Outcome):
            return prepared, client
        await self.limiter.wait()
        try:
            client, response = await self._smtp_send(client, prepared, row.recipient)
        except _ServerDown as exc:
            return self._retry_or_fail(row, "down", str(exc)), None
        except _Temporary as exc:
            return self._retry_or_fail(row, "temporary", str(exc)), client
        except _Permanent as exc:
            return _Outcome(MailStatus.FAILED, "permanent", str(exc)), client
        return _Outcome(MailStatus.SENT, "sent", response), client

    async def _prepare_or_outcome(self, row: Any) -> EmailMessage | _Outcome:
        try:
            message = await self._prepare(row)
        except MailTemplateError as exc:
            return _Outcome(MailStatus.FAILED, "template", str(exc))
        except ValueError as exc:  # an address that is not one
            return _Outcome(MailStatus.FAILED, "permanent", str(exc))
        if message is None:
            return _Outcome(MailStatus.SUPPRESSED, "suppressed", "unsubscribed")
        return message

    async def _prepare(self, row: Any) -> EmailMessage | None:
        """The message to send, or None when its address unsubscribed from its kind."""
        link = None
        if row.category != MailCategory.TRANSACTIONAL.value and row.kind:
            async with self.database.transaction(write=False) as session:
                if await self.mail.is_suppressed(session, row.recipient, row.kind):
                    return None
            link = unsubscribe_link(self.renderer, self.tokens, row.recipient, row.kind)
        rendered = self.renderer.render(
            row.template, row.language, dict(row.data), unsubscribe_link=link
        )
        return build_message(
            rendered=rendered,
            mail_from=self.settings.mail_from,
            recipient=row.recipient,
            recipient_name=row.recipient_name,
            message_id=row.message_id,
            language=row.language,
            created_at=row.created_at,
            unsubscribe_link=link,
            attachments=row.attachments,
        )

    async def _smtp_send(
        self, client: aiosmtplib.SMTP | None, message: EmailMessage, recipient: str
    ) -> tuple[aiosmtplib.SMTP, str]:
        timeout = self.settings.smtp_timeout_seconds
        if client is None or not client.is_connected:
            client = self.server.client(timeout=timeout)
            try:
                await client.connect()
            except aiosmtplib.SMTPAuthenticationError as exc:
                raise _ServerDown(f"authentication refused: {exc.code} {exc.message}") from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                raise _ServerDown(f"cannot reach {self.server.display}: {exc}") from exc
        try:
            errors, response = await self._sendmail(client, message, recipient)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            answers = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            if all(400 <= r.code < 500 for r in exc.recipients):
                raise _Temporary(answers) from exc
            raise _Permanent(answers) from exc
        except aiosmtplib.SMTPResponseException as exc:
            answer = f"{exc.code} {exc.message}"
            if 400 <= exc.code < 500:
                raise _Temporary(answer) from exc
            raise _Permanent(answer) from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            with contextlib.suppress(Exception):
                client.close()
            raise _ServerDown(f"{type(exc).__name__}: {exc}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _Temporary(f"{type(exc).__name__}: {exc}") from exc
        if errors:
            answer = "; ".join(f"{code} {text}" for code, text in errors.values())
            raise _Permanent(answer)
        return client, response

    async def _sendmail(
        self, client: aiosmtplib.SMTP, message: EmailMessage, recipient: str
    ) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
        """What ``client.send_message`` does (SMTPUTF8 for a non-ASCII address, 8BITMIME
        when offered, else a 7-bit body), flattened with :data:`rendering.WIRE_POLICY` so
        List-Unsubscribe stays one plain line."""
        sender = parseaddr(self.settings.mail_from)[1]
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        options = []
        utf8 = not (sender + recipient).isascii()
        if utf8:
            if not client.supports_extension("smtputf8"):
                raise _Permanent(f"{self.server.display} takes no non-ASCII address (SMTPUTF8)")
            options.append("SMTPUTF8")
        eight_bit = client.supports_extension("8bitmime")
        if eight_bit:
            options.append("BODY=8BITMIME")
        try:
            data = wire_bytes(message, utf8=utf8, cte_type="8bit" if eight_bit else "7bit")
        except (ValueError, UnicodeError) as exc:  # a header that cannot be written
            raise _Permanent(f"the message cannot be written: {exc}") from exc
        return await client.sendmail(sender, [recipient], data, mail_options=options)

    def _retry_or_fail(self, row: Any, attempt: str, response: str) -> _Outcome:
        if row.attempts + 1 >= self.settings.mail_max_attempts:
            return _Outcome(
                MailStatus.FAILED, attempt, f"gave up after {row.attempts + 1} attempts: {response}"
            )
        return _Outcome(MailStatus.PENDING, attempt, response)

    async def _record(self, outcomes: list[tuple[Any, _Outcome]]) -> None:
        """Record outcomes (and one attempt row each) in one transaction."""
        t = self.mail.table
        now = datetime.now(UTC)
        updates = []
        for row, outcome in outcomes:
            sent = outcome.status is MailStatus.SENT
            retry = outcome.status is MailStatus.PENDING
            updates.append(
                {
                    "b_id": row.id,
                    "b_status": outcome.status.value,
                    "b_attempts": row.attempts + 1,
                    "b_sent_at": now if sent else None,
                    "b_next_attempt_at": now + timedelta(seconds=self._backoff(row.attempts + 1))
                    if retry
                    else row.next_attempt_at,
                    "b_last_error": None if sent else outcome.response[:2000],
                }
            )
            if not sent and outcome.status is not MailStatus.SUPPRESSED:
                logger.warning(
                    "mail %s to message %s (attempt %d): %s",
                    outcome.attempt,
                    row.id,
                    row.attempts + 1,
                    outcome.response,
                )
        async with self.database.transaction() as session:
            await session.execute(
                sa.update(t)
                .where(t.c.id == sa.bindparam("b_id"))
                .values(
                    status=sa.bindparam("b_status"),
                    attempts=sa.bindparam("b_attempts"),
                    claimed_until=None,
                    sent_at=sa.bindparam("b_sent_at"),
                    next_attempt_at=sa.bindparam("b_next_attempt_at"),
                    last_error=sa.bindparam("b_last_error"),
                ),
                updates,
            )
            await session.execute(
                sa.insert(self.mail.attempts),
                [
                    {
                        "mail_id": row.id,
                        "attempted_at": now,
                        "outcome": outcome.attempt,
                        "response": outcome.response[:2000],
                    }
                    for row, outcome in outcomes
                ],
            )

    def _backoff(self, attempts: int) -> float:
        # At least a second: a server down should not be hammered by the whole backlog.
        return max(1.0, backoff_seconds(attempts, cap=self.settings.mail_retry_cap_seconds))

    async def _release(self, rows: list[Any], *, delay: float) -> None:
        """Give back claimed rows that were not tried, due in ``delay`` seconds."""
        t = self.mail.table
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        async with self.database.transaction() as session:
            await session.execute(
                sa.update(t)
                .where(t.c.id.in_([row.id for row in rows]), t.c.status == "sending")
                .values(
                    status=MailStatus.PENDING.value, claimed_until=None, next_attempt_at=retry_at
                )
            )

    async def pending_count(self) -> int:
        """How many messages wait to be sent (for tests and benchmarks)."""
        t = self.mail.table
        async with self.database.transaction(write=False) as session:
            result = await session.execute(
                sa.select(sa.func.count())
                .select_from(t)
                .where(t.c.status.in_([MailStatus.PENDING.value, MailStatus.SENDING.value]))
            )
            return int(result.scalar_one())
