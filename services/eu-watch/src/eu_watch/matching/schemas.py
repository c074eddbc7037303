"""What matching gives."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field


class ActorMatch(BaseModel):
    actor_id: uuid.UUID
    name: str
    types: list[str]
    region: str | None = None
    score: int = Field(description="The sum of the points of the reasons.")
    reasons: list[dict[str, Any]] = Field(
        description="Each with its kind, its points, what it rests on and a sentence."
    )


class MatchList(BaseModel):
    call_id: uuid.UUID
    items: list[ActorMatch]
    next: str | None = Field(
        default=None, description="The `after` of the next page; null on the last one."
    )


class ConsortiumMember(ActorMatch):
    role: str
    why: list[str]


class ConsortiumSuggestion(BaseModel):
    members: list[ConsortiumMember] = Field(description="The partners proposed to the lead.")
    regions: list[str] = Field(description="The regions the consortium spans, the lead's first.")


class PartnerSuggestions(BaseModel):
    call_id: uuid.UUID
    lead: ActorMatch | None = Field(description="The lead's own match (null: it does not match).")
    missing_roles: list[str]
    suggestions: list[ConsortiumSuggestion]
