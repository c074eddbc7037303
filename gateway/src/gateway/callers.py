"""Who is calling: turn the ``Authorization`` header into an :class:`~kit.identity.Identity`.

A caller presents ``Authorization: Bearer <key>`` or nothing. Keys are checked against a list
of :class:`KeyStore` objects in order: the bootstrap admin key from ``MAILLAGE_ADMIN_KEY``,
then the hashed API keys of the gateway's database (``gateway.api_keys.store``).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from typing import Protocol

from kit.identity import ANONYMOUS, Identity, Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BOOTSTRAP_ADMIN = Identity(subject="bootstrap-admin", role=Role.ADMIN)

# The only writes the public may make without a key: signing up for an event and cancelling
# through the personal token link, and the forms of the pages people open from a message
# (each checked by its service against a CSRF token bound to the page, see kit.pages.csrf).
# The services check everything else about them.
ANONYMOUS_POSTS = (
    re.compile(r"^/v1/events/[^/]+/registrations$"),
    re.compile(r"^/v1/registrations/[^/]+/cancel$"),
    re.compile(r"^/v1/responses/[^/]+/submit$"),
    re.compile(r"^/p/[^/]+/"),
)
#: Saving answers through a personal link: the token in the path is the credential.
ANONYMOUS_PUTS = (re.compile(r"^/v1/responses/[^/]+$"),)


def anonymous_may(method: str, path: str | None) -> bool:
    """Whether a caller without a key may send ``method`` to ``path``."""
    if method in SAFE_METHODS:
        return True
    patterns = {"POST": ANONYMOUS_POSTS, "PUT": ANONYMOUS_PUTS}.get(method, ())
    return path is not None and any(pattern.match(path) for pattern in patterns)


class CallerRejected(Exception):
    """The request cannot go on as this caller; rendered as a 401 problem."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class KeyStore(Protocol):
    """Somewhere API keys live."""

    async def identify(self, key: str) -> Identity | None:
        """The identity ``key`` grants, or None if this store does not know it.

        A store may raise :class:`CallerRejected` for a key it knows but refuses (expired,
        revoked), to say why.
        """


class BootstrapAdminKey:
    """The single admin key given to the gateway at start, compared in constant time."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    async def identify(self, key: str) -> Identity | None:
        if hmac.compare_digest(key.encode(), self._key):
            return BOOTSTRAP_ADMIN
        return None


class CallerResolver:
    """Resolve the caller of a request from its ``Authorization`` header and method."""

    def __init__(self, stores: Sequence[KeyStore]) -> None:
        self.stores = tuple(stores)

    async def resolve(
        self, method: str, authorization: str | None, path: str | None = None
    ) -> Identity:
        """The identity to relay, or :class:`CallerRejected`.

        No credentials: anonymous, for reads and the public writes of ``ANONYMOUS_POSTS``.
        Credentials present but unknown or malformed: rejected whatever the method, so a typo
        never silently downgrades a caller.
        """
        if authorization is None:
            if anonymous_may(method, path):
                return ANONYMOUS
            raise CallerRejected(
                "This operation needs an API key: send Authorization: Bearer <key>."
            )
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise CallerRejected("The Authorization header must read: Bearer <key>.")
        for store in self.stores:
            identity = await store.identify(key)
            if identity is not None:
                return identity
        raise CallerRejected("The API key is unknown or malformed.")


def resolver_for(admin_key: str | None, *stores: KeyStore) -> CallerResolver:
    """The resolver for this gateway's configuration: the admin key first, then ``stores``."""
    chain: list[KeyStore] = []
    if admin_key:
        chain.append(BootstrapAdminKey(admin_key))
    chain.extend(stores)
    return CallerResolver(chain)
