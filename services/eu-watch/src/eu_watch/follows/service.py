"""Follows: a member follows a call and hears before each of its cut-offs (30 and 7 days by
default, once each); every call's approaching cut-offs are announced once as
``eu_watch.call.deadline_approaching``. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.eu_watch import CALL_DEADLINE_APPROACHING, CallDeadlineApproaching, CallPublic
from eu_watch.actors.repository import known_actor_repository
from eu_watch.calls.models import Call
from eu_watch.calls.policies import BRUSSELS
from eu_watch.calls.service import call_service
from eu_watch.db import mail, outbox
from eu_watch.follows.errors import FollowNotFound
from eu_watch.follows.models import CallFollow
from eu_watch.follows.policies import days_left, due_threshold
from eu_watch.follows.repository import follow_repository
from eu_watch.follows.schemas import FollowCreate, FollowPage, FollowRead
from eu_watch.watches.policies import listed_actors, owner_for_new, require_named_actor
from eu_watch.watches.service import call_summary
from kit.identity import Identity
from kit.mail import MailCategory
from kit.paging import Cursor, PageParams, moment, record_id
from kit.problems import InvalidInput

#: What one unsubscribes from in deadline reminders.
REMINDER_KIND = "call-deadline-reminder"
#: Follows are listed by (created_at, actor, call).
FOLLOW_CURSOR: Cursor[tuple[datetime, uuid.UUID, uuid.UUID]] = Cursor(
    3,
    lambda raw: (moment(raw[0]), record_id(raw[1]), record_id(raw[2])),
    lambda key: [key[0].isoformat(), str(key[1]), str(key[2])],
)


@dataclass
class ReminderCounts:
    announced: int = 0
    reminded: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"announced": self.announced, "reminded": self.reminded, "skipped": self.skipped}


class FollowService:
    def _actor(self, identity: Identity, requested: uuid.UUID | None) -> uuid.UUID:
        actor_id = owner_for_new(identity, requested, field="actor_id")
        if actor_id is None:
            raise InvalidInput("actor_id", "name the actor that follows the call")
        return actor_id

    async def follow(
        self,
        session: AsyncSession,
        *,
        call_id: uuid.UUID,
        data: FollowCreate,
        identity: Identity,
        now: datetime,
    ) -> tuple[FollowRead, bool]:
        """Follow the call for the caller's actor (staff: the actor named); following it again
        changes nothing. Returns the follow and whether it is new."""
        actor_id = self._actor(identity, data.actor_id)
        call = await call_service.get(session, call_id=call_id)
        actor = await known_actor_repository.get(session, actor_id)
        require_named_actor(
            exists=actor is not None,
            gone=actor is not None and (actor.deleted_at is not None or bool(actor.merged_into)),
        )
        created = await follow_repository.add(
            session,
            CallFollow(
                actor_id=actor_id,
                call_id=call.id,
                created_at=now,
                created_by=identity.subject[:200],
                email=str(data.email) if data.email else None,
                language=data.language,
            ),
        )
        follow = await follow_repository.get(session, actor_id=actor_id, call_id=call.id)
        assert follow is not None
        return self.to_read(follow, call), created

    async def unfollow(
        self,
        session: AsyncSession,
        *,
        call_id: uuid.UUID,
        actor_id: uuid.UUID | None,
        identity: Identity,
    ) -> None:
        actor = self._actor(identity, actor_id)
        follow = await follow_repository.get(session, actor_id=actor, call_id=call_id)
        if follow is None:
            raise FollowNotFound(f"Actor {actor} does not follow call {call_id}.")
        await follow_repository.remove(session, follow)
        await session.flush()

    async def list_for(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        actor_id: uuid.UUID | None,
        paging: PageParams,
    ) -> FollowPage:
        """Staff: every follow (or one actor's); a member: its own actors'."""
        actor_ids = listed_actors(identity, actor_id, what="follows")
        rows = await follow_repository.page(
            session,
            actor_ids=actor_ids,
            after=FOLLOW_CURSOR.decode(paging.after),
            limit=paging.limit + 1,
        )
        items, next_cursor = FOLLOW_CURSOR.page(
            rows, paging, key=lambda row: (row[0].created_at, row[0].actor_id, row[0].call_id)
        )
        return FollowPage(items=[self.to_read(f, c) for f, c in items], next=next_cursor)

    def to_read(self, follow: CallFollow, call: Call) -> FollowRead:
        return FollowRead(
            actor_id=follow.actor_id,
            call_id=follow.call_id,
            created_at=follow.created_at,
            email=follow.email,
            language=follow.language,
            call=call_service.to_read(call),
        )

    # -- reminders ---------------------------------------------------------------------------

    async def remind(
        self, session: AsyncSession, *, now: datetime, thresholds: Sequence[int]
    ) -> ReminderCounts:
        """Announce every cut-off whose threshold was reached (once per call, cut-off and
        threshold: a row records it) and mail each follower its reminder (once: the mail
        key names the follower, the cut-off and the threshold)."""
        counts = ReminderCounts()
        cut_offs = await follow_repository.cut_offs_between(
            session, after=now, until=now + timedelta(days=max(thresholds))
        )
        events = []
        for call, deadline in cut_offs:
            days = due_threshold(deadline, now=now, thresholds=thresholds)
            if days is None:
                continue
            if await follow_repository.announce_once(
                session, call_id=call.id, deadline=deadline, days=days, now=now
            ):
                payload = CallDeadlineApproaching(
                    call=CallPublic.model_validate(call, from_attributes=True),
                    deadline=deadline.astimezone(BRUSSELS),
                    days=days,
                )
                events.append(
                    (CALL_DEADLINE_APPROACHING, str(call.id), payload.model_dump(mode="json"))
                )
        await outbox.emit_many(session, events)
        counts.announced = len(events)
        followers: dict[uuid.UUID, list[tuple[CallFollow, str | None]]] = {}
        for follow, address in await follow_repository.followers(
            session, list(dict.fromkeys(call.id for call, _ in cut_offs))
        ):
            followers.setdefault(follow.call_id, []).append((follow, address))
        for call, deadline in cut_offs:
            for follow, actor_address in followers.get(call.id, []):
                days = due_threshold(
                    deadline, now=now, thresholds=thresholds, since=follow.created_at
                )
                if days is None:
                    continue
                address = follow.email or actor_address
                if not address:
                    counts.skipped.append(f"{follow.actor_id} follows {call.id}: no address")
                    continue
                cut_off = deadline.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
                counts.reminded += await mail.send(
                    session,
                    to=address,
                    template="deadline_reminder",
                    data={
                        "call": call_summary(call),
                        "deadline": deadline.astimezone(BRUSSELS).isoformat(),
                        "days": days,
                        "days_left": days_left(deadline, now=now),
                    },
                    key=f"deadline-reminder:{follow.actor_id}:{call.id}:{cut_off}:{days}",
                    language=follow.language,
                    category=MailCategory.REMINDER,
                    kind=REMINDER_KIND,
                )
        return counts


follow_service = FollowService()
