"""Which events a webhook endpoint may receive, by who owns it.

Changes about people — registrations and attendance — say who signed up where and whether
they came, even with names and e-mails removed. They go to the network's own endpoints (made
by an admin) only; a partner platform's endpoint never gets them (``partners=False`` in
:mod:`contracts.registry`): an exact subscription is refused, a wildcard such as ``events.*``
simply skips them.

The gateway's own events (``gateway.webhook_endpoint.disabled``) are about one owner's
endpoint: a partner's endpoints get those about the partner's endpoints only (that is how a
partner learns that one of its endpoints was disabled), the network's get them all.
"""

from __future__ import annotations

from collections.abc import Collection

from contracts import registry
from kit.cloudevents import CloudEvent

#: Event types about one owner's endpoints (their data names the ``partner``).
OWNER_PREFIXES = ("gateway.",)


def matches(patterns: Collection[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``patterns`` wants ``event_type``."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def delivered_to(patterns: Collection[str], event: CloudEvent, *, partner: str | None) -> bool:
    """Whether an endpoint subscribed to ``patterns`` (owned by ``partner``, None for the
    network's own) gets ``event``."""
    if not matches(patterns, event.type):
        return False
    if partner is None:
        return True
    if event.type.startswith(OWNER_PREFIXES):
        return bool(event.data.get("partner") == partner)
    return registry.for_partners(event.type)
