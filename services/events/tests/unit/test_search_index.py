"""What the search index derives from an event, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from events.search.index import (
    ALL_MONTHS,
    MAX_MONTH_TOKENS,
    filter_tokens,
    search_values,
    tag_values,
    window_tokens,
)

EVENT_ID = uuid.uuid4()


def event(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "L'Été des Étoiles",
        "summary": None,
        "description": "Observation du ciel",
        "location": {"name": "Observatoire", "city": "Fleurance", "lat": 43.85, "lon": 0.66},
        "themes": ["astronomy_space"],
        "audiences": ["families", "families"],
        "age": {"min": 7, "max": None},
        "accessibility": {"motor": True, "hearing": False, "visual": True},
        "kind": "visit",
        "status": "scheduled",
        "department": "32",
        "region": "76",
        "attendance_mode": "offline",
        "state": "published",
        "deleted_at": None,
        "timings": [{"start": "2031-07-31T22:30:00+02:00", "end": "2031-08-01T01:00:00+02:00"}],
    }
    values.update(overrides)
    return values


def test_search_row_folds_and_stems_and_keeps_the_numbers() -> None:
    row = search_values(EVENT_ID, event())
    assert row["title_terms"] == "l ete de etoil"
    assert row["other_terms"] == "observ du ciel observatoir fleuranc"
    assert (row["lat"], row["lon"], row["age_min"], row["age_max"]) == (43.85, 0.66, 7, None)
    assert row["accessibility"] == 0b01010  # visual (bit 1) and motor (bit 3)


def test_tags_hold_each_value_once_with_the_state() -> None:
    tags = {(t["facet"], t["value"], t["state"]) for t in tag_values(EVENT_ID, event())}
    assert ("audience", "families", "published") in tags
    assert ("accessibility", "motor", "published") in tags
    assert ("accessibility", "hearing", "published") not in tags
    assert ("department", "32", "published") in tags
    assert len(tag_values(EVENT_ID, event())) == len(tags)  # no duplicate row
    deleted = tag_values(EVENT_ID, event(deleted_at=datetime.now(UTC)))
    assert {t["state"] for t in deleted} == {"deleted"}


def test_month_tokens_cover_every_month_a_timing_touches_in_utc() -> None:
    tokens = filter_tokens(event()).split()
    # 31 July 22:30 to 1 August 01:00 in Paris is all on 31 July in UTC: months are UTC's,
    # on both sides (a window from 1 August 00:00 in Paris starts on 31 July in UTC too).
    assert [t for t in tokens if t.startswith("xm")] == ["xm203107"]
    from_august = window_tokens(
        datetime.fromisoformat("2031-08-01T00:00:00+02:00"),
        datetime.fromisoformat("2031-08-02T00:00:00+02:00"),
    )
    assert from_august is not None
    assert "xm203107" in from_august
    assert {"xd32", "xr76", "xkvisit", "xsscheduled", "xtastronomyspace"} <= set(tokens)
    exhibition = event(
        timings=[{"start": "2030-01-01T10:00:00+01:00", "end": "2041-01-01T10:00:00+01:00"}]
    )
    months = filter_tokens(exhibition).split()
    assert [m for m in months if m.startswith("xm")] == [ALL_MONTHS]
    assert MAX_MONTH_TOKENS < 12 * 11


def test_a_window_asks_for_its_months_and_the_very_long_events() -> None:
    window = window_tokens(
        datetime(2031, 7, 31, 21, tzinfo=UTC), datetime(2031, 9, 1, 0, tzinfo=UTC)
    )
    assert window == ["xm203107", "xm203108", "xm203109", ALL_MONTHS]
    assert window_tokens(datetime(2030, 1, 1, tzinfo=UTC), datetime(2033, 1, 1, tzinfo=UTC)) is None
