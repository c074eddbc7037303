"""The AsyncAPI 3.0 document of Maillage's domain events, served at ``/asyncapi.json``.

Every event type a process publishes is listed in :data:`EVENT_TYPES` with its payload: a
pydantic model of ``libs/contracts`` where one exists (its JSON Schema is generated here), else
the read schema of the public API document (``/openapi.json``) the payload is a copy of. Each
type is described twice: as the CloudEvents 1.0 envelope on its NATS subject (what services
consume), and as the Standard Webhooks delivery partners receive (``{type, timestamp, data}``
with the public representation only: personal fields are removed exactly as the worker does).
A test greps the code base for emitted types, so a new type without an entry here fails.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from contracts.directory import ActorDeleted, ActorMerged, ActorPublic, ResourcePublic
from contracts.events import AttendanceRecorded, RegistrationChanged
from gateway.partners.forwarding import FORWARDS
from gateway.partners.schemas import PartnerPush
from gateway.webhooks.delivery import DISABLED_EVENT, PING_EVENT, public_data
from gateway.webhooks.schemas import MAX_ENDPOINTS_PER_PARTNER
from kit.cloudevents import CloudEvent

SCHEMAS = "#/components/schemas/"


class ResourceDeleted(BaseModel):
    """Payload of ``directory.resource.deleted``: a tombstone."""

    id: str = Field(description="The resource's uuid.")
    version: int


class EventDeleted(BaseModel):
    """Payload of ``events.event.deleted``: a tombstone (deleted or unpublished), never the
    event's content."""

    id: str = Field(description="The event's uuid.")
    version: int
    deleted_at: datetime = Field(description="When the event left the public calendar.")


class WebhookEndpointDisabled(BaseModel):
    """Payload of ``gateway.webhook_endpoint.disabled``: an endpoint stopped receiving."""

    endpoint_id: str
    partner: str | None = Field(description="The partner owning the endpoint, if any.")
    created_by: str = Field(description="The API key that created the endpoint.")
    url: str
    reason: str = Field(description="410 Gone, or failing with no success for 5 days.")
    disabled_at: str = Field(description="RFC 3339 time.")
    failing_since: str | None = Field(description="RFC 3339 time of the first failure.")


class WebhookPing(BaseModel):
    """Payload of ``webhook.ping``, sent by ``POST /v1/webhooks/endpoints/{id}/test``."""

    endpoint_id: str


#: A pydantic model of a payload (an alias: ``EventType.type`` shadows the builtin there).
PayloadModel = type[BaseModel]


@dataclass(frozen=True)
class EventType:
    """One event type: who publishes it, what it carries, where it goes."""

    type: str
    summary: str
    #: A pydantic model, or the name of the schema in ``/openapi.json`` the data copies.
    payload: PayloadModel | str
    #: The JetStream stream it is stored in; None when it never travels on NATS.
    stream: str | None
    #: Whether partner endpoints can subscribe to it.
    webhook: bool = True


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "directory.actor.created", "An actor joined the directory.", ActorPublic, "DIRECTORY"
    ),
    EventType(
        "directory.actor.updated",
        "An actor changed (also sent again by `maillage-directory republish`).",
        ActorPublic,
        "DIRECTORY",
    ),
    EventType("directory.actor.deleted", "An actor was deleted.", ActorDeleted, "DIRECTORY"),
    EventType(
        "directory.actor.merged",
        "A duplicate actor was merged into another (`survivor_id`).",
        ActorMerged,
        "DIRECTORY",
    ),
    EventType(
        "directory.resource.created",
        "A resource joined the catalogue.",
        ResourcePublic,
        "DIRECTORY",
    ),
    EventType("directory.resource.updated", "A resource changed.", ResourcePublic, "DIRECTORY"),
    EventType(
        "directory.resource.deleted", "A resource was deleted.", ResourceDeleted, "DIRECTORY"
    ),
    EventType(
        "events.event.published",
        "An event was published, or published again.",
        "EventRead",
        "EVENTS",
    ),
    EventType("events.event.updated", "A published event changed.", "EventRead", "EVENTS"),
    EventType("events.event.cancelled", "A published event was cancelled.", "EventRead", "EVENTS"),
    EventType(
        "events.registration.confirmed",
        "A registration is confirmed (a seat is taken).",
        RegistrationChanged,
        "EVENTS",
    ),
    EventType(
        "events.registration.waitlisted",
        "A registration went to the waitlist.",
        RegistrationChanged,
        "EVENTS",
    ),
    EventType(
        "events.registration.promoted",
        "A waitlisted registration got a seat that was freed.",
        RegistrationChanged,
        "EVENTS",
    ),
    EventType(
        "events.registration.cancelled",
        "A registration was cancelled.",
        RegistrationChanged,
        "EVENTS",
    ),
    EventType(
        "events.registration.refused",
        "An organizer refused a registration awaiting approval.",
        RegistrationChanged,
        "EVENTS",
    ),
    EventType(
        "events.attendance.recorded",
        "Attendance was marked for a registration (whole event or one session).",
        AttendanceRecorded,
        "EVENTS",
    ),
    EventType(
        "events.event.deleted",
        "An event left the public calendar: deleted, or no longer published (back to draft, "
        "pending or refused). A tombstone: drop your copy; events.event.published follows if "
        "it is published again.",
        EventDeleted,
        "EVENTS",
    ),
    EventType("surveys.survey.opened", "A survey opened for answers.", "SurveyRead", "SURVEYS"),
    EventType(
        "euwatch.call.published", "An EU call for projects is watched.", "CallRead", "EUWATCH"
    ),
    EventType(
        DISABLED_EVENT,
        "A webhook endpoint was disabled (410 Gone, or failing for 5 days). By webhook, to "
        "the owner's other endpoints subscribed to it (a partner's: about its own only).",
        WebhookEndpointDisabled,
        "GATEWAY",
    ),
    EventType(
        PING_EVENT,
        "A test delivery asked for with `POST /v1/webhooks/endpoints/{id}/test`.",
        WebhookPing,
        None,
    ),
)

_WEBHOOK_HEADERS = {
    "type": "object",
    "properties": {
        "webhook-id": {
            "type": "string",
            "description": "The delivery's id (`msg_…`), the same on every retry: deduplicate "
            "on it.",
        },
        "webhook-timestamp": {
            "type": "string",
            "description": "Unix seconds of this attempt; refuse one too far from now.",
        },
        "webhook-signature": {
            "type": "string",
            "description": "Space-separated `v1,<base64 HMAC-SHA256>` of "
            "`<webhook-id>.<webhook-timestamp>.<body>` with the endpoint's `whsec_` secret "
            "(base64 after the prefix); two while a rotated secret's grace period lasts.",
        },
    },
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
}
_NATS_HEADERS = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "description": "The CloudEvent `id`: JetStream drops a duplicate publication.",
        }
    },
}


@functools.cache
def webhook_event_types() -> frozenset[str]:
    """The event types an endpoint may subscribe to."""
    return frozenset(e.type for e in EVENT_TYPES if e.webhook)


def _ident(event_type: str) -> str:
    return event_type.replace(".", "_")


def _model_schemas() -> tuple[dict[str, str], dict[str, Any]]:
    """JSON Schemas of the payload models and the envelope, as components: model → name."""
    models = {e.payload for e in EVENT_TYPES if isinstance(e.payload, type)}
    models |= {CloudEvent, PartnerPush}
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(model, "serialization") for model in ordered], ref_template=SCHEMAS + "{model}"
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    names = {}
    for model in ordered:
        ref = refs[(model, "serialization")]["$ref"]
        names[model.__name__] = ref.rsplit("/", 1)[1]
    return names, schemas


def _payload_ref(event: EventType, names: dict[str, str]) -> dict[str, Any]:
    if isinstance(event.payload, str):
        return {
            "$ref": f"/openapi.json#/components/schemas/{event.payload}",
            "description": f"As `{event.payload}` in the public API document.",
        }
    return {"$ref": SCHEMAS + names[event.payload.__name__]}


def _public_schema(
    event: EventType, names: dict[str, str], schemas: dict[str, Any]
) -> dict[str, Any]:
    """The data partners receive: the payload less what the worker strips from it."""
    ref = _payload_ref(event, names)
    if isinstance(event.payload, str):
        return ref
    name = names[event.payload.__name__]
    full = schemas[name]
    properties = full.get("properties", {})
    kept = public_data(event.type, dict.fromkeys(properties))
    if len(kept) == len(properties):
        return ref
    public_name = name + "Public"
    if public_name not in schemas:
        public = copy.deepcopy(full)
        public["title"] = public_name
        public["properties"] = {k: v for k, v in properties.items() if k in kept}
        public["required"] = [k for k in full.get("required", []) if k in kept]
        public["description"] = (
            f"{full.get('description', '')} Personal fields "
            f"({', '.join(sorted(set(properties) - set(kept)))}) are never sent to partners."
        ).strip()
        schemas[public_name] = public
    return {"$ref": SCHEMAS + public_name}


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document (a new dict each call)."""
    names, schemas = _model_schemas()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    webhook_messages: dict[str, Any] = {}
    envelope = SCHEMAS + names["CloudEvent"]

    for event in EVENT_TYPES:
        ident = _ident(event.type)
        if event.stream is not None:
            message_name = f"{ident}_cloudevent"
            messages[message_name] = {
                "name": event.type,
                "title": event.type,
                "summary": event.summary,
                "contentType": "application/cloudevents+json",
                "headers": _NATS_HEADERS,
                "payload": {
                    "allOf": [
                        {"$ref": envelope},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": event.type},
                                "subject": {
                                    "type": "string",
                                    "description": "The id of the record the event is about.",
                                },
                                "data": _payload_ref(event, names),
                            },
                            "required": ["type", "data"],
                        },
                    ]
                },
            }
            channels[ident] = {
                "address": event.type,
                "title": event.type,
                "description": f"{event.summary} NATS subject in the JetStream stream "
                f"`{event.stream}`.",
                "servers": [{"$ref": "#/servers/nats"}],
                "messages": {message_name: {"$ref": f"#/components/messages/{message_name}"}},
            }
            operations[f"publish_{ident}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{ident}"},
                "summary": f"Published once committed (outbox): {event.summary}",
                "messages": [{"$ref": f"#/channels/{ident}/messages/{message_name}"}],
            }
        if event.webhook:
            message_name = f"{ident}_webhook"
            messages[message_name] = {
                "name": event.type,
                "title": f"{event.type} (webhook)",
                "summary": event.summary,
                "contentType": "application/json",
                "headers": _WEBHOOK_HEADERS,
                "payload": {
                    "type": "object",
                    "properties": {
                        "type": {"const": event.type},
                        "timestamp": {
                            "type": "string",
                            "format": "date-time",
                            "description": "When the change happened (the CloudEvent time).",
                        },
                        "data": _public_schema(event, names, schemas),
                    },
                    "required": ["type", "timestamp", "data"],
                },
                "bindings": {"http": {"bindingVersion": "0.3.0"}},
            }
            webhook_messages[message_name] = {"$ref": f"#/components/messages/{message_name}"}

    channels["webhooks"] = {
        "address": None,
        "title": "Partner webhook endpoints",
        "description": (
            "Each endpoint registered with `POST /v1/webhooks/endpoints` receives a signed "
            "`POST` (Standard Webhooks) for every event type it subscribed to (`*`, "
            "`events.*` or exact types). Answer 2xx within 15 s; anything else is retried "
            "after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (with jitter, or after "
            "`Retry-After`); 410 Gone disables the endpoint. Deliveries about one record "
            "arrive in order. Changes about people (`events.registration.*`, "
            "`events.attendance.recorded`) go only to the network's own endpoints (made by an "
            f"admin), never to a partner's; a partner has at most {MAX_ENDPOINTS_PER_PARTNER} "
            "endpoints."
        ),
        "servers": [{"$ref": "#/servers/webhooks"}],
        "messages": webhook_messages,
        "bindings": {"http": {"bindingVersion": "0.3.0"}},
    }
    push = SCHEMAS + names["PartnerPush"]
    messages["partner_push"] = {
        "name": "partner push",
        "title": "A partner's change, pushed to its inbox",
        "summary": "Signed like our webhooks, with the inbox secret issued to the partner.",
        "contentType": "application/json",
        "headers": _WEBHOOK_HEADERS,
        "payload": {
            "allOf": [
                {"$ref": push},
                {"type": "object", "properties": {"type": {"enum": sorted(FORWARDS)}}},
            ]
        },
        "bindings": {"http": {"bindingVersion": "0.3.0"}},
    }
    channels["partner_inbox"] = {
        "address": "/v1/partners/{partner}/inbox",
        "title": "A partner's inbox",
        "description": (
            "Partners push their changes here (`POST`, no API key): the signature and a "
            "timestamp within 5 minutes are checked, a repeated `webhook-id` is dropped, and "
            "the change is handed to the owning service (`event.upserted` creates or updates "
            "the event whose `ext_ids` holds `data.id`, `event.deleted` cancels it). 202 once "
            "stored; 401 for a forged, stale or replayed signature; 404 for an unknown partner."
        ),
        "parameters": {"partner": {"description": "The partner's slug, e.g. `echosciences`."}},
        "servers": [{"$ref": "#/servers/gateway"}],
        "messages": {"partner_push": {"$ref": "#/components/messages/partner_push"}},
        "bindings": {"http": {"bindingVersion": "0.3.0"}},
    }
    operations["receive_partner_pushes"] = {
        "action": "receive",
        "channel": {"$ref": "#/channels/partner_inbox"},
        "summary": "Signed changes pushed by partner platforms",
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
        "messages": [{"$ref": "#/channels/partner_inbox/messages/partner_push"}],
    }
    operations["deliver_webhooks"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/webhooks"},
        "summary": "Signed deliveries to partner endpoints",
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
        "messages": [{"$ref": f"#/channels/webhooks/messages/{name}"} for name in webhook_messages],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Maillage events",
            "version": "1",
            "description": (
                "The domain events of the Maillage network: CloudEvents 1.0 envelopes on NATS "
                "JetStream subjects (one stream per producing service) between services, and "
                "the same events delivered to partner endpoints as Standard Webhooks "
                "(`{type, timestamp, data}`, public data only). Payloads that copy a public "
                "read model refer to it in `/openapi.json`."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {
                "host": "nats:4222",
                "protocol": "nats",
                "description": "The network's internal NATS JetStream (not public).",
            },
            "gateway": {
                "host": "api.maillage.example",
                "protocol": "https",
                "description": "The network's public API (the gateway).",
            },
            "webhooks": {
                "host": "your-endpoint.example",
                "protocol": "https",
                "description": "Your endpoint: the URL given at subscription (https, public).",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


@functools.cache
def asyncapi_document() -> bytes:
    """The document as JSON bytes, built once per process."""
    return orjson.dumps(build_document())
