"""Who may call the calendar's writes, as FastAPI dependencies.

The API document's ``x-roles`` is derived from these (kit.api_docs), so it lists only the
roles that can succeed, and says the object-level rule beside them in words. The services
still check each record (organizer membership, a partner's own source).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kit.api_docs import register_role_requirement
from kit.identity import (
    MEMBER_OR_STAFF_ROLES,
    STAFF_ROLES,
    CurrentIdentity,
    Identity,
    Role,
    require_authenticated,
    require_member_or_staff,
)
from kit.problems import Forbidden

PARTNER_OR_STAFF_ROLES = STAFF_ROLES | {Role.PARTNER}


async def require_organizer_or_staff(identity: CurrentIdentity) -> Identity:
    """Staff, or a member key (then only for events one of its actors organizes): reader and
    partner keys can never succeed, so they are refused before the record is read."""
    return await require_member_or_staff(identity)


async def require_partner_or_staff(identity: CurrentIdentity) -> Identity:
    """Staff, or a partner key (then only for its own source)."""
    await require_authenticated(identity)
    if identity.role not in PARTNER_OR_STAFF_ROLES:
        raise Forbidden("Only network staff and partner keys may do this.")
    return identity


register_role_requirement(
    require_organizer_or_staff,
    MEMBER_OR_STAFF_ROLES,
    "A member key only for the events one of its actors organizes (403 otherwise).",
)
register_role_requirement(
    require_partner_or_staff,
    PARTNER_OR_STAFF_ROLES,
    "A partner key only under its own source (`source` is the partner's name; 403 otherwise).",
)

OrganizerOrStaffIdentity = Annotated[Identity, Depends(require_organizer_or_staff)]
PartnerOrStaffIdentity = Annotated[Identity, Depends(require_partner_or_staff)]
