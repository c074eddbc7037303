"""The addresses people follow: the personal form link of an invitation, the public link."""

from __future__ import annotations

import secrets

#: Bytes of randomness in a link token (256 bits: not guessable, not enumerable).
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def form_path(token: str) -> str:
    """Where the web form of a personal (or public) link lives, under the gateway."""
    return f"/p/surveys/{token}"


def form_url(public_url: str, token: str) -> str:
    """The absolute link, as mailed and listed (``public_url`` is the gateway's address)."""
    return public_url.rstrip("/") + form_path(token)
