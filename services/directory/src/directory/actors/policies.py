"""Who may see and change what of an actor: the directory's privacy and edit rules.

Pure functions over the caller's identity and typed values, unit-tested without a database
(``tests/unit/test_actor_policies.py``), called by the routes and the service.

Private are an actor's contact persons (unless marked public), its membership of the network
(member, since, paid until) and the staff's own marks (circle set by, charter signed): staff
see them, and so do the actor's own members for their actor; anyone else, anonymous callers
and partner platforms included, sees the public actor.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from directory.actors.errors import ActorEditForbidden
from kit.identity import Identity
from kit.problems import Forbidden

#: Facets counting or filtering by membership: private, staff only.
PRIVATE_FACETS = frozenset({"member"})
#: Fields only network staff may change (a member editing its own record cannot).
STAFF_ONLY_FIELDS = frozenset({"circle", "membership", "status", "charter_signed_at", "ext_ids"})
#: Export formats made of private data: vCard holds contact persons.
PRIVATE_FORMATS = frozenset({"vcf"})


def may_see_private(identity: Identity, actor_id: uuid.UUID) -> bool:
    """Staff and the actor's own members see its private fields."""
    return identity.acts_for(actor_id)


def may_export_private(identity: Identity) -> bool:
    """Exports hold many actors: their private columns are for staff only (not members)."""
    return identity.is_staff


def check_search(identity: Identity, *, member_filter: bool, facets: Collection[str]) -> None:
    """Only staff filter or count actors by membership."""
    if not identity.is_staff and (member_filter or PRIVATE_FACETS & set(facets)):
        raise Forbidden("Membership is private: only network staff may filter or count by it.")


def check_export(identity: Identity, *, member_filter: bool, format: str) -> None:
    """Only staff export contacts (vCard) or filter an export by membership."""
    if not identity.is_staff and (format in PRIVATE_FORMATS or member_filter):
        raise Forbidden("Contacts and membership are private: network staff only.")


def check_history(identity: Identity, actor_id: uuid.UUID) -> None:
    """An actor's history shows private values: staff and its members only."""
    if not identity.acts_for(actor_id):
        raise ActorEditForbidden("Only staff and the actor's members may read its history.")


def check_edit(identity: Identity, actor_id: uuid.UUID) -> None:
    """Members change only the actors they belong to (staff, every actor)."""
    if not identity.acts_for(actor_id):
        raise ActorEditForbidden("Members may change only the actors they belong to.")


def check_fields(identity: Identity, fields: Collection[str]) -> None:
    """Members never change the staff-only fields, even of their own actor."""
    forbidden = sorted(set(fields) & STAFF_ONLY_FIELDS)
    if forbidden and not identity.is_staff:
        raise ActorEditForbidden(
            f"Only network staff may change {', '.join(forbidden)}.", fields=forbidden
        )


def check_staff(identity: Identity, action: str) -> None:
    """Merging and deleting actors are staff decisions (``action``: "merge actors")."""
    if not identity.is_staff:
        raise ActorEditForbidden(f"Only network staff may {action}.")
