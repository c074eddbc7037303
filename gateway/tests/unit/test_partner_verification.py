"""Standard Webhooks verification of partner pushes, against signatures made by the
``standardwebhooks`` reference library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from gateway.partners.verification import SignatureRejected, verify_push
from gateway.webhooks.tokens import new_secret

BODY = b'{"type":"event.deleted","timestamp":"2026-12-01T22:00:00Z","data":{"id":"42"}}'
NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def headers(secret: str, *, at: datetime = NOW, webhook_id: str = "msg_1") -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, BODY.decode()),
    }


def verify(given: dict[str, str], *secrets: str, body: bytes = BODY) -> str:
    return verify_push(
        headers=given,
        body=body,
        secrets=list(secrets),
        now=NOW.timestamp(),
        tolerance_seconds=300,
    ).webhook_id


def rejection(given: dict[str, str], *secrets: str, body: bytes = BODY) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verify(given, *secrets, body=body)
    return caught.value.reason


def test_a_push_signed_by_the_reference_library_verifies() -> None:
    secret = new_secret()
    assert verify(headers(secret), secret) == "msg_1"


def test_the_previous_secret_verifies_while_it_is_still_given() -> None:
    old, new = new_secret(), new_secret()
    assert verify(headers(old), new, old) == "msg_1"
    assert "No signature matches" in rejection(headers(old), new)


def test_the_timestamp_tolerance_holds_both_ways() -> None:
    secret = new_secret()
    assert verify(headers(secret, at=NOW - timedelta(seconds=300)), secret)
    assert verify(headers(secret, at=NOW + timedelta(seconds=300)), secret)
    assert "old" in rejection(headers(secret, at=NOW - timedelta(seconds=301)), secret)
    assert "future" in rejection(headers(secret, at=NOW + timedelta(seconds=301)), secret)


def test_a_signature_is_bound_to_the_body_the_id_and_the_timestamp() -> None:
    secret = new_secret()
    signed = headers(secret)
    assert "No signature" in rejection(signed, secret, body=BODY.replace(b"42", b"43"))
    assert "No signature" in rejection(signed | {"webhook-id": "msg_2"}, secret)
    moved = signed | {"webhook-timestamp": str(int(NOW.timestamp()) + 1)}
    assert "No signature" in rejection(moved, secret)


def test_any_v1_signature_among_several_may_match() -> None:
    secret, other = new_secret(), new_secret()
    theirs = headers(other)["webhook-signature"]
    ours = headers(secret)["webhook-signature"]
    given = headers(secret) | {"webhook-signature": f"v2,abc {theirs} {ours}"}
    assert verify(given, secret) == "msg_1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-id": ""}, "Missing header(s): webhook-id"),
        ({"webhook-signature": ""}, "Missing header(s): webhook-signature"),
        ({"webhook-timestamp": "soon"}, "unix seconds"),
        ({"webhook-timestamp": "01764626400"}, "leading zeros"),
        ({"webhook-signature": "v1,not*base64"}, "no v1 signature"),
        ({"webhook-id": "x" * 256}, "longer than 255"),
    ],
)
def test_malformed_headers_are_refused_with_the_reason(change: dict[str, str], reason: str) -> None:
    secret = new_secret()
    assert reason in rejection(headers(secret) | change, secret)
