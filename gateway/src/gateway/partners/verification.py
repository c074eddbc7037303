"""Checking a partner's push as the Standard Webhooks specification says.

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; ``webhook-signature`` holds
one or more space-separated ``v1,<base64 HMAC-SHA256>``, any of which may match any secret
still valid (the current one, and the previous one during its grace period). Digests are
compared in constant time. The timestamp must be within the tolerance of now, both ways, so a
captured push cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.webhooks.signing import signature

MAX_WEBHOOK_ID_LENGTH = 255
#: More signatures than this in one header is not a rotation, it is someone guessing.
MAX_SIGNATURES = 10


class SignatureRejected(Exception):
    """The push is not proven to come from the partner; ``reason`` says why (for the 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedPush:
    webhook_id: str
    timestamp: int


def _digest(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


#: Said alike whether the partner is unknown, disabled, or signed with another secret.
NO_MATCH = "No signature matches the inbox secret of an active partner of that name."


def verify_push(
    *,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: float,
    tolerance_seconds: float,
) -> VerifiedPush:
    """The push's id and timestamp once its signature is checked; :class:`SignatureRejected`
    when a header is missing or malformed, the timestamp is out of tolerance or no signature
    matches."""
    webhook_id = headers.get("webhook-id", "").strip()
    raw_timestamp = headers.get("webhook-timestamp", "").strip()
    raw_signatures = headers.get("webhook-signature", "").strip()
    missing = [
        name
        for name, value in (
            ("webhook-id", webhook_id),
            ("webhook-timestamp", raw_timestamp),
            ("webhook-signature", raw_signatures),
        )
        if not value
    ]
    if missing:
        raise SignatureRejected(f"Missing header(s): {', '.join(missing)}.")
    if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
        raise SignatureRejected(f"webhook-id is longer than {MAX_WEBHOOK_ID_LENGTH} characters.")
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise SignatureRejected("webhook-timestamp must be unix seconds (an integer).")
    timestamp = int(raw_timestamp)
    if str(timestamp) != raw_timestamp:
        raise SignatureRejected("webhook-timestamp must be unix seconds without leading zeros.")
    if timestamp < now - tolerance_seconds:
        raise SignatureRejected(
            f"webhook-timestamp is more than {tolerance_seconds:g} s old: push it again, "
            "freshly signed."
        )
    if timestamp > now + tolerance_seconds:
        raise SignatureRejected(
            f"webhook-timestamp is more than {tolerance_seconds:g} s in the future: check the "
            "sender's clock."
        )
    presented = [
        digest
        for version, _, value in (
            entry.partition(",") for entry in raw_signatures.split(" ")[:MAX_SIGNATURES]
        )
        if version == "v1" and (digest := _digest(value)) is not None
    ]
    if not presented:
        raise SignatureRejected("webhook-signature holds no v1 signature.")
    for secret in secrets:
        expected = _digest(signature(secret, webhook_id, timestamp, body).removeprefix("v1,"))
        assert expected is not None
        # Every comparison runs, so the time taken says nothing about which one matched.
        matched = False
        for digest in presented:
            matched |= hmac.compare_digest(expected, digest)
        if matched:
            return VerifiedPush(webhook_id=webhook_id, timestamp=timestamp)
    raise SignatureRejected(NO_MATCH)
