"""Matching on the labelled fixture: precision at 5 and every reason true of its call and
actor (checked here independently of the scorer), and consortia around a lead."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from eu_watch.actors.consumers import description_terms
from eu_watch.actors.repository import ActorProfile
from eu_watch.matching.policies import ROLES, call_profile, consortia, rank
from eu_watch.themes.defaults import DEFAULT_MAPPING
from eu_watch.themes.policies import classify
from kit.normalize import fold

from .matching_fixture import ACTORS, CALLS

KEYS = {uuid.uuid5(uuid.NAMESPACE_URL, key): key for key, *_ in ACTORS}
RAW = {key: row for key, *row in ACTORS}


def profiles() -> list[ActorProfile]:
    """The fixture's actors the way a call is matched against them: active members of
    circles 1 and 2 (what the repository's default filter selects)."""
    out = []
    for key, name, types, themes, region, circle, member, description in ACTORS:
        if not member or circle not in (1, 2):
            continue
        out.append(
            ActorProfile(
                id=uuid.uuid5(uuid.NAMESPACE_URL, key),
                name=name,
                types=frozenset(types),
                circle=circle,
                themes=frozenset(themes),
                description_terms=description_terms(f"{name} {description}"),
                region=region,
                department=None,
                member=member,
                active=True,
            )
        )
    return out


def themed(call: dict[str, Any]) -> list[dict[str, Any]]:
    return classify(call, DEFAULT_MAPPING)


def ranked(call: dict[str, Any]) -> list[Any]:
    profile = call_profile(
        call_id=None,
        themes=themed(call),
        keywords=call.get("keywords", []),
        priorities=call.get("priorities", []),
        type_of_action=call.get("type_of_action"),
        regions=call.get("regions", []),
    )
    return rank(profile, profiles())


def test_precision_at_5_on_the_labelled_fixture() -> None:
    precisions = []
    report = []
    for key, call, expected in CALLS:
        top = [KEYS[m.actor.id] for m in ranked(call)[:5]]
        hits = len(set(top) & expected)
        precision = hits / min(5, len(expected))
        precisions.append(precision)
        report.append(f"{key}: {precision:.2f} top={top}")
    mean = sum(precisions) / len(precisions)
    assert mean >= 0.8, "\n".join([f"mean precision@5 {mean:.3f}", *report])


def _words_found(term: str, description: str) -> bool:
    """Each word of ``term`` begins a word of the description (a plural or a French ending
    aside): an independent, cruder reading than the scorer's stems."""
    text = fold(description).replace("'", " ").replace("-", " ")
    return all(
        any(w.startswith(word[: max(4, len(word) - 2)]) for w in text.split())
        for word in fold(term).split()
    )


@pytest.mark.parametrize(("key", "call", "expected"), CALLS, ids=[c[0] for c in CALLS])
def test_every_reason_is_true_of_its_call_and_actor(
    key: str, call: dict[str, Any], expected: set[str]
) -> None:
    call_themes = {t["theme"]: t["terms"] for t in themed(call)}
    call_terms = [*call.get("keywords", []), *call.get("priorities", [])]
    all_call_terms = {
        *call_terms,
        *call.get("programme_parts", []),
        *([call["programme"]] if call.get("programme") else []),
    }
    for match in ranked(call):
        name, types, themes, region, _circle, _member, description = RAW[KEYS[match.actor.id]]
        assert match.score == sum(r["points"] for r in match.reasons)
        for reason in match.reasons:
            if reason["kind"] == "theme":
                assert reason["theme"] in themes
                assert reason["theme"] in call_themes
                assert set(reason["call_terms"]) <= all_call_terms
            elif reason["kind"] == "description":
                assert reason["term"] in call_terms
                assert _words_found(reason["term"], f"{name} {description}"), reason
            elif reason["kind"] == "type_of_action":
                assert set(reason["actor_types"]) <= set(types)
                word = "coordination" if reason["action"] == "coordination" else "research"
                assert word in call["type_of_action"].lower()
            elif reason["kind"] == "territory":
                assert region == reason["region"]
                assert region in call["regions"]
            else:
                pytest.fail(f"unknown reason {reason}")


def test_a_call_naming_a_region_matches_only_actors_there() -> None:
    call = next(c for k, c, _ in CALLS if k == "region_csti")
    assert {RAW[KEYS[m.actor.id]][3] for m in ranked(call)} == {"76"}


def test_consortia_bring_what_the_lead_lacks_across_regions() -> None:
    call = next(c for k, c, _ in CALLS if k == "science_society_widera")
    matches = ranked(call)
    lead = next(p for p in profiles() if KEYS[p.id] == "ombelliscience")
    suggestions = consortia(lead, matches)
    assert suggestions
    first = suggestions[0]
    roles = [role for _, role, _ in first.members]
    # The lead, an association, brings that role itself: the partners bring the others.
    assert "local_authority_or_association" not in roles
    assert roles == [r for r in ROLES if r in roles]
    assert "science_centre_or_museum" in roles
    regions = {lead.region}
    for match, role, why in first.members:
        assert match.actor.types & ROLES[role]
        if match.actor.region not in regions:
            assert f"Adds region {match.actor.region} to the consortium." in why
        regions.add(match.actor.region)
        assert match.actor.id != lead.id
        assert why
    # Each suggestion proposes partners the ones before it did not.
    seen: set[uuid.UUID] = set()
    for suggestion in suggestions:
        ids = {m.actor.id for m, _, _ in suggestion.members}
        assert not ids & seen
        seen |= ids


def test_the_type_of_action_reason_names_the_types_by_their_labels() -> None:
    """It read "A coordination and support action suits a association, popular_education"."""
    actor = ActorProfile(
        id=uuid.uuid4(),
        name="Les Petits Débrouillards",
        types=frozenset({"association", "popular_education"}),
        circle=1,
        themes=frozenset({"sea_coast"}),
        description_terms=frozenset(),
        region="76",
        department=None,
        member=True,
        active=True,
    )
    profile = call_profile(
        call_id=None,
        themes=[{"theme": "sea_coast", "terms": ["Ocean"]}],
        keywords=[],
        priorities=[],
        type_of_action="HORIZON Coordination and Support Actions",
        regions=[],
    )
    (match,) = rank(profile, [actor])
    (reason,) = [r for r in match.reasons if r["kind"] == "type_of_action"]
    assert reason["actor_types"] == ["association", "popular_education"]
    assert reason["text"] == (
        "A coordination and support action suits its types: association and popular education."
    )
    alone = dataclasses.replace(actor, types=frozenset({"science_centre"}))
    (match,) = rank(profile, [alone])
    (reason,) = [r for r in match.reasons if r["kind"] == "type_of_action"]
    assert reason["text"] == "A coordination and support action suits its type: science centre."
