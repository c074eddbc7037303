"""API key requests and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.text import ONE_LINE, TEXT
from gateway.partners.schemas import SLUG_PATTERN


class KeyRole(StrEnum):
    """The roles a key can grant (anonymous is what no key grants)."""

    ADMIN = "admin"
    ANIMATOR = "animator"
    MEMBER = "member"
    PARTNER = "partner"
    READER = "reader"


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ApiKeyCreate(BaseModel):
    """A new key: members are bound to actors, partners to a partner name."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE] = Field(
        examples=["Échosciences sync"]
    )
    description: Annotated[str, Field(max_length=2000), TEXT] | None = None
    role: KeyRole
    actor_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=100, description="Required for `member`, else empty."
    )
    partner: str | None = Field(
        default=None,
        pattern=SLUG_PATTERN,
        description="Required for `partner` (e.g. `echosciences`), else empty.",
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="RFC 3339 with an offset; null: never expires."
    )

    @model_validator(mode="after")
    def bindings_fit_the_role(self) -> Self:
        if self.role is KeyRole.MEMBER and not self.actor_ids:
            raise ValueError("a member key must be bound to at least one actor (actor_ids)")
        if self.role is not KeyRole.MEMBER and self.actor_ids:
            raise ValueError("only member keys are bound to actors (actor_ids)")
        if self.role is KeyRole.PARTNER and not self.partner:
            raise ValueError("a partner key must name its partner (partner)")
        if self.role is not KeyRole.PARTNER and self.partner:
            raise ValueError("only partner keys name a partner (partner)")
        self.actor_ids = list(dict.fromkeys(self.actor_ids))
        return self


class ApiKeyRead(BaseModel):
    """A key as listed: everything but the secret, which is never shown again."""

    id: str = Field(examples=["key_Jd9Qb2Lk4xYz"])
    name: str
    description: str | None
    role: KeyRole
    actor_ids: list[uuid.UUID]
    partner: str | None
    hint: str = Field(description="The first characters of the key.", examples=["mlg_live_Ab3d"])
    status: KeyStatus
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(
        description="Updated at most once a minute, a few seconds after use."
    )


class ApiKeyCreated(ApiKeyRead):
    """The answer to a creation: the only time the key itself is shown."""

    key: str = Field(description="The API key. Store it now: it cannot be shown again.")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyRead]
    next: str | None = None
