"""Which service owns a public path: the first segment after ``/v1/`` (the API) or ``/p/``
(the pages people open from a message) decides."""

from __future__ import annotations

from collections.abc import Mapping

from kit.mail.tokens import token_service

API_PREFIX = "/v1/"
PAGES_PREFIX = "/p/"

#: First path segment → owning service. ``api-keys``, ``webhooks`` and ``partners`` are the
#: gateway's own and are served by its FastAPI app, like any segment not listed here.
SEGMENT_OWNERS: Mapping[str, str] = {
    "actors": "directory",
    "resources": "directory",
    "imports": "directory",
    "vocabularies": "directory",
    "territories": "directory",
    "events": "events",
    "registrations": "events",
    "surveys": "surveys",
    "responses": "surveys",
    "invitations": "surveys",
    "indicators": "surveys",
    "calls": "eu-watch",
    "watches": "eu-watch",
}

SERVICES: tuple[str, ...] = ("directory", "events", "surveys", "eu-watch")

#: First segment after ``/p/`` → the service serving those pages. ``/p/static/`` (the shared
#: stylesheet) is the gateway's own, as is any segment not listed.
PAGE_OWNERS: Mapping[str, str] = {
    "registrations": "events",
    "surveys": "surveys",
    "observatory": "surveys",
}
#: ``/p/unsubscribe/{token}`` goes to the service that issued the token, which the token names
#: (``kit.mail.tokens``): each service keeps its own suppression list and checks the signature.
UNSUBSCRIBE_SEGMENT = "unsubscribe"
_SERVICE_SPELLINGS = {name: name for name in SERVICES} | {"eu_watch": "eu-watch"}


def first_segment(path: str) -> str | None:
    """``/v1/events.ics`` → ``events``; ``/v1/actors/42`` → ``actors``; else None."""
    if not path.startswith(API_PREFIX):
        return None
    segment = path[len(API_PREFIX) :].split("/", 1)[0]
    # An export such as /v1/events.ics belongs to the collection it exports.
    return segment.split(".", 1)[0] or None


#: ``/v1/mail/{service}/...`` goes to the service it names: each answers for its own mail.
MAIL_SEGMENT = "mail"


def owner_of(path: str) -> str | None:
    """The service that serves ``path``, or None when the gateway itself answers."""
    segment = first_segment(path)
    if segment == MAIL_SEGMENT:
        service = path[len(API_PREFIX) + len(MAIL_SEGMENT) + 1 :].split("/", 1)[0]
        return _SERVICE_SPELLINGS.get(service)
    return SEGMENT_OWNERS.get(segment) if segment else None


def page_owner(path: str) -> str | None:
    """The service serving the page at ``path`` (``/p/registrations/abc`` → ``events``; an
    unsubscribe token signed by the surveys service → ``surveys``), or None for the gateway."""
    if not path.startswith(PAGES_PREFIX):
        return None
    segment, _, rest = path[len(PAGES_PREFIX) :].partition("/")
    if segment == UNSUBSCRIBE_SEGMENT:
        issuer = token_service(rest.split("/", 1)[0])
        return _SERVICE_SPELLINGS.get(issuer) if issuer else None
    return PAGE_OWNERS.get(segment)


def segments_of(service: str) -> tuple[str, ...]:
    """The public segments ``service`` owns."""
    return tuple(s for s, owner in SEGMENT_OWNERS.items() if owner == service)
