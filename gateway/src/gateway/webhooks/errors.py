"""What can go wrong with webhook endpoints and deliveries."""

from __future__ import annotations

from kit.problems import Conflict, NotFound


class WebhookEndpointNotFound(NotFound):
    slug = "webhook-endpoint-not-found"


class WebhookDeliveryNotFound(NotFound):
    slug = "webhook-delivery-not-found"


class TooManyEndpoints(Conflict):
    slug = "too-many-webhook-endpoints"


class WebhookDeliveryPending(Conflict):
    slug = "webhook-delivery-pending"
