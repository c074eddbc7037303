"""Standard Webhooks signatures (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (stable across retries, so receivers can drop repeats),
``webhook-timestamp`` (unix seconds of this attempt) and ``webhook-signature``: one
``v1,<base64 HMAC-SHA256>`` per valid secret, space-separated, so a receiver still holding the
previous secret after a rotation verifies too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import orjson

from gateway.webhooks.tokens import secret_bytes


def payload(event_type: str, timestamp: str, data: dict[str, Any]) -> bytes:
    """The body of a delivery: ``{"type", "timestamp", "data"}`` as JSON."""
    return orjson.dumps({"type": event_type, "timestamp": timestamp, "data": data})


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>`` of ``body`` for one ``whsec_`` secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with every secret given."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
    }
