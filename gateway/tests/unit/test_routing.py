from __future__ import annotations

import pytest

from gateway.proxy.routing import SERVICES, owner_of, page_owner, segments_of
from kit.mail.tokens import UnsubscribeTokens


def token(service: str) -> str:
    """An unsubscribe token as ``service`` signs it (the routing reads only who issued it)."""
    return UnsubscribeTokens("a secret", service=service).sign("ada@example.org", "reminder")


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/v1/actors", "directory"),
        ("/v1/actors/3f0c/contacts", "directory"),
        ("/v1/resources/r1", "directory"),
        ("/v1/imports", "directory"),
        ("/v1/events", "events"),
        ("/v1/events.ics", "events"),
        ("/v1/events.csv", "events"),
        ("/v1/registrations/r1", "events"),
        ("/v1/surveys/s1/questions", "surveys"),
        ("/v1/responses", "surveys"),
        ("/v1/invitations/i1", "surveys"),
        ("/v1/calls/HORIZON-CL2-2025-01", "eu-watch"),
        ("/v1/watches", "eu-watch"),
    ],
)
def test_first_segment_picks_the_owning_service(path: str, owner: str) -> None:
    assert owner_of(path) == owner


@pytest.mark.parametrize(
    "path",
    [
        "/v1/api-keys",
        "/v1/webhooks/w1",
        "/v1/partners/echosciences/inbox",
        "/v1/",
        "/v1",
        "/actors",
        "/v2/actors",
        "/healthz",
        "/v1/actorsx",
    ],
)
def test_paths_no_service_owns_stay_at_the_gateway(path: str) -> None:
    assert owner_of(path) is None


def test_every_service_owns_some_segment() -> None:
    assert all(segments_of(service) for service in SERVICES)


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/p/registrations/abc", "events"),
        ("/p/surveys/tok/page/2", "surveys"),
        ("/p/observatory", "surveys"),
        ("/p/observatory/indicators", "surveys"),
        (f"/p/unsubscribe/{token('events')}", "events"),
        (f"/p/unsubscribe/{token('surveys')}", "surveys"),
        (f"/p/unsubscribe/{token('eu_watch')}", "eu-watch"),
        (f"/p/unsubscribe/{token('directory')}/confirm", "directory"),
        (f"/p/unsubscribe/{token('gateway')}", None),
        ("/p/unsubscribe/abc", None),
        ("/p/unsubscribe/not-base64!.x", None),
        ("/p/unsubscribe/", None),
        ("/p/static/maillage.css", None),
        ("/p/nothing", None),
        ("/p", None),
        ("/v1/registrations/abc", None),  # the API's, not a page
    ],
)
def test_pages_are_routed_by_their_first_segment_or_token_issuer(
    path: str, owner: str | None
) -> None:
    assert page_owner(path) == owner
    if path.startswith("/p"):
        assert owner_of(path) is None, "pages are not API paths"


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/v1/mail/events", "events"),
        ("/v1/mail/directory/12/resend", "directory"),
        ("/v1/mail/eu-watch", "eu-watch"),
        ("/v1/mail/eu_watch/3", "eu-watch"),
        ("/v1/mail", None),
        ("/v1/mail/gateway", None),
        ("/v1/mail/../actors", None),
    ],
)
def test_mail_goes_to_the_service_it_names(path: str, owner: str | None) -> None:
    assert owner_of(path) == owner
