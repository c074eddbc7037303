"""Events of the gateway itself, about partner webhook endpoints.

The types are registered in :data:`EVENT_TYPES`, which :mod:`contracts.registry` collects.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from contracts.event_type import EventType

STREAM = "GATEWAY"
ENDPOINT_DISABLED = "gateway.webhook_endpoint.disabled"
#: A test delivery to one endpoint: sent by webhook only, never on NATS.
WEBHOOK_PING = "webhook.ping"


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


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        ENDPOINT_DISABLED,
        "A webhook endpoint was disabled (410 Gone, or failing for 5 days). By webhook, to "
        "the owner's other endpoints subscribed to it (a partner's: about its own only).",
        WebhookEndpointDisabled,
        "gateway",
        STREAM,
    ),
    EventType(
        WEBHOOK_PING,
        "A test delivery asked for with `POST /v1/webhooks/endpoints/{id}/test`.",
        WebhookPing,
        "gateway",
        None,
    ),
)
