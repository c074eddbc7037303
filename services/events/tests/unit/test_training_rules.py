"""The rules of trainings, without I/O: what a session may hold, and what a session is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.events import Timing, Training
from contracts.vocabularies import EventKind
from events.agenda.models import Event
from events.trainings.rules import checked_training, session_titles_by_timing, sessions_of
from kit.problems import InvalidInput

MORNING = {"start": "2031-03-10T09:00:00+01:00", "end": "2031-03-10T12:00:00+01:00"}
AFTERNOON = {"start": "2031-03-10T14:00:00+01:00", "end": "2031-03-10T17:00:00+01:00"}
NEXT_DAY = {"start": "2031-03-11T09:00:00+01:00", "end": "2031-03-11T12:00:00+01:00"}
TIMINGS = [Timing.model_validate(t) for t in (MORNING, AFTERNOON, NEXT_DAY)]


def _training(*sessions: tuple[str, list[dict[str, str]]]) -> Training:
    return Training.model_validate(
        {"sessions": [{"title": title, "timings": timings} for title, timings in sessions]}
    )


def test_session_timings_are_matched_by_instant_and_put_in_order() -> None:
    utc_morning = {"start": "2031-03-10T08:00:00Z", "end": "2031-03-10T11:00:00Z"}
    checked = checked_training(
        kind=EventKind.TRAINING,
        timings=TIMINGS,
        training=_training(("Jour 1", [AFTERNOON, utc_morning]), ("Jour 2", [NEXT_DAY])),
    )
    assert checked is not None
    first = checked.sessions[0].timings
    assert [t.start for t in first] == [
        datetime(2031, 3, 10, 8, tzinfo=UTC),
        datetime(2031, 3, 10, 13, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("kind", "training", "field"),
    [
        (EventKind.WORKSHOP, _training(("Atelier", [MORNING])), "training"),
        (
            EventKind.TRAINING,
            _training(("Jour 1", [MORNING, {**AFTERNOON, "end": "2031-03-10T18:00:00+01:00"}])),
            "training.sessions[0].timings[1]",
        ),
        (
            EventKind.TRAINING,
            _training(("Jour 1", [MORNING]), ("Bis", [NEXT_DAY, MORNING])),
            "training.sessions[1].timings[1]",
        ),
    ],
)
def test_refused_trainings_name_the_field(kind: EventKind, training: Training, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_training(kind=kind, timings=TIMINGS, training=training)
    assert refused.value.errors is not None
    assert [e["field"] for e in refused.value.errors] == [field]


def test_no_training_details_is_fine_for_any_kind() -> None:
    assert checked_training(kind=EventKind.FORUM, timings=TIMINGS, training=None) is None


def _event(training: dict[str, Any] | None) -> Event:
    return Event(
        title="Parler de science", timings=[MORNING, AFTERNOON, NEXT_DAY], training=training
    )


def test_without_declared_sessions_each_timing_is_a_session() -> None:
    sessions = sessions_of(_event(None))
    assert [(s.title, s.timing_positions) for s in sessions] == [
        ("Parler de science (1/3)", (0,)),
        ("Parler de science (2/3)", (1,)),
        ("Parler de science (3/3)", (2,)),
    ]
    assert session_titles_by_timing(_event({"objectives": ["x"], "sessions": []})) == {}


def test_declared_sessions_group_timings() -> None:
    event = _event(
        {
            "sessions": [
                {"title": "Jour 1", "timings": [MORNING, AFTERNOON]},
                {"title": "Jour 2", "timings": [NEXT_DAY]},
            ]
        }
    )
    assert [(s.title, s.timing_positions) for s in sessions_of(event)] == [
        ("Jour 1", (0, 1)),
        ("Jour 2", (2,)),
    ]
    assert session_titles_by_timing(event) == {0: "Jour 1", 1: "Jour 1", 2: "Jour 2"}
