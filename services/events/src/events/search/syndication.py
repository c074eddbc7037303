"""The calendar as RSS 2.0 and Atom (RFC 4287) feeds, for feed readers and web pages.

Documents are built with ElementTree, which escapes text and attributes; characters XML 1.0
cannot carry at all (control characters a pasted text may hold) are dropped first. Times are
in Europe/Paris where people read them (descriptions) and in the formats each standard
requires where software reads them (RFC 822 for RSS, RFC 3339 for Atom).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from contracts.vocabularies import EventStatus
from events.agenda.models import Event

ATOM_NS = "http://www.w3.org/2005/Atom"
RSS_MEDIA_TYPE = "application/rss+xml; charset=utf-8"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
PARIS = ZoneInfo("Europe/Paris")
#: Characters XML 1.0 forbids (C0 controls but tab and new lines, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_STATUS_LABELS = {
    EventStatus.CANCELLED.value: "Annulé",
    EventStatus.POSTPONED.value: "Reporté",
    EventStatus.RESCHEDULED.value: "Reprogrammé",
    EventStatus.MOVED_ONLINE.value: "En ligne",
    EventStatus.FULL.value: "Complet",
}
MAX_TIMINGS_SHOWN = 5

ET.register_namespace("atom", ATOM_NS)


Renderer = Callable[["FeedInfo", Sequence[Event], dict[uuid.UUID, list[str]], datetime], bytes]


@dataclass(frozen=True)
class FeedInfo:
    title: str
    #: Where the feed itself is (rel="self").
    self_url: str
    #: The JSON list with the same filters (rel="alternate").
    list_url: str
    #: The URL of an event, with ``{id}`` in it.
    event_url: str


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _day(local: datetime) -> str:
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def _when(moment: datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{_day(local)} à {local:%H:%M}"


def _dates(event: Event) -> str:
    timings = event.timings[:MAX_TIMINGS_SHOWN]
    parts = []
    for timing in timings:
        start = datetime.fromisoformat(timing["start"]).astimezone(PARIS)
        end = datetime.fromisoformat(timing["end"]).astimezone(PARIS)
        parts.append(
            f"{_day(start)}, de {start:%H:%M} à {end:%H:%M}"
            if start.date() == end.date()
            else f"du {_when(start)} au {_when(end)}"
        )
    more = len(event.timings) - len(timings)
    return "; ".join(parts) + (f" (+{more} autres séances)" if more > 0 else "")


def _place(event: Event) -> str | None:
    location = event.location or {}
    parts = [location.get("name"), location.get("city")]
    text = ", ".join(p for p in parts if p)
    if event.online_url:
        text = f"{text} et en ligne" if text else "En ligne"
    return text or None


def _title(event: Event) -> str:
    label = _STATUS_LABELS.get(event.status)
    return f"[{label}] {event.title}" if label else event.title


def description(event: Event, organizer_names: Sequence[str]) -> str:
    """Plain text for people: when, where, who, then the summary."""
    lines = [f"Quand : {_dates(event)}"]
    place = _place(event)
    if place:
        lines.append(f"Où : {place}")
    if organizer_names:
        lines.append(f"Organisé par : {', '.join(organizer_names)}")
    summary = event.summary or (event.description or "")[:500]
    if summary:
        lines += ["", summary]
    return "\n".join(lines)


def _urn(event_id: uuid.UUID) -> str:
    return f"urn:uuid:{event_id}"


def rss(
    info: FeedInfo, events: Sequence[Event], names: dict[uuid.UUID, list[str]], now: datetime
) -> bytes:
    """An RSS 2.0 document of ``events`` (newest first, as given)."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", info.title)
    _sub(channel, "link", info.list_url)
    _sub(
        channel, "description", f"{info.title} : les événements publiés, les plus récents d'abord."
    )
    _sub(channel, "language", "fr")
    _sub(channel, "lastBuildDate", format_datetime(now))
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        href=info.self_url,
        rel="self",
        type="application/rss+xml",
    )
    for event in events:
        item = _sub(channel, "item")
        _sub(item, "title", _title(event))
        _sub(item, "link", info.event_url.format(id=event.id))
        _sub(item, "guid", _urn(event.id), isPermaLink="false")
        _sub(item, "pubDate", format_datetime(event.updated_at))
        _sub(item, "description", description(event, names.get(event.id, [])))
        for theme in event.themes:
            _sub(item, "category", theme)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def atom(
    info: FeedInfo, events: Sequence[Event], names: dict[uuid.UUID, list[str]], now: datetime
) -> bytes:
    """An Atom document of ``events`` (newest first, as given)."""
    # Unprefixed names in the Atom namespace, declared once on the root element.
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "fr"})
    _sub(root, "id", info.self_url)
    _sub(root, "title", info.title)
    updated = max((e.updated_at for e in events), default=now)
    _sub(root, "updated", updated.isoformat())
    _sub(root, "link", rel="self", href=info.self_url, type="application/atom+xml")
    _sub(root, "link", rel="alternate", href=info.list_url, type="application/json")
    author = _sub(root, "author")
    _sub(author, "name", "Maillage")
    for event in events:
        entry = _sub(root, "entry")
        _sub(entry, "id", _urn(event.id))
        _sub(entry, "title", _title(event))
        _sub(entry, "updated", event.updated_at.isoformat())
        _sub(entry, "published", event.created_at.isoformat())
        _sub(entry, "link", rel="alternate", href=info.event_url.format(id=event.id))
        for name in names.get(event.id, []):
            _sub(_sub(entry, "author"), "name", name)
        for theme in event.themes:
            _sub(entry, "category", term=theme)
        _sub(entry, "summary", description(event, names.get(event.id, [])), type="text")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
