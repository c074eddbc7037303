"""Pure rules of answering: when a survey takes answers, and when a response may change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
) -> Refusal | None:
    """Why answers may not change now (None: they may). A survey takes answers while open,
    between its dates; a submitted response changes only if the survey allows edits."""
    if status != SurveyStatus.OPEN or (closes_at is not None and now >= closes_at):
        return Refusal.CLOSED
    if opens_at is not None and now < opens_at:
        return Refusal.NOT_OPEN_YET
    if submitted and not allow_edit_after_submit:
        return Refusal.SUBMITTED
    return None
