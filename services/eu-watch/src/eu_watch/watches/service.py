"""Watches: saved searches that tell a member (or the network) of calls new to them, once
each, at once or in a weekly digest, by e-mail and/or as a domain event. Services flush,
never commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.eu_watch import WATCH_MATCHED, CallPublic, WatchMatched
from eu_watch.actors.repository import known_actor_repository
from eu_watch.calls.models import Call
from eu_watch.calls.search import words
from eu_watch.db import mail, outbox
from eu_watch.watches import policies
from eu_watch.watches.errors import WatchNotFound
from eu_watch.watches.models import Watch, WatchNotification
from eu_watch.watches.policies import WatchCriteria
from eu_watch.watches.repository import watch_repository
from eu_watch.watches.schemas import (
    WatchCreate,
    WatchFields,
    WatchPage,
    WatchRead,
    WatchUpdate,
)
from kit.etags import check_if_match
from kit.identity import Identity
from kit.mail import MailCategory
from kit.paging import TIME_ID, PageParams
from kit.problems import InvalidInput

logger = logging.getLogger(__name__)

#: What one unsubscribes from in watch e-mails (alerts and digests alike).
WATCH_MAIL_KIND = "call-watch"
_LISTS = ("themes", "programmes", "types_of_action", "keywords")
_CRITERIA = (*_LISTS, "funder", "min_budget", "deadline_within_days")
_REQUIRED = ("name", "frequency", "channels", "language")
#: What a caller may change on a watch: a change to any of them is a new version.
_EDITABLE = tuple(WatchFields.model_fields)


@dataclass(frozen=True)
class DigestSchedule:
    """When weekly watches get their digest (Paris time) and where network watches mail."""

    weekday: int = 0
    hour: int = 8
    staff_email: str | None = None


@dataclass
class NotifyCounts:
    found: int = 0
    sent: int = 0
    mails: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)


def criteria_of(watch: Watch) -> WatchCriteria:
    return WatchCriteria(
        themes=tuple(watch.themes),
        programmes=tuple(watch.programmes),
        types_of_action=tuple(watch.types_of_action),
        keywords=tuple(watch.keywords),
        funder=watch.funder,
        min_budget=watch.min_budget,
        deadline_within_days=watch.deadline_within_days,
    )


def editable_state(watch: Watch) -> dict[str, Any]:
    """The caller-set fields of ``watch``, copied (lists too), to tell whether a change changed
    anything. Compared by value, not by ``session.is_modified``: a query in between (the
    programme check) autoflushes the change and leaves the session with nothing modified."""
    state = {name: getattr(watch, name) for name in _EDITABLE}
    return {name: list(v) if isinstance(v, list) else v for name, v in state.items()}


def call_summary(call: Call) -> dict[str, Any]:
    """What a watch e-mail shows of a call."""
    return {
        "id": str(call.id),
        "identifier": call.identifier,
        "title": call.title,
        "funder": call.funder,
        "programme": call.programme,
        "type_of_action": call.type_of_action,
        "status": call.status,
        "deadlines": list(call.deadlines),
        "budget_total_eur": call.budget_total_eur,
        "link": call.url or f"/v1/calls/{call.id}",
    }


class WatchService:
    async def create(
        self,
        session: AsyncSession,
        *,
        data: WatchCreate,
        identity: Identity,
        now: datetime,
        staff_email: str | None,
    ) -> Watch:
        actor_id = policies.owner_for_new(identity, data.actor_id, field="actor_id")
        values = data.model_dump(exclude={"actor_id"})
        for name in _LISTS:
            values[name] = list(dict.fromkeys(values[name] or ()))
        values["email"] = str(data.email) if data.email else None
        watch = Watch(
            id=uuid.uuid4(),
            actor_id=actor_id,
            created_by=identity.subject[:200],
            created_at=now,
            updated_at=now,
            version=1,
            **values,
        )
        if actor_id is not None:
            actor = await known_actor_repository.get(session, actor_id)
            policies.require_named_actor(
                exists=actor is not None,
                gone=actor is not None
                and (actor.deleted_at is not None or bool(actor.merged_into)),
            )
        await self._check(session, watch, staff_email=staff_email)
        session.add(watch)
        await session.flush()
        # What matches now is known already: the watch hears of calls new to it.
        await self._record(session, watch, now=now, baseline=True)
        return watch

    async def list_for(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        actor_id: uuid.UUID | None,
        paging: PageParams,
    ) -> WatchPage:
        """Staff: every watch (or one actor's); a member: its own actors' watches."""
        actor_ids = policies.listed_actors(identity, actor_id, what="watches")
        rows = await watch_repository.page(
            session, actor_ids=actor_ids, after=TIME_ID.decode(paging.after), limit=paging.limit + 1
        )
        items, next_cursor = TIME_ID.page(rows, paging, key=lambda w: (w.created_at, w.id))
        return WatchPage(items=[self.to_read(w) for w in items], next=next_cursor)

    async def get(self, session: AsyncSession, *, watch_id: uuid.UUID, identity: Identity) -> Watch:
        watch = await watch_repository.get(session, watch_id)
        # Another actor's watch answers as an unknown one: what a member watches is its own.
        if watch is None or not policies.may_see(identity, watch.actor_id):
            raise WatchNotFound(f"No watch with id {watch_id}.")
        return watch

    async def update(
        self,
        session: AsyncSession,
        *,
        watch_id: uuid.UUID,
        data: WatchUpdate,
        identity: Identity,
        if_match: str | None,
        now: datetime,
        staff_email: str | None,
    ) -> Watch:
        watch = await self.get(session, watch_id=watch_id, identity=identity)
        check_if_match(if_match, watch.version)
        given = data.model_dump(exclude_unset=True)
        for name in _REQUIRED:
            if name in given and given[name] is None:
                raise InvalidInput(name, "may not be null")
        before = criteria_of(watch)
        state_before = editable_state(watch)
        for name, value in given.items():
            if name in _LISTS:
                setattr(watch, name, list(dict.fromkeys(value or ())))
            else:
                setattr(watch, name, str(value) if name == "email" and value else value)
        await self._check(session, watch, staff_email=staff_email)
        if editable_state(watch) == state_before:
            return watch
        watch.touch()
        await session.flush()
        if criteria_of(watch) != before:
            # New filters: what they select now is known, not news.
            await self._record(session, watch, now=now, baseline=True)
        return watch

    async def delete(
        self, session: AsyncSession, *, watch_id: uuid.UUID, identity: Identity
    ) -> None:
        watch = await self.get(session, watch_id=watch_id, identity=identity)
        await watch_repository.delete(session, watch)
        await session.flush()

    def to_read(self, watch: Watch) -> WatchRead:
        return WatchRead.model_validate(watch)

    async def _check(self, session: AsyncSession, watch: Watch, *, staff_email: str | None) -> None:
        """What a watch must name: known themes and programmes, keywords with words, and an
        address when it mails."""
        unknown = policies.unknown_themes(watch.themes)
        if unknown:
            raise InvalidInput("themes", f"unknown theme {unknown[0]!r}", unknown=unknown)
        if watch.programmes:
            known = await watch_repository.known_programmes(session)
            unknown = policies.unknown_programmes(watch.programmes, known)
            if unknown:
                raise InvalidInput(
                    "programmes", f"unknown programme {unknown[0]!r}", unknown=unknown
                )
        for keyword in watch.keywords:
            if not words(keyword):
                raise InvalidInput("keywords", f"{keyword!r} has no word to search for")
        if "email" in watch.channels and await self._address(session, watch, staff_email) is None:
            owner = (
                "the network has no staff address configured"
                if watch.actor_id is None
                else "the actor has no public address"
            )
            raise InvalidInput(
                "email",
                f"this watch sends e-mail but has no address to send it to ({owner}):"
                " give one in `email`, or use the webhook channel only",
            )

    async def _address(
        self, session: AsyncSession, watch: Watch, staff_email: str | None
    ) -> str | None:
        actor_address = None
        if watch.actor_id is not None:
            actor = await known_actor_repository.get(session, watch.actor_id)
            actor_address = actor.email if actor is not None else None
        return policies.channel_addresses(
            watch.channels,
            given=watch.email,
            actor_address=actor_address,
            staff=staff_email if watch.actor_id is None else None,
        )

    async def _record(
        self, session: AsyncSession, watch: Watch, *, now: datetime, baseline: bool
    ) -> list[uuid.UUID]:
        groups = policies.selections(criteria_of(watch), now=now)
        return await watch_repository.record(session, watch.id, groups, now=now, baseline=baseline)

    # -- notifying ---------------------------------------------------------------------------

    async def notify(
        self,
        session: AsyncSession,
        *,
        watch_id: uuid.UUID,
        now: datetime,
        schedule: DigestSchedule,
    ) -> NotifyCounts:
        """Record the calls new to the watch and send what is due: at once for an immediate
        watch, the week's digest for a weekly one once its moment has passed. Each call
        reaches the watch once: the (watch, call) row is written once, and only the pass
        that wrote it — or the digest that marks it sent — sends it."""
        counts = NotifyCounts()
        watch = await watch_repository.get_locked(session, watch_id)
        if watch is None:
            return counts
        if watch.actor_id is not None:
            actor = await known_actor_repository.get(session, watch.actor_id)
            if actor is not None and (actor.deleted_at is not None or actor.merged_into):
                counts.skipped.append(f"{watch.id}: its actor is gone")
                return counts
        counts.found = len(await self._record(session, watch, now=now, baseline=False))
        digest_week = None
        if watch.frequency == "weekly":
            moment = policies.last_digest_moment(now, weekday=schedule.weekday, hour=schedule.hour)
            pending = await watch_repository.undelivered(session, watch.id, found_before=moment)
            digest_week = policies.week_of(moment)
            key = f"watch-digest:{watch.id}:{digest_week}"
        else:
            pending = await watch_repository.undelivered(session, watch.id, found_before=None)
            key = f"watch-alert:{watch.id}:{pending[0][0].id}" if pending else ""
        if not pending:
            return counts
        await self._deliver(
            session, watch, pending, key=key, now=now, schedule=schedule, counts=counts
        )
        await watch_repository.mark_delivered(
            session, [n.id for n, _ in pending], now=now, digest_week=digest_week
        )
        counts.sent = len(pending)
        return counts

    async def _deliver(
        self,
        session: AsyncSession,
        watch: Watch,
        pending: Sequence[tuple[WatchNotification, Call]],
        *,
        key: str,
        now: datetime,
        schedule: DigestSchedule,
        counts: NotifyCounts,
    ) -> None:
        if "webhook" in watch.channels:
            events = [
                (
                    WATCH_MATCHED,
                    str(watch.id),
                    WatchMatched(
                        watch_id=watch.id,
                        watch_name=watch.name,
                        actor_id=watch.actor_id,
                        frequency=watch.frequency,
                        matched_at=notification.found_at,
                        call=CallPublic.model_validate(call, from_attributes=True),
                    ).model_dump(mode="json"),
                )
                for notification, call in pending
            ]
            await outbox.emit_many(session, events)
            counts.events += len(events)
        if "email" in watch.channels:
            address = await self._address(session, watch, schedule.staff_email)
            if address is None:
                counts.skipped.append(f"{watch.id}: no address to mail")
                return
            digest = watch.frequency == "weekly"
            sent = await mail.send(
                session,
                to=address,
                template="watch_digest" if digest else "watch_alert",
                data={
                    "watch": {"id": str(watch.id), "name": watch.name},
                    "calls": [call_summary(call) for _, call in pending],
                    "count": len(pending),
                },
                key=key,
                language=watch.language,
                category=MailCategory.DIGEST,
                kind=WATCH_MAIL_KIND,
            )
            counts.mails += int(sent)


watch_service = WatchService()
