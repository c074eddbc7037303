"""The AsyncAPI 3.0 document of Maillage's domain events, served at ``/asyncapi.json``.

Built from the one registry of event types, :mod:`contracts.registry`: each type with its
payload (the JSON Schema of its ``libs/contracts`` model, or the read schema of the public API
document it still copies), described twice: as the CloudEvents 1.0 envelope on its NATS
subject (what services consume), and as the Standard Webhooks delivery partners receive
(``{type, timestamp, data}``, without the type's personal fields, exactly as the worker
strips them).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import orjson
from pydantic.json_schema import models_json_schema

from contracts.event_type import EventType
from contracts.registry import EVENT_TYPES
from gateway.partners.forwarding import FORWARDS
from gateway.partners.schemas import PartnerPush
from gateway.webhooks.delivery import public_data
from gateway.webhooks.schemas import MAX_ENDPOINTS_PER_PARTNER
from kit.cloudevents import CloudEvent

SCHEMAS = "#/components/schemas/"

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
    kept = public_data(event.name, dict.fromkeys(properties))
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
        ident = _ident(event.name)
        if event.stream is not None:
            message_name = f"{ident}_cloudevent"
            messages[message_name] = {
                "name": event.name,
                "title": event.name,
                "summary": event.summary,
                "contentType": "application/cloudevents+json",
                "headers": _NATS_HEADERS,
                "payload": {
                    "allOf": [
                        {"$ref": envelope},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": event.name},
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
                "address": event.name,
                "title": event.name,
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
                "name": event.name,
                "title": f"{event.name} (webhook)",
                "summary": event.summary,
                "contentType": "application/json",
                "headers": _WEBHOOK_HEADERS,
                "payload": {
                    "type": "object",
                    "properties": {
                        "type": {"const": event.name},
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
