"""Scoring an actor for a call, with a reason for every point (pure).

The score is a sum anyone can follow, each part with its reason:

- 3 points per network theme the actor and the call share (the call's terms that gave the
  call that theme are named), 1 point only for ``science_society``: every member of a CSTI
  network works on science and society, so sharing it says little of the call's subject;
- 1 point per keyword or priority of the call found whole in the actor's name or description
  (English or French stems; at most 3);
- 2 points when the type of action suits the actor's types: a coordination and support action
  suits networks, science centres, museums and associations; a research or innovation action
  suits laboratories, research organisations and universities;
- 2 points when the call names territories (regions) and the actor is in one; a call that
  names regions never matches an actor outside them.

An actor with neither a shared theme nor a call term in its description does not match: the
type of action alone says nothing of the subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from contracts.labels import ACTOR_TYPE
from contracts.vocabularies import CallStatus
from eu_watch.actors.repository import ActorProfile
from eu_watch.calls.search import word_stems, words

THEME_POINTS = 3
#: Themes every member of the network shares, which say little of a call's subject.
BROAD_THEMES = {"science_society": 1}
TERM_POINTS = 1
MAX_TERMS = 3
ACTION_POINTS = 2
TERRITORY_POINTS = 2

ActionKind = Literal["coordination", "research"]
#: Actor types each kind of action suits.
SUITED_TYPES: dict[ActionKind, frozenset[str]] = {
    "coordination": frozenset(
        {
            "science_centre",
            "museum",
            "natural_history_museum",
            "planetarium",
            "aquarium_zoo",
            "botanical_garden",
            "association",
            "popular_education",
            "environment_education",
            "library",
            "media",
            "local_authority",
        }
    ),
    "research": frozenset({"university", "research_organisation", "laboratory"}),
}
_COORDINATION = ("coordination and support", "csa", "coordination")
_RESEARCH = ("research and innovation", "innovation action", "ria", "-ia", " ia", "erc", "msca")


def type_names(codes: Sequence[str]) -> str:
    """Actor types as their English labels in a sentence: "association and popular
    education" (the code itself for one the vocabulary does not label)."""
    names = [ACTOR_TYPE[c][1].lower() if c in ACTOR_TYPE else c for c in codes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def action_kind(type_of_action: str | None) -> ActionKind | None:
    """``coordination`` for a CSA, ``research`` for a research or innovation action."""
    if not type_of_action:
        return None
    text = type_of_action.lower()
    if any(marker in text for marker in _COORDINATION):
        return "coordination"
    if any(marker in text for marker in _RESEARCH):
        return "research"
    return None


@dataclass(frozen=True)
class CallProfile:
    """What matching reads of a call."""

    id: Any
    themes: Mapping[str, Sequence[str]]  # theme → the call's terms that gave it
    terms: Sequence[tuple[str, frozenset[str]]]  # (keyword or priority, its stems)
    action: ActionKind | None
    regions: frozenset[str]


def call_profile(
    *,
    call_id: Any,
    themes: Iterable[Mapping[str, Any]],
    keywords: Iterable[str],
    priorities: Iterable[str],
    type_of_action: str | None,
    regions: Iterable[str] = (),
) -> CallProfile:
    terms = []
    for term in dict.fromkeys([*keywords, *priorities]):
        stems = [word_stems(w) for w in words(term)]
        if stems:
            # The English stem of each word: the actor's terms hold it for every word too.
            terms.append((term, frozenset(s[0] for s in stems)))
    return CallProfile(
        id=call_id,
        themes={t["theme"]: list(t.get("terms") or ()) for t in themes},
        terms=terms,
        action=action_kind(type_of_action),
        regions=frozenset(regions),
    )


def theme_points(theme: str) -> int:
    """What sharing ``theme`` with a call is worth."""
    return BROAD_THEMES.get(theme, THEME_POINTS)


@dataclass(frozen=True)
class ScorePlan:
    """The points :func:`score` gives, as data, for a database to rank thousands of actors
    without reading them: an actor's score is

    - the sum of ``theme_points`` over the call's themes it has,
    - plus one ``term_points`` per entry of ``terms`` whose stems are all among its own
      (at most ``max_terms`` of them); an actor with none of these points does not match,
    - plus ``action_points`` when one of its types is in ``suited_types``,
    - plus ``territory_points`` when ``regions`` is not empty (it must be in one of them).

    :func:`score` adds the same points, with a reason for each."""

    theme_points: Mapping[str, int]
    terms: Sequence[frozenset[str]]
    term_points: int
    max_terms: int
    suited_types: frozenset[str]
    action_points: int
    regions: frozenset[str]
    territory_points: int


def score_plan(call: CallProfile) -> ScorePlan:
    return ScorePlan(
        theme_points={theme: theme_points(theme) for theme in call.themes},
        terms=[stems for _, stems in call.terms if stems],
        term_points=TERM_POINTS,
        max_terms=MAX_TERMS,
        suited_types=SUITED_TYPES[call.action] if call.action is not None else frozenset(),
        action_points=ACTION_POINTS,
        regions=call.regions,
        territory_points=TERRITORY_POINTS,
    )


@dataclass
class Match:
    actor: ActorProfile
    score: int = 0
    reasons: list[dict[str, Any]] = field(default_factory=list)


def score(call: CallProfile, actor: ActorProfile) -> Match | None:
    """The actor's score for the call with its reasons, or None when it does not match."""
    if call.regions and actor.region not in call.regions:
        return None
    match = Match(actor=actor)
    for theme in sorted(actor.themes & call.themes.keys()):
        terms = call.themes[theme]
        points = theme_points(theme)
        match.score += points
        match.reasons.append(
            {
                "kind": "theme",
                "points": points,
                "theme": theme,
                "call_terms": list(terms),
                "text": f"Shares the theme {theme} (the call's {', '.join(terms)}).",
            }
        )
    found = [
        term for term, stems in call.terms if stems and _all_found(stems, actor.description_terms)
    ][:MAX_TERMS]
    for term in found:
        match.score += TERM_POINTS
        match.reasons.append(
            {
                "kind": "description",
                "points": TERM_POINTS,
                "term": term,
                "text": f"Its description speaks of {term}.",
            }
        )
    if match.score == 0:
        return None
    if call.action is not None:
        suited = sorted(actor.types & SUITED_TYPES[call.action])
        if suited:
            match.score += ACTION_POINTS
            action = (
                "A coordination and support action"
                if call.action == "coordination"
                else "A research or innovation action"
            )
            match.reasons.append(
                {
                    "kind": "type_of_action",
                    "points": ACTION_POINTS,
                    "action": call.action,
                    "actor_types": suited,
                    # Labels, not codes; no article, which fits neither "popular
                    # education" nor several types.
                    "text": f"{action} suits its type{'s' if len(suited) > 1 else ''}:"
                    f" {type_names(suited)}.",
                }
            )
    if call.regions and actor.region in call.regions:
        match.score += TERRITORY_POINTS
        match.reasons.append(
            {
                "kind": "territory",
                "points": TERRITORY_POINTS,
                "region": actor.region,
                "text": f"In region {actor.region}, which the call names.",
            }
        )
    return match


def _all_found(stems: frozenset[str], actor_terms: str) -> bool:
    # Both sides hold the English stem of every word (the actor's hold the French one too):
    # a term is found when each of its words is.
    return all(f" {stem} " in actor_terms for stem in stems)


def rank(call: CallProfile, actors: Iterable[ActorProfile]) -> list[Match]:
    """Every matching actor, best first (ties by name)."""
    matches = [m for m in (score(call, actor) for actor in actors) if m is not None]
    matches.sort(key=lambda m: (-m.score, m.actor.name.lower(), str(m.actor.id)))
    return matches


# -- partners ---------------------------------------------------------------------------------

#: The roles a consortium around a lead is built from, and the actor types that fill each.
ROLES: dict[str, frozenset[str]] = {
    "research": frozenset({"university", "research_organisation", "laboratory"}),
    "science_centre_or_museum": frozenset(
        {
            "science_centre",
            "museum",
            "natural_history_museum",
            "planetarium",
            "aquarium_zoo",
            "botanical_garden",
            "heritage_site",
        }
    ),
    "local_authority_or_association": frozenset(
        {
            "local_authority",
            "natural_park",
            "association",
            "popular_education",
            "environment_education",
            "library",
        }
    ),
}
ROLE_NAMES = {
    "research": "research",
    "science_centre_or_museum": "a science centre or museum",
    "local_authority_or_association": "a local authority or association",
}


def roles_of(actor: ActorProfile) -> list[str]:
    return [role for role, types in ROLES.items() if actor.types & types]


@dataclass
class Consortium:
    members: list[tuple[Match, str, list[str]]]  # (match, role it brings, why it was chosen)
    regions: list[str]


def consortia(
    lead: ActorProfile, matches: Sequence[Match], *, how_many: int = 3
) -> list[Consortium]:
    """Consortia around ``lead``: for each role the lead does not fill, a matching member
    that fills it, the best scored first but preferring a region the consortium does not
    have yet (a spread across territories); each suggestion uses other partners than the
    ones before it where it can."""
    missing = [role for role in ROLES if role not in roles_of(lead)]
    candidates = [m for m in matches if m.actor.id != lead.id]
    used: set[Any] = set()
    suggestions = []
    for _ in range(how_many):
        regions = [lead.region] if lead.region else []
        members: list[tuple[Match, str, list[str]]] = []
        for role in missing:
            fitting = [
                m for m in candidates if m.actor.types & ROLES[role] and m.actor.id not in used
            ]
            if not fitting:
                continue
            elsewhere = [m for m in fitting if m.actor.region and m.actor.region not in regions]
            chosen = (elsewhere or fitting)[0]
            why = [
                f"Brings {ROLE_NAMES[role]} ({', '.join(sorted(chosen.actor.types & ROLES[role]))})"
                " that the lead does not."
            ]
            if chosen in elsewhere:
                why.append(f"Adds region {chosen.actor.region} to the consortium.")
            why.append(f"Matches the call with a score of {chosen.score}.")
            members.append((chosen, role, why))
            used.add(chosen.actor.id)
            if chosen.actor.region and chosen.actor.region not in regions:
                regions.append(chosen.actor.region)
        if not members:
            break
        suggestions.append(Consortium(members=members, regions=regions))
    return suggestions


#: What a member's calls show unless a status is asked for: the calls it can still apply to.
STILL_OPEN_TO_APPLY: tuple[CallStatus, ...] = (CallStatus.FORTHCOMING, CallStatus.OPEN)


def statuses_for_actor(asked: tuple[CallStatus, ...]) -> tuple[CallStatus, ...]:
    """A member asking for its calls wants those it can still apply to: a closed call ranked
    third among them (the acceptance walk saw it) is noise. ``status=`` asks for others."""
    return asked or STILL_OPEN_TO_APPLY
