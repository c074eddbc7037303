"""Events as iCalendar (RFC 5545), written piece by piece so a feed can be streamed.

Each timing of an event is one VEVENT whose UID stays the same across changes (``<event
id>-<timing index>@maillage``), with SEQUENCE set to the event's version so calendar clients
apply updates, and times given in Europe/Paris with the matching VTIMEZONE.

The calendar's head (with its VTIMEZONE) is built once with the ``icalendar`` library. The
VEVENTs, thousands in a feed, are written here directly: the library builds an object per
property and parameter and took about 1 ms a VEVENT, most of a feed's time; these few
properties need only the TEXT escaping of RFC 5545 §3.3.11 and §3.1 folding at 75 octets
(``kit.ical``, shared with EU watch's feeds). The unit tests parse
the output back with ``icalendar``, which must read the values that were put in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

from contracts.text import single_line
from contracts.vocabularies import EventStatus
from events.agenda.models import Event
from events.trainings.rules import session_titles_by_timing
from kit import ical

TZID = "Europe/Paris"
PARIS = ZoneInfo(TZID)
PRODID = "-//Maillage//Calendrier du réseau CSTI//FR"
CALENDAR_END = b"END:VCALENDAR\r\n"
#: Bump when the output changes for the same data, so clients' cached copies are replaced.
FORMAT_VERSION = 1
WINTER_OFFSET = timedelta(hours=1)
SUMMER_OFFSET = timedelta(hours=2)

_STATUS = {
    EventStatus.CANCELLED.value: "CANCELLED",
    EventStatus.POSTPONED.value: "TENTATIVE",
}


def paris_timezone() -> Timezone:
    """Europe/Paris as a VTIMEZONE with the EU summer-time rules (in force since 1996).

    Written with yearly rules, as the major calendar producers do, so one short block is right
    for every date an event can have; a test checks it against the tz database.
    """
    timezone = Timezone()
    timezone.add("tzid", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    # A VTIMEZONE's DTSTART is local wall time by definition, hence naive.
    summer.add("dtstart", datetime(1996, 3, 31, 2, 0))  # noqa: DTZ001
    summer.add("tzoffsetfrom", WINTER_OFFSET)
    summer.add("tzoffsetto", SUMMER_OFFSET)
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("dtstart", datetime(1996, 10, 27, 3, 0))  # noqa: DTZ001
    winter.add("tzoffsetfrom", SUMMER_OFFSET)
    winter.add("tzoffsetto", WINTER_OFFSET)
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    timezone.add_component(summer)
    timezone.add_component(winter)
    return timezone


def calendar_head(name: str) -> bytes:
    """Everything of a VCALENDAR before its events (properties and the VTIMEZONE).

    The calendar's name (an event's title, a feed's) is written and escaped here like every
    VEVENT value: the library wrote a bare CR as it came and failed on a line feed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    text: bytes = calendar.to_ical()
    assert text.endswith(CALENDAR_END)
    timezone: bytes = paris_timezone().to_ical()
    return (
        text[: -len(CALENDAR_END)]
        + ical.folded(f"X-WR-CALNAME:{ical.text(single_line(name))}")
        + ical.folded(f"X-WR-TIMEZONE:{TZID}")
        + timezone
    )


def vevents(event: Event, organizer_names: Sequence[str]) -> bytes:
    """The VEVENTs of ``event``, one per timing (titled after its session for a training)."""
    sessions = session_titles_by_timing(event)
    return b"".join(
        _vevent(event, index, timing, organizer_names, sessions.get(index))
        for index, timing in enumerate(event.timings)
    )


def calendar(name: str, events: Sequence[tuple[Event, Sequence[str]]]) -> bytes:
    """A whole VCALENDAR for a few events."""
    return calendar_head(name) + b"".join(vevents(e, names) for e, names in events) + CALENDAR_END


def _vevent(
    event: Event,
    index: int,
    timing: dict[str, str],
    organizer_names: Sequence[str],
    session_title: str | None,
) -> bytes:
    title = event.title
    if session_title is not None:
        title = f"{title} : {session_title}"
    elif len(event.timings) > 1:
        title = f"{title} ({index + 1}/{len(event.timings)})"
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{ical.text(title)}",
        f"DTSTART;TZID={TZID}:{_paris_time(timing['start'])}",
        f"DTEND;TZID={TZID}:{_paris_time(timing['end'])}",
        f"DTSTAMP:{ical.utc_time(event.updated_at)}",
        f"UID:{event.id}-{index}@maillage",
        f"SEQUENCE:{event.version}",
        f"CATEGORIES:{','.join(ical.text(c) for c in (event.kind, *event.themes))}",
        "CLASS:PUBLIC",
        f"CREATED:{ical.utc_time(event.created_at)}",
    ]
    description = _description(event, organizer_names)
    if description:
        lines.append(f"DESCRIPTION:{ical.text(description)}")
    place = event.location or {}
    if place.get("lat") is not None and place.get("lon") is not None:
        lines.append(f"GEO:{float(place['lat'])};{float(place['lon'])}")
    lines.append(f"LAST-MODIFIED:{ical.utc_time(event.updated_at)}")
    location = place_of(event)
    if location:
        lines.append(f"LOCATION:{ical.text(location)}")
    lines.append(f"STATUS:{_STATUS.get(event.status, 'CONFIRMED')}")
    if event.online_url:
        lines.append(f"URL:{_no_breaks(event.online_url)}")
    lines.append("END:VEVENT")
    return b"".join(ical.folded(line) for line in lines)


def _no_breaks(value: str) -> str:
    """A URI value: no escaping, but a line break would end the property."""
    return single_line(value).replace(" ", "%20")


def _paris_time(moment: str) -> str:
    return _paris(moment).strftime("%Y%m%dT%H%M%S")


def _paris(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(PARIS)


def _description(event: Event, organizer_names: Sequence[str]) -> str:
    parts = [part for part in (event.summary, event.description) if part]
    if organizer_names:
        parts.append("Organisé par : " + ", ".join(organizer_names))
    parts.extend(_training_parts(event.training or {}))
    if event.online_url:
        parts.append(f"En ligne : {event.online_url}")
    registration = event.registration or {}
    if registration.get("mode") == "external" and registration.get("url"):
        parts.append(f"Inscription : {registration['url']}")
    return "\n\n".join(parts)


def _training_parts(training: dict[str, Any]) -> list[str]:
    parts = []
    if training.get("objectives"):
        parts.append("Objectifs :\n" + "\n".join(f"- {o}" for o in training["objectives"]))
    if training.get("trainers"):
        parts.append("Formateurs : " + ", ".join(t["name"] for t in training["trainers"]))
    if training.get("prerequisites"):
        parts.append("Prérequis :\n" + "\n".join(f"- {p}" for p in training["prerequisites"]))
    return parts


def place_of(event: Event) -> str:
    """The place of an event on one line (name, street, postcode and city)."""
    place = event.location or {}
    city = " ".join(p for p in (place.get("postcode"), place.get("city")) if p)
    return ", ".join(p for p in (place.get("name"), place.get("street"), city) if p)
