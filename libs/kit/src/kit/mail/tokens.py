"""Unsubscribe tokens: an address and a kind of message, signed by the service that mails.

A token is ``<service>.<payload>.<signature>``: the service that issued it (the gateway routes
``/p/unsubscribe/{token}`` to it by this prefix), base64url JSON ``{"a": address, "k": kind}``,
and an HMAC-SHA256 of both under a key derived from the platform's identity secret and the
service (so no new secret to configure, and a token signed for one service is refused by
another). The token travels only to the address it names, in
that address's own messages; a forged or altered token reads as "no such token".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

import orjson

#: What "every reminder and digest" means in a suppression row's ``kind``.
ALL_KINDS = "*"


@dataclass(frozen=True)
class UnsubscribeTarget:
    """What an unsubscribe token stands for: this address stops receiving this kind."""

    service: str
    address: str
    kind: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeTokens:
    """Signs and reads the unsubscribe tokens of one service."""

    def __init__(self, secret: str, *, service: str) -> None:
        self.service = service
        self._key = hmac.new(
            secret.encode(), f"maillage-mail-unsubscribe:{service}".encode(), hashlib.sha256
        ).digest()

    def sign(self, address: str, kind: str) -> str:
        """The token that unsubscribes ``address`` from ``kind`` (``ALL_KINDS``: all of them)."""
        payload = _b64(orjson.dumps({"a": address.strip().lower(), "k": kind}))
        return f"{self.service}.{payload}.{self._signature(payload)}"

    def read(self, token: str) -> UnsubscribeTarget | None:
        """The target of a valid token of this service, or None (forged, altered, foreign)."""
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 2000 or parts[0] != self.service:
            return None
        _, payload, signature = parts
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            data = orjson.loads(_unb64(payload))
        except (ValueError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        address, kind = data.get("a"), data.get("k")
        if not isinstance(address, str) or not isinstance(kind, str):
            return None
        return UnsubscribeTarget(service=self.service, address=address, kind=kind)

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:20])


def token_service(token: str) -> str | None:
    """The service a token names as its issuer, read WITHOUT checking its signature.

    For routing only (the gateway sends ``/p/unsubscribe/{token}`` to that service, which
    verifies the token itself); never trust the answer for anything else.
    """
    service, dot, _ = token.partition(".")
    return service if dot and service else None
