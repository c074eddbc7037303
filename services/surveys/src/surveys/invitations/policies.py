"""Who sees which invitations: staff all of them, a member those of its own actors only."""

from __future__ import annotations

import uuid

from kit.identity import Identity


def may_see_invitations_of(identity: Identity, actor_id: uuid.UUID | None) -> bool:
    """Staff see every invitation; a member key bound to actor A sees A's (an invitation
    without an actor, sent to a person's address, is staff's only)."""
    if identity.is_staff:
        return True
    return actor_id is not None and identity.acts_for(actor_id)
