"""The iCalendar pieces, without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from events.agenda import ical
from events.agenda.models import Event


def test_paris_vtimezone_agrees_with_the_tz_database_from_1997_to_2037() -> None:
    rules = ical.paris_timezone().to_tz(lookup_tzid=False)  # our VTIMEZONE, not tzdata
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(1997, 1, 1, tzinfo=UTC)
    checked = 0
    while moment < datetime(2038, 1, 1, tzinfo=UTC):
        assert moment.astimezone(rules).utcoffset() == moment.astimezone(paris).utcoffset(), moment
        moment += timedelta(minutes=517)  # walks across every hour of the day over the years
        checked += 1
    assert checked > 40_000


def _event(**overrides: object) -> Event:
    now = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    values: dict[str, object] = {
        "id": uuid.UUID("0b7f5d1e-57d4-4c1e-9a8e-3f3b7b6f1c2a"),
        "title": "Forum « Sciences, société; médiation » à Montpellier",
        "summary": "Rencontre régionale des acteurs de la CSTI",
        "description": "Ligne 1\nLigne 2, avec virgule; et point-virgule \\ antislash",
        "kind": "forum",
        "themes": ["science_society"],
        "location": {"name": "Genopolys", "postcode": "34090", "city": "Montpellier"},
        "online_url": None,
        "timings": [
            {"start": "2027-03-26T09:00:00+01:00", "end": "2027-03-26T12:00:00+01:00"},
            {"start": "2027-03-29T09:00:00+02:00", "end": "2027-03-29T12:00:00+02:00"},
        ],
        "status": "scheduled",
        "registration": {},
        "version": 4,
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    return Event(**values)


def test_each_timing_is_a_vevent_with_a_stable_uid_in_paris_time() -> None:
    event = _event()
    raw = ical.calendar("Agenda", [(event, ["Genopolys", "Kimiyo"])])
    parsed = Calendar.from_ical(raw)
    vevents = parsed.events
    assert [str(v["uid"]) for v in vevents] == [f"{event.id}-0@maillage", f"{event.id}-1@maillage"]
    assert [int(v["sequence"]) for v in vevents] == [4, 4]
    starts = [v.decoded("dtstart") for v in vevents]
    assert starts == [
        datetime(2027, 3, 26, 9, 0, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2027, 3, 29, 9, 0, tzinfo=ZoneInfo("Europe/Paris")),
    ]
    assert all(v["dtstart"].params["TZID"] == "Europe/Paris" for v in vevents)
    assert str(vevents[0]["summary"]) == f"{event.title} (1/2)"
    assert "Organisé par : Genopolys, Kimiyo" in str(vevents[0]["description"])
    assert "Ligne 1\nLigne 2, avec virgule; et point-virgule \\ antislash" in str(
        vevents[0]["description"]
    )
    assert str(vevents[0]["location"]) == "Genopolys, 34090 Montpellier"
    assert str(vevents[0]["status"]) == "CONFIRMED"
    assert [tz["tzid"] for tz in parsed.timezones] == ["Europe/Paris"]


def test_text_is_escaped_and_lines_folded_at_75_octets() -> None:
    raw = ical.calendar("Agenda", [(_event(title="Été " * 60), [])])
    lines = raw.split(b"\r\n")
    assert lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in lines:
        line.decode()  # folding never cuts a UTF-8 character in two
    assert b"Sciences\\, soci" not in raw  # the title was overridden
    unfolded = raw.replace(b"\r\n ", b"")
    assert b"Ligne 1\\nLigne 2\\, avec virgule\\; et point-virgule \\\\ antislash" in unfolded


def test_cancelled_and_postponed_events_say_so() -> None:
    cancelled = Calendar.from_ical(ical.calendar("A", [(_event(status="cancelled"), [])]))
    postponed = Calendar.from_ical(ical.calendar("A", [(_event(status="postponed"), [])]))
    assert {str(v["status"]) for v in cancelled.events} == {"CANCELLED"}
    assert {str(v["status"]) for v in postponed.events} == {"TENTATIVE"}


def test_every_value_reads_back_as_written() -> None:
    event = _event(
        title="Nuit des étoiles\\ ; , « 🌟 »\r\nsuite",
        description="Ateliers;\r\nobservation, « télescopes »\\n littéral",
        kind="training",
        themes=["astronomy", "science_society"],
        location={
            "name": "Observatoire, coupole; nord",
            "street": "1 rue du Ciel",
            "postcode": "31500",
            "city": "Toulouse",
            "lat": 43.6119,
            "lon": 1.4608,
        },
        online_url="https://visio.example.org/salle?x=1&y=2,3;4",
        timings=[{"start": "2027-08-12T21:30:00+02:00", "end": "2027-08-13T01:00:00+02:00"}],
        updated_at=datetime(2026, 11, 21, 9, 15, 42, 987654, tzinfo=UTC),
    )
    names = ["Astro-club, Toulouse", "Cité de l'espace"]

    [vevent] = Calendar.from_ical(ical.calendar("Agenda", [(event, names)])).events

    assert str(vevent["summary"]) == event.title.replace("\r\n", "\n")
    assert str(vevent["description"]) == ical._description(event, names).replace("\r\n", "\n")
    assert str(vevent["location"]) == "Observatoire, coupole; nord, 1 rue du Ciel, 31500 Toulouse"
    assert vevent.decoded("geo") == (43.6119, 1.4608)
    assert str(vevent["url"]) == event.online_url
    assert vevent["categories"].cats == ["training", "astronomy", "science_society"]
    assert vevent.decoded("dtstamp") == datetime(2026, 11, 21, 9, 15, 42, tzinfo=UTC)
    assert vevent.decoded("last-modified") == vevent.decoded("dtstamp")
    assert vevent.decoded("created") == event.created_at
    assert vevent.decoded("dtend") == datetime(2027, 8, 13, 1, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(vevent["class"]) == "PUBLIC"


def test_folding_never_cuts_a_character_wherever_the_line_breaks() -> None:
    for offset in range(80):
        title = "a" * offset + "é€😀" * 30
        raw = ical.calendar("Agenda", [(_event(title=title, timings=_event().timings[:1]), [])])
        lines = raw.split(b"\r\n")
        assert all(len(line) <= 75 for line in lines), offset
        for line in lines:
            line.decode()
        [vevent] = Calendar.from_ical(raw).events
        assert str(vevent["summary"]) == title


def test_no_control_character_or_line_break_escapes_its_value() -> None:
    """Text stored before input refused them, or from an import, is escaped all the same:
    a calendar name with a line feed made the library fail (500), a bare CR was written raw
    into the head, and VT, FF, ESC, NEL and U+2028 passed into SUMMARY."""
    title = "A\nB\rC\x0bD\x0cE\x1bF\x85G\u2028H\u2029I"
    raw = ical.calendar(title, [(_event(title=title, description=title), [])])
    for character in "\r\x0b\x0c\x1b\x85\u2028\u2029":
        assert character not in raw.replace(b"\r\n", b"").decode()
    lines = [line for line in raw.decode().split("\r\n") if line]
    assert all(line.startswith(" ") or ":" in line for line in lines)
    parsed = Calendar.from_ical(raw)
    assert str(parsed["x-wr-calname"]) == "A B C D EF G H I"
    summaries = [str(v["summary"]) for v in parsed.events]
    assert summaries[0] == "A\nB\nC\nD\nEF\nG\nH\nI (1/2)"
