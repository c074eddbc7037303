"""Events published by the directory and the public actor representation they carry.

The types are registered in :data:`EVENT_TYPES`, which :mod:`contracts.registry` collects.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from contracts.event_type import EventType, RecordEvents
from contracts.territory import (
    GEO_PRECISION_DESCRIPTION,
    GeoPrecision,
    Place,
    WrittenPlace,
)
from contracts.vocabularies import ActorKind, ActorStatus, ActorType, Audience, Circle, Club, Theme

ACTOR_CREATED = "directory.actor.created"
ACTOR_UPDATED = "directory.actor.updated"
ACTOR_DELETED = "directory.actor.deleted"
ACTOR_MERGED = "directory.actor.merged"
ACTOR_EVENT_TYPES = (ACTOR_CREATED, ACTOR_UPDATED, ACTOR_DELETED, ACTOR_MERGED)
STREAM = "DIRECTORY"


class Address(Place):
    """A postal address with its INSEE territory and coordinates."""


class AddressIn(WrittenPlace, Address):
    """An address as a caller writes it (an actor's create, change or import row): its
    commune code names a commune of the official geographic code, and its postcode is one
    of that commune's. Reads and events carry :class:`Address`, which stored records from
    before the check may not meet."""


class AddressRead(BaseModel):
    """An address as the API gives it (already validated on the way in)."""

    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    commune_insee: str | None = None
    department: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    geo_precision: GeoPrecision | None = Field(None, description=GEO_PRECISION_DESCRIPTION)


class PublicContact(BaseModel):
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


class ActorPublic(BaseModel):
    """What anonymous callers and partners see of an actor; also the events' payload."""

    id: uuid.UUID
    kind: ActorKind
    name: str
    acronym: str | None = None
    types: list[ActorType] = []
    circle: Circle | None = None
    themes: list[Theme] = []
    audiences: list[Audience] = []
    clubs: list[Club] = []
    description: str | None = None
    address: AddressRead | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    siret: str | None = None
    contacts: list[PublicContact] = Field(default=[], description="Public contacts only.")
    ext_ids: dict[str, str] = {}
    status: ActorStatus
    created_at: datetime
    updated_at: datetime
    version: int


class ActorMembership(BaseModel):
    """Whether an actor is a paying member of the network: private (staff, the actor's own
    members and the network's services only)."""

    member: bool = False
    since: date | None = None
    paid_until: date | None = None


class ActorChanged(ActorPublic):
    """Payload of ``directory.actor.created|updated``: the public actor plus what the
    network's own services need to cut and reach their audiences (membership).

    The fields of :data:`ACTOR_PRIVATE_FIELDS` are for internal consumers only: the gateway
    removes them before any webhook delivery, so partners get :class:`ActorPublic`."""

    membership: ActorMembership = ActorMembership()


#: Fields of actor events that only the network's services receive, never a webhook.
ACTOR_PRIVATE_FIELDS = frozenset({"membership"})


class ActorDeleted(BaseModel):
    """Payload of ``directory.actor.deleted``: a tombstone."""

    id: uuid.UUID
    version: int
    deleted_at: datetime


class ActorMerged(BaseModel):
    """Payload of ``directory.actor.merged``: ``id`` now lives on as ``survivor_id``."""

    id: uuid.UUID
    survivor_id: uuid.UUID
    version: int


RESOURCE_CREATED = "directory.resource.created"
RESOURCE_UPDATED = "directory.resource.updated"
RESOURCE_DELETED = "directory.resource.deleted"


class Loan(BaseModel):
    available: bool = False
    conditions: str | None = None
    price_eur: float | None = Field(None, ge=0)


class ResourcePublic(BaseModel):
    """A resource of the catalogue (exhibition, kit, equipment, publication) as published."""

    id: uuid.UUID
    owner_id: uuid.UUID
    owner_name: str | None = None
    kind: str
    title: str
    description: str | None = None
    themes: list[Theme] = []
    audiences: list[Audience] = []
    loan: Loan = Loan()
    created_at: datetime
    updated_at: datetime
    version: int


class ResourceDeleted(BaseModel):
    """Payload of ``directory.resource.deleted``: a tombstone."""

    id: uuid.UUID
    version: int


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        ACTOR_CREATED,
        "An actor joined the directory.",
        ActorChanged,
        "directory",
        STREAM,
        private_fields=ACTOR_PRIVATE_FIELDS,
    ),
    EventType(
        ACTOR_UPDATED,
        "An actor changed, renamed for one (also sent again by `maillage-directory "
        "republish`); the calendar then announces events.event.updated for each published "
        "event it organizes when its name or département changed.",
        ActorChanged,
        "directory",
        STREAM,
        private_fields=ACTOR_PRIVATE_FIELDS,
    ),
    EventType(ACTOR_DELETED, "An actor was deleted.", ActorDeleted, "directory", STREAM),
    EventType(
        ACTOR_MERGED,
        "A duplicate actor was merged into another (`survivor_id`).",
        ActorMerged,
        "directory",
        STREAM,
    ),
    EventType(
        RESOURCE_CREATED, "A resource joined the catalogue.", ResourcePublic, "directory", STREAM
    ),
    EventType(RESOURCE_UPDATED, "A resource changed.", ResourcePublic, "directory", STREAM),
    EventType(RESOURCE_DELETED, "A resource was deleted.", ResourceDeleted, "directory", STREAM),
)

#: What the events, surveys and EU watch services keep their copy of the actors from.
ACTOR_RECORD = RecordEvents(
    "directory-actors",
    changed=tuple(t for t in EVENT_TYPES if t.name in (ACTOR_CREATED, ACTOR_UPDATED)),
    deleted=next(t for t in EVENT_TYPES if t.name == ACTOR_DELETED),
    merged=next(t for t in EVENT_TYPES if t.name == ACTOR_MERGED),
)
