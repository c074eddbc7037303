"""Standard Webhooks signatures (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (stable across retries, so receivers can drop repeats),
``webhook-timestamp`` (unix seconds of this attempt) and ``webhook-signature``: one
``v1,<base64 HMAC-SHA256>`` per valid secret, space-separated, so a receiver still holding the
previous secret after a rotation verifies too. A rotation (:func:`rotate_secret`) keeps the
previous secret valid for a grace period (:func:`signing_secrets`); partner inbox secrets
rotate and verify the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson

from gateway.webhooks.tokens import new_secret, secret_bytes


class Secrets(Protocol):
    """What holds a secret and the previous one: an endpoint, a partner, a claimed delivery."""

    @property
    def secret(self) -> str: ...
    @property
    def previous_secret(self) -> str | None: ...
    @property
    def previous_secret_expires_at(self) -> datetime | None: ...


class RotatingSecrets(Protocol):
    """A row whose secret rotates (a webhook endpoint, a partner)."""

    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None


def signing_secrets(holder: Secrets, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    keys = [holder.secret]
    expires = holder.previous_secret_expires_at
    if holder.previous_secret and expires is not None and expires > now:
        keys.append(holder.previous_secret)
    return keys


def rotate_secret(holder: RotatingSecrets, *, now: datetime, grace: timedelta) -> None:
    """A new secret; the current one stays valid beside it until ``now + grace``."""
    holder.previous_secret = holder.secret
    holder.previous_secret_expires_at = now + grace
    holder.secret = new_secret()


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
