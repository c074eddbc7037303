"""What the actors API takes and gives."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    model_validator,
)

from contracts.directory import ActorPublic, AddressIn
from contracts.text import ONE_LINE, TEXT
from contracts.vocabularies import ActorKind, ActorStatus, ActorType, Audience, Circle, Club, Theme
from directory.actors.validators import normalize_phone, siret_is_valid


def _check_siret(value: str) -> str:
    compact = value.replace(" ", "")
    if not siret_is_valid(compact):
        raise ValueError("not a valid SIRET (14 digits with a valid checksum)")
    return compact


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


Siret = Annotated[str, AfterValidator(_check_siret)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(normalize_phone)]
Name = Annotated[str, Field(min_length=1, max_length=300), ONE_LINE]
Text = Annotated[str, Field(max_length=20_000), TEXT]


#: An id a source gave the record (``ext_ids`` values).
ExtId = Annotated[str, Field(max_length=200), ONE_LINE]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Annotated[str, Field(max_length=200), ONE_LINE] | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    public: bool = Field(False, description="Shown to the public and partners only if true.")


class Membership(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: bool = False
    since: date | None = None
    paid_until: date | None = None


class ActorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ActorKind = ActorKind.ORGANISATION
    name: Name
    acronym: Annotated[str, Field(max_length=50), ONE_LINE] | None = None
    types: Annotated[list[ActorType], AfterValidator(_unique)] = []
    circle: Circle | None = None
    themes: Annotated[list[Theme], AfterValidator(_unique)] = []
    audiences: Annotated[list[Audience], AfterValidator(_unique)] = []
    clubs: Annotated[list[Club], AfterValidator(_unique)] = []
    description: Text | None = None
    address: AddressIn | None = None
    website: HttpUrl | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    siret: Siret | None = None
    contacts: Annotated[list[Contact], Field(max_length=50)] = []
    membership: Membership | None = None
    charter_signed_at: date | None = None
    ext_ids: Annotated[dict[str, ExtId], Field(max_length=20)] = {}
    status: ActorStatus = ActorStatus.ACTIVE


class ActorUpdate(BaseModel):
    """A PATCH: only the fields present change; ``null`` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    kind: ActorKind | None = None
    name: Name | None = None
    acronym: Annotated[str, Field(max_length=50), ONE_LINE] | None = None
    types: Annotated[list[ActorType], AfterValidator(_unique)] | None = None
    circle: Circle | None = None
    themes: Annotated[list[Theme], AfterValidator(_unique)] | None = None
    audiences: Annotated[list[Audience], AfterValidator(_unique)] | None = None
    clubs: Annotated[list[Club], AfterValidator(_unique)] | None = None
    description: Text | None = None
    address: AddressIn | None = None
    website: HttpUrl | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    siret: Siret | None = None
    contacts: Annotated[list[Contact], Field(max_length=50)] | None = None
    membership: Membership | None = None
    charter_signed_at: date | None = None
    ext_ids: dict[str, ExtId] | None = None
    status: ActorStatus | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> ActorUpdate:
        for field in ("kind", "name", "status"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class ContactRead(BaseModel):
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    public: bool = False


class ActorRead(ActorPublic):
    """The full actor, for staff and the actor's own members."""

    contacts: list[ContactRead] = []  # type: ignore[assignment]
    membership: Membership
    circle_set_at: datetime | None = None
    circle_set_by: str | None = None
    charter_signed_at: date | None = None


class ActorTombstone(BaseModel):
    """What incremental sync returns for an actor that was deleted or merged away."""

    id: uuid.UUID
    deleted: Literal[True] = True
    deleted_at: datetime
    merged_into: uuid.UUID | None = None
    updated_at: datetime
    version: int


class FacetCount(BaseModel):
    value: str | int | bool
    count: int


class ActorListPage(BaseModel):
    """A page of actors; ``facets`` when asked for, ``distances_km`` when sorted by distance."""

    items: list[ActorRead | ActorPublic | ActorTombstone]
    next: str | None = None
    facets: dict[str, list[FacetCount]] | None = None
    distances_km: dict[uuid.UUID, float] | None = None


class ActorChangeRead(BaseModel):
    version: int
    action: str
    changed_at: datetime
    changed_by: str | None
    changes: dict[str, list[Any]] = Field(description="field → [before, after]")


class DuplicateRead(BaseModel):
    actor: ActorRead
    score: float = Field(ge=0, le=1)
    reasons: list[str]


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: uuid.UUID = Field(
        description="The actor folded into this one; it will point here."
    )
