"""Endpoint secrets and identifiers, as the Standard Webhooks specification shapes them."""

from __future__ import annotations

import base64
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
_SECRET_BYTES = 24  # 192 bits, as Svix issues them


def new_secret() -> str:
    """``whsec_`` followed by the standard base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def new_endpoint_id() -> str:
    return "whep_" + secrets.token_urlsafe(9)
