"""OpenAgenda events mapped to our event input (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.vocabularies import EventKind
from events.partners.openagenda import openagenda_time, parse_openagenda_time
from events.partners.openagenda_mapping import localized, to_event_input

ORGANIZER = uuid.UUID("6f1c2a36-5d0e-4c8e-9a52-1b1f5b7b3c11")


def raw_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "uid": 56158955,
        "title": {"fr": "Atelier robotique", "en": "Robotics workshop"},
        "description": {"fr": "Construire un robot"},
        "longDescription": None,
        "keywords": {"fr": ["Robotique", "Numérique", "enfants"]},
        "timings": [{"begin": "2031-03-04T14:00:00+01:00", "end": "2031-03-04T16:00:00+01:00"}],
        "location": {
            "name": "Médiathèque José Cabanis",
            "address": "1 allée Jacques Chaban-Delmas",
            "city": "Toulouse",
            "postalCode": "31500",
            "insee": "31555",
            "latitude": 43.61,
            "longitude": 1.45,
        },
        "accessibility": {"hi": False, "vi": True, "pi": True, "mi": False, "ii": True},
        "age": {"min": 7, "max": 12},
        "attendanceMode": 1,
        "onlineAccessLink": None,
        "status": 5,
        "registration": [],
        "extIds": {"site": "robot-2031"},
        "updatedAt": "2031-01-10T09:00:01.250Z",
    }
    event.update(overrides)
    return event


def test_fields_map_to_ours() -> None:
    event = to_event_input(raw_event(), organizer_id=ORGANIZER, kind=EventKind.WORKSHOP)
    assert event.title == "Atelier robotique"
    assert event.summary == "Construire un robot"
    assert event.description is None
    assert event.kind is EventKind.WORKSHOP
    assert event.organizer_ids == [ORGANIZER]
    assert [t.value for t in event.themes] == ["engineering_technology", "digital"]
    assert event.accessibility.model_dump() == {
        "hearing": False,
        "visual": True,
        "mental": True,
        "motor": False,
        "intellectual": True,
    }
    assert event.age is not None
    assert (event.age.min, event.age.max) == (7, 12)
    assert event.status.value == "full"
    assert event.location is not None
    assert (event.location.department, event.location.region) == ("31", "76")
    assert event.ext_ids == {"openagenda": "56158955", "openagenda.site": "robot-2031"}
    assert event.registration.mode == "none"
    assert "state" not in event.model_fields_set  # moderation decides, not the mapping


def test_foreign_places_keep_their_address_without_a_commune_code() -> None:
    geneva = {
        "name": "Muséum d'histoire naturelle",
        "address": "Route de Malagnou 1, 1208 Genève",
        "city": "Genève",
        "postalCode": "1208",
        "insee": None,
        "latitude": 46.198,
        "longitude": 6.159,
    }
    event = to_event_input(raw_event(location=geneva), organizer_id=ORGANIZER, kind=EventKind.OTHER)
    assert event.location is not None
    assert event.location.city == "Genève"
    assert (event.location.postcode, event.location.commune_insee) == (None, None)
    assert event.location.department is None


def test_a_stale_commune_code_or_a_cedex_postcode_is_left_out_not_refused() -> None:
    """An agenda's place is kept when its commune code is no longer current (left out, the
    city stays) or its postcode is not the commune's (a CEDEX: the code stays)."""
    merged_away = {"city": "Ancienne commune", "postalCode": "31000", "insee": "31999"}
    event = to_event_input(
        raw_event(location=merged_away), organizer_id=ORGANIZER, kind=EventKind.OTHER
    )
    assert event.location is not None
    assert (event.location.commune_insee, event.location.city) == (None, "Ancienne commune")
    cedex = {"city": "Toulouse", "postalCode": "31068", "insee": "31555"}
    event = to_event_input(raw_event(location=cedex), organizer_id=ORGANIZER, kind=EventKind.OTHER)
    assert event.location is not None
    assert (event.location.commune_insee, event.location.postcode) == ("31555", None)


def test_texts_fall_back_to_another_language_and_are_clipped() -> None:
    title = "Z" * 400
    event = to_event_input(
        raw_event(title={"en": title}, description={"de": "Kurz"}),
        organizer_id=ORGANIZER,
        kind=EventKind.OTHER,
    )
    assert len(event.title) == 300
    assert event.title.endswith("…")
    assert event.summary == "Kurz"
    assert localized({"fr": "  ", "it": "Laboratorio"}) == "Laboratorio"


def test_an_event_without_title_or_timings_names_the_field() -> None:
    with pytest.raises(ValidationError) as no_title:
        to_event_input(raw_event(title={}), organizer_id=ORGANIZER, kind=EventKind.OTHER)
    assert no_title.value.errors()[0]["loc"] == ("title",)
    with pytest.raises(ValidationError) as no_timing:
        to_event_input(raw_event(timings=[]), organizer_id=ORGANIZER, kind=EventKind.OTHER)
    assert no_timing.value.errors()[0]["loc"] == ("timings",)


def test_statuses_attendance_and_registration_links() -> None:
    event = to_event_input(
        raw_event(
            status=3,
            attendanceMode=2,
            onlineAccessLink="https://visio.example.org/atelier",
            location=None,
            registration=[
                {"type": "phone", "value": "05 61 00 00 00"},
                {"type": "link", "value": "https://inscription.example.org"},
            ],
            extIds=[{"key": "echosciences", "value": 12}, {"key": "", "value": "x"}],
        ),
        organizer_id=ORGANIZER,
        kind=EventKind.WEBINAR,
    )
    assert (event.status.value, event.attendance_mode.value) == ("moved_online", "online")
    assert str(event.online_url) == "https://visio.example.org/atelier"
    assert event.registration.mode == "external"
    assert str(event.registration.url) == "https://inscription.example.org/"
    assert event.ext_ids == {"openagenda": "56158955", "openagenda.echosciences": "12"}


def test_an_event_moved_online_is_attended_online() -> None:
    event = to_event_input(
        raw_event(status=3, attendanceMode=1, onlineAccessLink="https://visio.example.org/a"),
        organizer_id=ORGANIZER,
        kind=EventKind.OTHER,
    )
    assert (event.status.value, event.attendance_mode.value) == ("moved_online", "online")
    unchanged = to_event_input(
        raw_event(status=3, attendanceMode=1), organizer_id=ORGANIZER, kind=EventKind.OTHER
    )
    assert unchanged.attendance_mode.value == "offline"  # refused by the service, on status


def test_openagenda_times_round_trip() -> None:
    moment = datetime(2031, 1, 10, 9, 0, 1, 250_000, tzinfo=UTC)
    assert openagenda_time(moment) == "2031-01-10T09:00:01.250Z"
    assert parse_openagenda_time("2031-01-10T09:00:01.250Z") == moment
    assert parse_openagenda_time("not a time") is None
    assert parse_openagenda_time(None) is None
