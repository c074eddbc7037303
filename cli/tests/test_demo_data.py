"""The demo data speaks the domain's vocabularies and its territory codes agree."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from contracts.territory import Territory, department_of_commune
from contracts.vocabularies import ActorType, Audience, Club, EventKind, Theme
from maillage_cli.demo_data import ACTORS, DEMO_FOLLOW, EVENTS, demo_watches
from maillage_cli.seed import DEMO_CALLS_FILE


def test_actors_use_the_vocabularies_and_coherent_territory() -> None:
    assert len({a.name for a in ACTORS}) == len(ACTORS)
    assert {a.payload["circle"] for a in ACTORS} == {1, 2, 3}
    for actor in ACTORS:
        payload = actor.payload
        assert {ActorType(t) for t in payload["types"]}
        for theme in payload["themes"]:
            Theme(theme)
        for audience in payload["audiences"]:
            Audience(audience)
        for club in payload["clubs"]:
            Club(club)
        address = payload["address"]
        territory = Territory(
            commune_insee=address["commune_insee"],
            department=address["department"],
            region=address["region"],
        )
        assert territory.region == address["region"], actor.name
        assert address["postcode"][:2] == address["department"], actor.name


def test_events_name_known_organizers_and_carry_paris_offsets() -> None:
    keys = {a.key for a in ACTORS}
    titles = [e.title for e in EVENTS]
    assert len(set(titles)) == len(titles)
    # An event of each kind of the vocabulary.
    assert {EventKind(e.payload["kind"]) for e in EVENTS} == set(EventKind)
    for event in EVENTS:
        assert set(event.organizers) <= keys
        location = event.payload.get("location")
        if event.payload["attendance_mode"] == "online":
            assert location is None
            assert event.payload["online_url"]
            continue
        assert department_of_commune(location["commune_insee"]) == location["department"]
        for timing in event.payload["timings"]:
            start = datetime.fromisoformat(timing["start"])
            end = datetime.fromisoformat(timing["end"])
            assert start < end
            assert start.utcoffset() is not None
            assert start.utcoffset().total_seconds() in {3600, 7200}  # type: ignore[union-attr]


def test_the_demo_shows_sessions_registrations_and_a_full_waitlist() -> None:
    trainings = [e for e in EVENTS if e.payload["kind"] == "training"]
    assert any(len(e.payload.get("training", {}).get("sessions", [])) >= 2 for e in trainings)
    internal = [e for e in EVENTS if e.payload.get("registration", {}).get("mode") == "internal"]
    assert all(e.registrants for e in internal)
    full = [
        e
        for e in internal
        if e.payload["registration"]["waitlist"]
        and len(e.registrants) > e.payload["registration"]["capacity"]
    ]
    assert full, "one event gets more registrants than seats, so people wait"
    placed_at_their_address = [e for e in EVENTS if "lat" in (e.payload.get("location") or {})]
    assert len(placed_at_their_address) >= 3


def test_demo_watches_and_follow_name_known_themes_actors_and_calls() -> None:
    keys = {a.key: f"id-{a.key}" for a in ACTORS}
    watches = demo_watches(keys)
    assert [w.get("actor_id") for w in watches] == [None, "id-a-ciel-ouvert"]
    for watch in watches:
        for theme in watch["themes"]:
            Theme(theme)
    actor_key, identifier, _ = DEMO_FOLLOW
    assert actor_key in keys
    answer = json.loads(
        (Path(__file__).parents[1] / "src/maillage_cli" / DEMO_CALLS_FILE).read_text("utf-8")
    )
    assert identifier in {r["metadata"].get("identifier", [None])[0] for r in answer["results"]}
