"""Names of the actor columns that several modules walk over, in one place."""

from __future__ import annotations

#: ``address`` of the API, flattened into columns of ``actors``.
ADDRESS_FIELDS = (
    "street",
    "postcode",
    "city",
    "commune_insee",
    "department",
    "region",
    "lat",
    "lon",
    "geo_precision",
)
#: Multi-valued fields (JSON lists, mirrored in actor_tags).
LIST_FIELDS = ("types", "themes", "audiences", "clubs")
#: Membership columns (private).
MEMBERSHIP_FIELDS = ("member_since", "paid_until", "charter_signed_at")
