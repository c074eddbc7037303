"""Unsubscribe tokens: an address and a kind, signed per service, routable by prefix."""

from __future__ import annotations

from kit.mail import UnsubscribeTarget, UnsubscribeTokens, token_service

SECRET = "a-secret-of-at-least-thirty-two-bytes-long"


def test_a_token_reads_back_only_in_its_own_service() -> None:
    events = UnsubscribeTokens(SECRET, service="events")
    token = events.sign(" Ada@Example.org ", "event_reminders")
    assert token.startswith("events.")
    assert token_service(token) == "events"
    assert events.read(token) == UnsubscribeTarget("events", "ada@example.org", "event_reminders")
    assert UnsubscribeTokens(SECRET, service="surveys").read(token) is None
    assert (
        UnsubscribeTokens("another-secret-of-thirty-two-bytes!!", service="events").read(token)
        is None
    )


def test_altered_or_malformed_tokens_read_as_nothing() -> None:
    events = UnsubscribeTokens(SECRET, service="events")
    service, payload, signature = events.sign("ada@example.org", "digest").split(".")
    other_payload = events.sign("eve@example.org", "digest").split(".")[1]
    for token in (
        f"{service}.{other_payload}.{signature}",  # someone else's address
        f"{service}.{payload}.{signature[:-1]}",
        f"{service}.{payload}",
        "",
        "events..",
        "events.!!!.???",
        "x" * 3000,
    ):
        assert events.read(token) is None, token
    assert token_service("nodot") is None
