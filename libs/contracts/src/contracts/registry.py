"""The one registry of Maillage's domain event types.

Every type any process emits is here, once: its name, its payload model, the producing
service, its JetStream stream, whether partner platforms may receive it and which of its fields
are private (for the network's services only). Producers emit the names and payload models of
their own module; consumers match on the same names; the gateway checks webhook subscriptions
against :func:`webhook_types`, strips :attr:`EventType.private_fields` from webhook bodies and
builds the AsyncAPI document from :data:`EVENT_TYPES`. Nothing else declares a type (a test
greps the code base for type strings that are not registered).

How a service adds its types:

1. In ``contracts/<service>.py`` (``directory``, ``events``, ``surveys``, ``eu_watch``,
   ``gateway``): a constant per type name (``SURVEY_CLOSED`` for ``surveys.survey.closed``), the
   pydantic payload model (what consumers read; the fields partners must not see listed in
   ``private_fields``), and an entry in that module's ``EVENT_TYPES`` tuple::

       EventType(SURVEY_CLOSED, "A survey stopped taking answers.", SurveyClosed,
                 "surveys", STREAM, partners=True)

2. If the module is new, add its ``EVENT_TYPES`` to :data:`EVENT_TYPES` below.
3. Emit it with ``outbox.emit(session, type=SURVEY_CLOSED, subject=..., data=payload
   .model_dump(mode="json"))``. Names are ``<service>.<record>.<change>`` with the service in
   snake_case (``eu_watch``), and the stream of ``kit.broker.STREAMS`` must cover them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from contracts import directory, eu_watch, events, gateway, surveys
from contracts.event_type import EventType

EVENT_TYPES: tuple[EventType, ...] = (
    *directory.EVENT_TYPES,
    *events.EVENT_TYPES,
    *surveys.EVENT_TYPES,
    *eu_watch.EVENT_TYPES,
    *gateway.EVENT_TYPES,
)


def _index(types: tuple[EventType, ...]) -> Mapping[str, EventType]:
    index: dict[str, EventType] = {}
    for event_type in types:
        if event_type.name in index:
            raise ValueError(f"event type {event_type.name!r} is registered twice")
        index[event_type.name] = event_type
    return MappingProxyType(index)


#: The registered types by name.
BY_NAME: Mapping[str, EventType] = _index(EVENT_TYPES)


def get(name: str) -> EventType | None:
    """The registered type called ``name``, or None."""
    return BY_NAME.get(name)


def webhook_types() -> frozenset[str]:
    """The types a webhook endpoint may subscribe to."""
    return frozenset(t.name for t in EVENT_TYPES if t.webhook)


def for_partners(name: str) -> bool:
    """Whether a partner platform may receive the type ``name`` (an unknown type: no)."""
    event_type = BY_NAME.get(name)
    return event_type is not None and event_type.webhook and event_type.partners


def private_fields(name: str) -> frozenset[str]:
    """The payload fields of ``name`` that no webhook body carries."""
    event_type = BY_NAME.get(name)
    return event_type.private_fields if event_type is not None else frozenset()
