"""The registrant's personal token: what opens ``/p/registrations/{token}`` without an account.

It is derived from the registration id with an HMAC keyed by the platform's identity secret
(like a password-reset token), so every message about a registration (promoted, approved, the
event moved...) can carry the same personal link long after the registration answer gave it,
while the database keeps only its SHA-256 (``Registration.token_hash``): a leaked database
opens no registration. Rotating the identity secret invalidates the links already sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from functools import lru_cache

from kit.settings import CommonSettings


@lru_cache(maxsize=1)
def _key() -> bytes:
    secret = CommonSettings().identity_secret.get_secret_value()
    return hmac.new(secret.encode(), b"maillage-registration-token", hashlib.sha256).digest()


def personal_token(registration_id: uuid.UUID) -> str:
    """The personal token of a registration (32 URL-safe characters)."""
    digest = hmac.new(_key(), registration_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def hash_token(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def personal_path(registration_id: uuid.UUID) -> str:
    """The registrant's page, as a path under ``MAILLAGE_PUBLIC_URL``."""
    return f"/p/registrations/{personal_token(registration_id)}"


def client_key(address: str) -> str:
    """What the database keeps of an anonymous registrant's client address: a keyed hash,
    enough to count one client's holds, never the address (nor one a dictionary finds)."""
    return hmac.new(_key(), b"client:" + address.encode(), hashlib.sha256).hexdigest()
