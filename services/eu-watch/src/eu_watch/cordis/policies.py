"""Which CORDIS participations are an actor's, and which projects are on a call's topics
(pure)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from eu_watch.calls.search import word_stems, words

#: Where the directory keeps an organisation's PIC among its external ids.
PIC_KEYS = ("pic", "eu_pic")
#: Legal forms CORDIS adds to names ("ASSOCIATION A CIEL OUVERT") and people leave out.
LEGAL_FORMS = frozenset(
    {"association", "asso", "sa", "sas", "sasu", "sarl", "eurl", "scop", "scic", "gip", "epic"}
)
_PIC = re.compile(r"^[0-9]{9}$")


def plain_name(name: str | None) -> str:
    """A name as plain words without legal forms: ``ASSOCIATION A CIEL OUVERT`` and
    ``A Ciel Ouvert`` both give ``a ciel ouvert``."""
    return " ".join(w for w in words(name) if w not in LEGAL_FORMS)


def plain_place(city: str | None) -> str | None:
    """A city as plain words (``SAINT-ETIENNE`` and ``Saint-Étienne``: ``saint etienne``)."""
    key = " ".join(words(city))
    return key or None


def pic_of(value: str | None) -> str | None:
    """A PIC (nine digits) or None."""
    value = (value or "").strip()
    return value if _PIC.match(value) else None


@dataclass(frozen=True)
class KnownOrganisation:
    """What matching a CORDIS row reads of an actor."""

    actor_id: uuid.UUID
    pic: str | None
    plain_name: str
    plain_city: str | None


@dataclass(frozen=True)
class OrganisationRow:
    """One participant row of CORDIS's ``organization.csv``."""

    project_id: str
    pic: str | None
    name: str
    short_name: str | None
    city: str | None
    country: str | None
    role: str | None


class ActorIndex:
    """The actors by PIC and by (name, city), to match CORDIS rows to."""

    def __init__(self, actors: Iterable[KnownOrganisation]) -> None:
        self.by_pic: dict[str, uuid.UUID] = {}
        self.by_name_city: dict[tuple[str, str], list[uuid.UUID]] = {}
        for actor in actors:
            if actor.pic:
                self.by_pic[actor.pic] = actor.actor_id
            if actor.plain_name and actor.plain_city:
                self.by_name_city.setdefault((actor.plain_name, actor.plain_city), []).append(
                    actor.actor_id
                )

    def actor_for(self, row: OrganisationRow) -> tuple[uuid.UUID, str] | None:
        """The actor a row is, and how it was recognised (``pic`` or ``name_city``): by the
        PIC kept in its ``ext_ids`` first, else by its name (or short name) and city, for a
        French organisation, when exactly one actor has both."""
        if row.pic and row.pic in self.by_pic:
            return self.by_pic[row.pic], "pic"
        if (row.country or "").upper() != "FR":
            return None
        city = plain_place(row.city)
        if city is None:
            return None
        for name in (row.name, row.short_name):
            found = self.by_name_city.get((plain_name(name), city), [])
            if len(found) == 1:
                return found[0], "name_city"
        return None


def topic_family(identifier: str | None) -> str | None:
    """``HORIZON-CL2`` of ``HORIZON-CL2-2027-01-DEMOCRACY-05``: the programme and its part
    (a cluster, a mission), the years aside."""
    parts = [p for p in (identifier or "").upper().split("-") if p]
    if len(parts) < 2 or parts[1].isdigit():
        return None
    return "-".join(parts[:2])


def project_terms(*texts: str | None) -> str:
    """The English stems of a project's title and objective, between spaces."""
    stems = dict.fromkeys(word_stems(w)[0] for text in texts for w in words(text))
    return f" {' '.join(stems)} " if stems else ""


def on_the_calls_topics(
    *,
    call_identifier: str,
    call_terms: Iterable[frozenset[str]],
    project_topics: Iterable[str],
    terms: str,
) -> bool:
    """A project is on a call's topics when one of its topics is of the call's family
    (``HORIZON-CL2`` for a Culture, creativity and inclusive society call) or its title and
    objective hold one of the call's keywords whole."""
    family = topic_family(call_identifier)
    if family and any(topic_family(t) == family for t in project_topics):
        return True
    return any(stems and all(f" {s} " in terms for s in stems) for stems in call_terms)
