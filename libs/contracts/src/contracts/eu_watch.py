"""Events published by the eu-watch service about EU calls and watches.

Calls are public data (a call for proposals is meant to be read by anyone): partners may
receive the call events, so a platform such as Echosciences can relay open calls to its
community.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from contracts.event_type import EventType
from contracts.vocabularies import CallStatus, Theme

STREAM = "EUWATCH"

CALL_PUBLISHED = "eu_watch.call.published"
CALL_UPDATED = "eu_watch.call.updated"
CALL_CLOSED = "eu_watch.call.closed"
CALL_DELETED = "eu_watch.call.deleted"
CALL_DEADLINE_APPROACHING = "eu_watch.call.deadline_approaching"
WATCH_MATCHED = "eu_watch.watch.matched"


class CallBudget(BaseModel):
    """The budget of one topic (the portal's ``budgetOverview`` rows of that topic)."""

    total_eur: float | None = None
    min_contribution_eur: float | None = None
    max_contribution_eur: float | None = None
    expected_grants: int | None = None


class CallTheme(BaseModel):
    """A network theme given to a call, with the call's terms that put it there."""

    theme: Theme
    terms: list[str] = Field(description="The call's keywords, priorities or programme parts.")


class CallPublic(BaseModel):
    """A call as anyone (and every partner) sees it; the payload of ``eu_watch.call.*``."""

    id: uuid.UUID
    identifier: str
    call_identifier: str | None = None
    title: str
    call_title: str | None = None
    funder: str
    programme: str | None = None
    programme_parts: list[str] = []
    type_of_action: str | None = None
    status: CallStatus
    opening_date: date | None = None
    deadlines: list[datetime] = Field(description="Every cut-off, Brussels time, in order.")
    deadline_model: str | None = None
    budget: CallBudget = CallBudget()
    keywords: list[str] = []
    cross_cutting_priorities: list[str] = []
    description: str | None = None
    url: str | None = None
    source: str
    themes: list[CallTheme] = []
    regions: list[str] = Field(
        default=[], description="INSEE regions the call is limited to (a Région's call)."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class CallDeleted(BaseModel):
    """Payload of ``eu_watch.call.deleted``: a tombstone (staff removed the call)."""

    id: uuid.UUID
    identifier: str
    version: int
    deleted_at: datetime


class CallDeadlineApproaching(BaseModel):
    """Payload of ``eu_watch.call.deadline_approaching``: one cut-off of a call is at most
    ``days`` days away (sent once per call, cut-off and threshold)."""

    call: CallPublic
    deadline: datetime = Field(description="The cut-off, Brussels time.")
    days: int = Field(description="The threshold crossed (30, 7 by default).")


class WatchMatched(BaseModel):
    """Payload of ``eu_watch.watch.matched``: a call new to a watch matches it (once per
    watch and call). Which member watches what is the network's business: ``actor_id`` and
    ``watch_name`` are removed from partners' webhook bodies."""

    watch_id: uuid.UUID
    watch_name: str
    actor_id: uuid.UUID | None = Field(
        default=None, description="The member the watch is for; null: the network's own."
    )
    frequency: str = Field(description="immediate, or weekly (sent with the week's digest).")
    matched_at: datetime
    call: CallPublic


#: What partners' webhook bodies of ``eu_watch.watch.matched`` leave out.
WATCH_PRIVATE_FIELDS = frozenset({"actor_id", "watch_name"})


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        CALL_PUBLISHED,
        "A call for projects is watched: new on the EU Funding & Tenders Portal, or entered"
        " by the network's staff (another funder's call).",
        CallPublic,
        "eu_watch",
        STREAM,
    ),
    EventType(
        CALL_UPDATED,
        "A watched call changed: on the portal (dates, budget, texts), or its status moved"
        " with its dates (forthcoming to open).",
        CallPublic,
        "eu_watch",
        STREAM,
    ),
    EventType(
        CALL_CLOSED,
        "A watched call's last deadline passed (sent with the call.updated of that move).",
        CallPublic,
        "eu_watch",
        STREAM,
    ),
    EventType(
        CALL_DELETED,
        "Staff removed a call (entered by mistake, withdrawn): a tombstone, drop your copy.",
        CallDeleted,
        "eu_watch",
        STREAM,
    ),
    EventType(
        CALL_DEADLINE_APPROACHING,
        "A cut-off of a watched call is 30 (then 7) days away: once per call, cut-off and"
        " threshold, so a partner can relay last calls to its community.",
        CallDeadlineApproaching,
        "eu_watch",
        STREAM,
    ),
    EventType(
        WATCH_MATCHED,
        "A call new to a watch (a saved search with webhook among its channels) matches it:"
        " once per watch and call, at once or with the weekly digest.",
        WatchMatched,
        "eu_watch",
        STREAM,
        private_fields=WATCH_PRIVATE_FIELDS,
    ),
)
