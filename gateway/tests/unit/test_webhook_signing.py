from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from gateway.webhooks.signing import payload, signed_headers
from gateway.webhooks.tokens import new_secret


def test_the_reference_library_verifies_a_signed_delivery() -> None:
    secret = new_secret()
    body = payload("events.event.published", "2026-11-22T06:00:00Z", {"title": "Fête"})
    headers = signed_headers([secret], "evt_1", int(time.time()), body)

    verified = Webhook(secret).verify(body, headers)

    assert verified == {
        "type": "events.event.published",
        "timestamp": "2026-11-22T06:00:00Z",
        "data": {"title": "Fête"},
    }


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    body = payload("directory.actor.updated", "2026-11-22T06:00:00Z", {})
    headers = signed_headers([new, old], "evt_2", int(time.time()), body)

    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_another_secret_or_a_changed_body_does_not_verify() -> None:
    secret = new_secret()
    body = payload("events.event.published", "2026-11-22T06:00:00Z", {"a": 1})
    headers = signed_headers([secret], "evt_3", int(time.time()), body)

    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"1", b"2"), headers)
