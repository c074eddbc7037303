"""Pure rules of answering: when a survey takes answers, when a response may change, and
what an anonymous response may say about when it was written."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from contracts.vocabularies import SurveyStatus


class Refusal(StrEnum):
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    SUBMITTED = "submitted"


def answering_refusal(
    *,
    status: SurveyStatus,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime,
    submitted: bool,
    allow_edit_after_submit: bool,
    anonymous: bool = False,
) -> Refusal | None:
    """Why answers may not change now (None: they may). A survey takes answers while open,
    between its dates; a submitted response changes only if the survey allows edits, and
    never on an anonymous survey (a submitted anonymous response is cut from its link, see
    :func:`anonymous_moment`)."""
    if status != SurveyStatus.OPEN or (closes_at is not None and now >= closes_at):
        return Refusal.CLOSED
    if opens_at is not None and now < opens_at:
        return Refusal.NOT_OPEN_YET
    if submitted and (anonymous or not allow_edit_after_submit):
        return Refusal.SUBMITTED
    return None


#: The day of an anonymous response is the network's day (midnight in Paris).
_PARIS = ZoneInfo("Europe/Paris")


def anonymous_moment(now: datetime) -> datetime:
    """What an anonymous response records of ``now``: the start of its day (Paris), never
    the moment. A precise time would name the invitation used at that moment (its status
    changes then, its reminders and mails have times, the gateway logs the request)."""
    day = now.astimezone(_PARIS).date()
    return datetime.combine(day, time(0), tzinfo=_PARIS).astimezone(now.tzinfo)
