"""What the registry knows of one domain event type (see :mod:`contracts.registry`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


@dataclass(frozen=True)
class EventType:
    """One domain event type: its name, what it carries, who emits it, who may receive it."""

    #: ``<service>.<record>.<change>``, e.g. ``directory.actor.created``: the NATS subject too.
    name: str
    #: One sentence for the AsyncAPI document and the webhook documentation.
    summary: str
    #: The pydantic model of ``data``. A string names the read schema of ``/openapi.json``
    #: the data copies: only while that service's payload has not moved into contracts yet.
    payload: type[BaseModel] | str
    #: The producing process: ``directory``, ``events``, ``surveys``, ``eu_watch``, ``gateway``.
    producer: str
    #: Its JetStream stream; None for a type that never travels on NATS (``webhook.ping``).
    stream: str | None
    #: Whether a partner platform's webhook endpoint may receive it (the network's own
    #: endpoints may receive every type sent by webhook).
    partners: bool = True
    #: Fields of the payload for the network's own services only, removed from every webhook
    #: body: a registrant's identity, an actor's membership.
    private_fields: frozenset[str] = field(default_factory=frozenset)
    #: Whether it is sent by webhook at all (to the network's endpoints, and to partners'
    #: when ``partners``).
    webhook: bool = True


@dataclass(frozen=True)
class RecordEvents:
    """The events another service keeps its copy of one kind of record from
    (``kit.projections.Projection``): each carrying the whole record, the deletion
    (``id``, ``version``, ``deleted_at``), the merge (``id``, ``survivor_id``)."""

    #: Names the durable consumer after the service's prefix: ``directory-actors``.
    name: str
    changed: tuple[EventType, ...]
    deleted: EventType
    merged: EventType
