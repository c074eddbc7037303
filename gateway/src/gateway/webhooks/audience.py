"""Which event types a webhook endpoint may receive, by who owns it.

Changes about people — registrations and attendance — say who signed up where and whether
they came, even with names and e-mails removed. They go to the network's own endpoints (made
by an admin) only; a partner platform's endpoint never gets them: an exact subscription is
refused, a wildcard such as ``events.*`` simply skips them.
"""

from __future__ import annotations

from collections.abc import Collection

#: Event types about people, by prefix.
PERSONAL_PREFIXES = ("events.registration.", "events.attendance.")


def for_partners(event_type: str) -> bool:
    """Whether a partner's endpoint may receive ``event_type``."""
    return not event_type.startswith(PERSONAL_PREFIXES)


def matches(patterns: Collection[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``patterns`` wants ``event_type``."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def delivered_to(patterns: Collection[str], event_type: str, *, partner: str | None) -> bool:
    """Whether an endpoint subscribed to ``patterns`` (owned by ``partner``, None for the
    network's own) gets ``event_type``."""
    return matches(patterns, event_type) and (partner is None or for_partners(event_type))
