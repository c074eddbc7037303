"""The addresses people follow: the personal form link of an invitation, the public link."""

from __future__ import annotations

import re
import secrets

#: Bytes of randomness in a link token (256 bits: not guessable, not enumerable).
TOKEN_BYTES = 32
#: What a token made by :func:`new_token` looks like (the columns hold 64 characters).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def may_be_token(text: str) -> bool:
    """Whether ``text`` could be a link's token. What cannot be one is never looked up: it
    opens nothing, as an unknown token, and a NUL in it is refused by PostgreSQL (a 500)."""
    return _TOKEN_SHAPE.fullmatch(text) is not None


def form_path(token: str) -> str:
    """Where the web form of a personal (or public) link lives, under the gateway."""
    return f"/p/surveys/{token}"


def form_url(public_url: str, token: str) -> str:
    """The absolute link, as mailed and listed (``public_url`` is the gateway's address)."""
    return public_url.rstrip("/") + form_path(token)
