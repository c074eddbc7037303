"""Who sees which invitations: staff all of them, a member those of its own actors only."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kit.identity import Identity


def may_see_invitations_of(identity: Identity, actor_id: uuid.UUID | None) -> bool:
    """Staff see every invitation; a member key bound to actor A sees A's (an invitation
    without an actor, sent to a person's address, is staff's only)."""
    if identity.is_staff:
        return True
    return actor_id is not None and identity.acts_for(actor_id)


#: The public link's counting window: limits are per minute.
PUBLIC_LINK_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class PublicLinkLimits:
    """How many responses the public link may start in a window, from one address and in
    all, for one survey (from the service's settings)."""

    per_address: int
    per_survey: int


def public_link_window(now: datetime) -> tuple[datetime, int]:
    """The window ``now`` falls in (its start) and the whole seconds until the next one."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    size = PUBLIC_LINK_WINDOW.total_seconds()
    elapsed = (now - epoch).total_seconds()
    start = epoch + timedelta(seconds=elapsed - elapsed % size)
    return start, max(1, math.ceil((start + PUBLIC_LINK_WINDOW - now).total_seconds()))


def public_link_allows(limits: PublicLinkLimits, *, by_address: int, in_all: int) -> bool:
    """Whether a start is allowed, counting it (``by_address`` and ``in_all`` include it)."""
    return by_address <= limits.per_address and in_all <= limits.per_survey
