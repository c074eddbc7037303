"""Who sees which results: pure rules over the caller and the survey's result settings."""

from __future__ import annotations

from dataclasses import dataclass

from kit.identity import Identity
from surveys.results.suppression import DEFAULT_K

#: Actor attributes only staff may cut or filter by (membership is private).
PRIVATE_ATTRIBUTES = frozenset({"member"})


@dataclass(frozen=True)
class Publication:
    k: int = DEFAULT_K
    published: bool = False


def may_read_results(identity: Identity, publication: Publication) -> bool:
    """Staff always; everyone else (readers, members, partners, anonymous) once published."""
    return identity.is_staff or publication.published


def threshold_for(identity: Identity, publication: Publication, *, as_public: bool) -> int | None:
    """The ``k`` that withholds small cells, or None for staff reading every figure.

    Staff may ask for the public view (``as_public``) to see what others will see.
    """
    if identity.is_staff and not as_public:
        return None
    return publication.k


def may_use_attribute(identity: Identity, name: str) -> bool:
    return identity.is_staff or name not in PRIVATE_ATTRIBUTES
