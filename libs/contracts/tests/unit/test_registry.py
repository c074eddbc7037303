"""The registry holds each event type once, named after its producer, on a stream that carries
it, with the people-related types kept from partners."""

from __future__ import annotations

import re

from contracts import registry
from contracts.events import REGISTRATION_CONFIRMED, RegistrationChanged
from kit.broker import STREAMS

NAME = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def test_each_type_is_named_service_record_change_after_its_producer() -> None:
    for event_type in registry.EVENT_TYPES:
        if event_type.stream is None:
            continue  # webhook.ping: a test delivery, never on NATS
        assert NAME.match(event_type.name), event_type.name
        service = event_type.name.split(".", 1)[0]
        assert service in {event_type.producer, event_type.producer.replace("_", "")}


def test_each_stream_carries_its_types() -> None:
    for event_type in registry.EVENT_TYPES:
        if event_type.stream is None:
            continue
        subjects = STREAMS[event_type.stream]
        assert any(event_type.name.startswith(subject.removesuffix(">")) for subject in subjects), (
            event_type.name
        )


def test_names_are_unique_and_found_by_name() -> None:
    names = [t.name for t in registry.EVENT_TYPES]

    assert len(names) == len(set(names))
    confirmed = registry.get(REGISTRATION_CONFIRMED)
    assert confirmed is not None
    assert confirmed.payload is RegistrationChanged
    assert registry.get("events.registration.renamed") is None


def test_changes_about_people_never_go_to_partners_and_lose_private_fields() -> None:
    assert not registry.for_partners("events.registration.confirmed")
    assert not registry.for_partners("events.attendance.recorded")
    assert registry.for_partners("events.event.published")
    assert registry.for_partners("directory.actor.updated")
    assert not registry.for_partners("directory.actor.renamed")  # unknown: no
    assert registry.private_fields("events.attendance.recorded") == {"name", "email"}
    assert registry.private_fields("directory.actor.updated") == {"membership"}
    assert registry.private_fields("directory.actor.deleted") == frozenset()
    assert "events.registration.confirmed" in registry.webhook_types()


def test_private_fields_are_fields_of_the_payload() -> None:
    for event_type in registry.EVENT_TYPES:
        if isinstance(event_type.payload, str):
            continue
        assert event_type.private_fields <= set(event_type.payload.model_fields)
