"""Finding likely duplicates of an actor and merging two actors into one.

Candidates come from three cheap, indexed lookups (same SIRET, same website domain, same
commune) and are then scored in Python, CiviCRM-style: each rule that holds adds its weight,
and the reasons are shown so an animator can judge.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.fields import ADDRESS_FIELDS, LIST_FIELDS, MEMBERSHIP_FIELDS
from directory.actors.models import Actor
from kit.normalize import fold

NAME_SIMILARITY_THRESHOLD = 0.82
MAX_CANDIDATES = 200
_NOISE_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "association"})


@dataclass
class Duplicate:
    actor: Actor
    score: float
    reasons: list[str]


def website_domain(url: str | None) -> str | None:
    """``https://www.museum.toulouse.fr/agenda`` → ``museum.toulouse.fr``."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names once folded and stripped of filler words (0..1)."""

    def key(name: str) -> str:
        return " ".join(w for w in fold(name).replace("'", " ").split() if w not in _NOISE_WORDS)

    return difflib.SequenceMatcher(None, key(a), key(b)).ratio()


async def find_duplicates(session: AsyncSession, actor: Actor) -> list[Duplicate]:
    """Live actors that are probably the same organisation as ``actor``, best first."""
    live = sa.and_(Actor.deleted_at.is_(None), Actor.id != actor.id)
    clauses = []
    if actor.siret:
        clauses.append(Actor.siret == actor.siret)
    domain = website_domain(actor.website)
    if domain:
        clauses.append(Actor.website.contains(domain))
    if actor.commune_insee:
        clauses.append(Actor.commune_insee == actor.commune_insee)
    elif actor.city:
        clauses.append(Actor.city == actor.city)
    if not clauses:
        return []
    candidates = await session.scalars(
        sa.select(Actor).where(live, sa.or_(*clauses)).limit(MAX_CANDIDATES)
    )
    found = []
    for other in candidates:
        score, reasons = 0.0, []
        if actor.siret and other.siret == actor.siret:
            score += 0.6
            reasons.append(f"same SIRET {actor.siret}")
        if domain and website_domain(other.website) == domain:
            score += 0.3
            reasons.append(f"same website domain {domain}")
        same_place = (actor.commune_insee and other.commune_insee == actor.commune_insee) or (
            not actor.commune_insee and actor.city and other.city == actor.city
        )
        similarity = name_similarity(actor.name, other.name)
        if same_place and similarity >= NAME_SIMILARITY_THRESHOLD:
            score += 0.4 * similarity
            reasons.append(f"similar name in the same commune ({similarity:.0%})")
        if reasons:
            found.append(Duplicate(actor=other, score=round(min(score, 1.0), 3), reasons=reasons))
    return sorted(found, key=lambda d: -d.score)


_SCALARS = (
    "acronym",
    "circle",
    "description",
    *ADDRESS_FIELDS,
    "website",
    "email",
    "phone",
    "siret",
    *MEMBERSHIP_FIELDS,
)


def absorb(survivor: Actor, duplicate: Actor) -> None:
    """Give ``survivor`` whatever ``duplicate`` knows that it does not.

    The survivor's own values win; empty ones are filled, lists are united, contacts are
    united by e-mail (or name), external ids are merged, membership is kept if either had it.
    """
    for field in _SCALARS:
        if getattr(survivor, field) in (None, "") and getattr(duplicate, field) not in (None, ""):
            setattr(survivor, field, getattr(duplicate, field))
    for field in LIST_FIELDS:
        setattr(
            survivor,
            field,
            list(dict.fromkeys([*getattr(survivor, field), *getattr(duplicate, field)])),
        )
    seen = {(c.get("email") or c.get("name") or "").lower() for c in survivor.contacts}
    extra: list[dict[str, Any]] = [
        c for c in duplicate.contacts if (c.get("email") or c.get("name") or "").lower() not in seen
    ]
    survivor.contacts = [*survivor.contacts, *extra]
    survivor.ext_ids = {**duplicate.ext_ids, **survivor.ext_ids}
    survivor.member = survivor.member or duplicate.member
