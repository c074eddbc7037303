"""What the watches API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Frequency = Literal["immediate", "weekly"]
Channel = Literal["email", "webhook"]
Language = Literal["fr", "en"]
Term = Annotated[str, Field(min_length=1, max_length=120)]


class WatchFields(BaseModel):
    """The fields of a watch a caller sets (every filter given must hold; a list holds when
    any of its values does)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    themes: Annotated[list[Term], Field(max_length=20)] | None = Field(
        default=None, description="The network's themes (`GET /v1/calls/themes`)."
    )
    programmes: Annotated[list[Term], Field(max_length=20)] | None = Field(
        default=None,
        description="Programme labels or short codes (`HORIZON`, `ERASMUS+`) known to the watch:"
        " a programme no call nor the portal's labels name is a 422.",
    )
    types_of_action: Annotated[list[Term], Field(max_length=20)] | None = Field(
        default=None, description="Words of the type of action (`coordination`, `RIA`)."
    )
    keywords: Annotated[list[Term], Field(max_length=20)] | None = Field(
        default=None,
        description="Full text in English and French, as `q` of `GET /v1/calls` (each keyword"
        " is all its words; any keyword matches).",
    )
    funder: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    min_budget: Annotated[float, Field(ge=0, le=1e12)] | None = Field(
        default=None, description="Topic budget at least this (euros)."
    )
    deadline_within_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="Only calls with a cut-off within this many days."
    )
    frequency: Frequency | None = Field(
        default=None, description="immediate: at the next check; weekly: one digest a week."
    )
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] | None = Field(
        default=None,
        description="email (to `email`, else the actor's public address), webhook (the"
        " `eu_watch.watch.matched` event, for the network's and partners' webhooks).",
    )
    email: EmailStr | None = None
    language: Language | None = Field(default=None, description="Of the e-mails: fr or en.")


class WatchCreate(WatchFields):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    actor_id: uuid.UUID | None = Field(
        default=None,
        description="The member watched for: a member key's own actor by default; staff may"
        " name any actor, or none for a network watch.",
    )
    frequency: Frequency = "immediate"
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] = ["email"]
    language: Language = "fr"


class WatchUpdate(WatchFields):
    """Only the fields given change (null clears a filter)."""

    model_config = ConfigDict(extra="forbid")


class WatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor_id: uuid.UUID | None = Field(description="null: the network's own watch.")
    name: str
    themes: list[str]
    programmes: list[str]
    types_of_action: list[str]
    keywords: list[str]
    funder: str | None
    min_budget: float | None
    deadline_within_days: int | None
    frequency: Frequency
    channels: list[Channel]
    email: str | None = Field(description="The address given; null: the actor's public one.")
    language: Language
    created_at: datetime
    updated_at: datetime
    version: int


class WatchPage(BaseModel):
    items: list[WatchRead]
    next: str | None = None
