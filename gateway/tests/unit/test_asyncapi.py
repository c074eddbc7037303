"""The AsyncAPI document lists every event type of the registry, which holds every type the
code base emits, with payload schemas that the real payloads satisfy, and is valid AsyncAPI
3.0.

``data/asyncapi-3.0.0.schema.json`` is ``schemas/3.0.0-without-$id.json`` of the npm package
``@asyncapi/specs`` 6.11.1 (Apache-2.0), the AsyncAPI Initiative's own JSON Schema of the
specification.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson
import pytest

from contracts.events import RegistrationChanged, RegistrationStatus
from contracts.registry import EVENT_TYPES
from gateway.asyncapi import build_document
from gateway.main import create_app
from gateway.webhooks.delivery import public_data
from gateway.webhooks.signing import payload
from kit.cloudevents import CloudEvent
from kit.testing.plugin import repo_root

SPEC = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"
#: A domain event type as a string literal: producer, record, change.
TYPE_LITERAL = re.compile(
    r"[\"']((?:directory|events|surveys|eu_watch|euwatch|gateway)\.[a-z_]+\.[a-z_]+)[\"']"
)
#: ``NAME = "service.record.change"``: how contracts declares a type name.
DECLARATION = re.compile(r"^([A-Z_]+) = [\"']([a-z_]+(?:\.[a-z_]+)+)[\"']$", re.MULTILINE)


def source_files() -> list[Path]:
    root = repo_root()
    dirs = [root / "gateway" / "src", *root.glob("services/*/src"), *root.glob("libs/*/src")]
    return [path for d in dirs for path in d.rglob("*.py")]


def in_contracts(path: Path) -> bool:
    return (repo_root() / "libs" / "contracts") in path.parents


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Through JSON, as a client reads it.
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(build_document()))
    return loaded


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(orjson.loads(SPEC.read_bytes()))

    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"


def test_event_types_are_declared_in_the_registry_only_and_all_used(
    document: dict[str, Any],
) -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in source_files()}
    declared = {
        constant: name
        for path, text in sources.items()
        if in_contracts(path)
        for constant, name in DECLARATION.findall(text)
    }
    registered = {e.name for e in EVENT_TYPES}

    # Sanity: the grep sees the known declarations.
    assert {"directory.actor.created", "events.registration.promoted"} <= set(declared.values())
    outside = {
        path.name: TYPE_LITERAL.findall(text)
        for path, text in sources.items()
        if not in_contracts(path) and TYPE_LITERAL.findall(text)
    }
    assert not outside, f"event types declared outside libs/contracts: {outside}"
    literals = {t for path, text in sources.items() for t in TYPE_LITERAL.findall(text)}
    assert literals <= registered, f"not in contracts.registry: {literals - registered}"
    assert set(declared.values()) == registered
    # And nothing registered that nothing outside contracts uses (emits or consumes).
    elsewhere = "\n".join(text for path, text in sources.items() if not in_contracts(path))
    unused = {c for c in declared if not re.search(rf"\b{c}\b", elsewhere)}
    assert not unused, f"registered types nothing emits: {unused}"
    nats_subjects = {
        channel["address"]
        for channel in document["channels"].values()
        if channel["servers"] == [{"$ref": "#/servers/nats"}]
    }
    assert nats_subjects == registered - {"webhook.ping"}


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    """Validate against a schema whose ``#/components/...`` refs point into ``document``."""
    root = {"components": document["components"], "allOf": [schema]}
    jsonschema.Draft202012Validator(root).validate(instance)


def registration() -> RegistrationChanged:
    return RegistrationChanged(
        id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        event_title="Forum sciences et société du Lot",
        event_kind="forum",
        name="Élodie Marchand",
        email="elodie@example.org",
        status=RegistrationStatus.CONFIRMED,
        updated_at=datetime.now(UTC),
    )


def test_a_real_cloudevent_matches_its_nats_message(document: dict[str, Any]) -> None:
    message = document["components"]["messages"]["events_registration_confirmed_cloudevent"]
    event = CloudEvent(
        source="maillage/events",
        type="events.registration.confirmed",
        subject="x",
        data=registration().model_dump(mode="json"),
    )

    _validate(document, message["payload"], orjson.loads(event.to_json()))
    wrong_type = orjson.loads(event.model_copy(update={"type": "events.other"}).to_json())
    with pytest.raises(jsonschema.ValidationError):
        _validate(document, message["payload"], wrong_type)


def test_a_real_webhook_body_matches_its_message_without_private_fields(
    document: dict[str, Any],
) -> None:
    message = document["components"]["messages"]["events_registration_confirmed_webhook"]
    data = registration().model_dump(mode="json")
    body = payload(
        "events.registration.confirmed",
        "2026-10-02T08:00:00Z",
        public_data("events.registration.confirmed", data),
    )

    _validate(document, message["payload"], orjson.loads(body))
    public = document["components"]["schemas"]["RegistrationChangedPublic"]
    assert {"name", "email"}.isdisjoint(public["properties"])
    assert set(message["headers"]["required"]) == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
    assert "events_registration_confirmed_webhook" in document["channels"]["webhooks"]["messages"]


def test_the_partner_inbox_takes_the_push_types_the_worker_forwards(
    document: dict[str, Any],
) -> None:
    message = document["components"]["messages"]["partner_push"]
    push = {
        "type": "event.upserted",
        "timestamp": "2026-10-02T08:00:00Z",
        "data": {"id": "12345", "title": "Nuit des étoiles"},
    }

    _validate(document, message["payload"], push)
    with pytest.raises(jsonschema.ValidationError):
        _validate(document, message["payload"], push | {"type": "event.renamed"})
    assert document["channels"]["partner_inbox"]["address"] == "/v1/partners/{partner}/inbox"
    assert document["operations"]["receive_partner_pushes"]["action"] == "receive"


def test_payloads_copying_a_read_model_name_a_schema_of_the_public_api() -> None:
    from eu_watch.main import create_app as eu_watch  # noqa: PLC0415
    from events.main import create_app as events  # noqa: PLC0415
    from surveys.main import create_app as surveys  # noqa: PLC0415

    schemas: set[str] = set()
    for app in (events(), surveys(), eu_watch()):
        schemas |= set(app.openapi()["components"]["schemas"])
    named = {e.payload for e in EVENT_TYPES if isinstance(e.payload, str)}

    # None is left since the EU watch's payloads moved into contracts; a type named this way
    # again must still name a schema of the public API.
    assert named <= schemas


async def test_the_gateway_serves_it() -> None:
    gateway = create_app()
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for path in ("/asyncapi.json", "/v1/asyncapi.json"):
            response = await client.get(path)

            assert response.status_code == 200
            assert response.headers["content-type"] == "application/json"
            assert response.json()["channels"]["directory_actor_created"]["address"] == (
                "directory.actor.created"
            )
