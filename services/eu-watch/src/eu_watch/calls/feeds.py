"""Calls as feeds: every deadline as an iCalendar event (RFC 5545), the calls as RSS 2.0.

A team subscribes its calendar to "open calls on my themes": each cut-off of each call the
filters select is one VEVENT whose UID stays the same across changes (``<call id>-<n>@maillage``,
n the cut-off's rank), SEQUENCE the call's version so clients apply updates, at the deadline's
time in Europe/Brussels (the portal's cut-offs are Brussels time) with its VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as escape_markup

from contracts.text import without_controls
from eu_watch.calls.models import Call
from eu_watch.calls.policies import BRUSSELS
from kit import ical

RSS_MEDIA_TYPE = "application/rss+xml; charset=utf-8"
TZID = "Europe/Brussels"
PRODID = "-//Maillage//Veille appels européens//FR"
#: Europe/Brussels with the EU summer-time rules in force since 1996 (yearly rules, as the
#: major calendar producers write them; one short block is right for every date).
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZNAME:CEST",
    "DTSTART:19960331T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def _summary(call: Call, rank: int) -> str:
    count = len(call.deadlines)
    stage = ""
    if count > 1:
        kind = "étape" if call.deadline_model == "two-stage" else "date"
        stage = f" ({kind} {rank + 1}/{count})"
    return f"Date limite{stage} : {call.title}"


def _description(call: Call) -> str:
    lines = [f"{call.identifier} — {call.funder}"]
    if call.programme:
        lines.append(call.programme)
    if call.type_of_action:
        lines.append(call.type_of_action)
    if call.budget_total_eur:
        lines.append(f"Budget : {call.budget_total_eur:,.0f} €".replace(",", " "))
    if call.url:
        lines.append(call.url)
    return "\n".join(lines)


def vevents(call: Call) -> bytes:
    """One VEVENT per cut-off of ``call``: it starts (and ends) at the deadline."""
    out = []
    for rank, deadline in enumerate(call.deadlines):
        local = datetime.fromisoformat(deadline).astimezone(BRUSSELS)
        lines = [
            "BEGIN:VEVENT",
            f"UID:{call.id}-{rank}@maillage",
            f"DTSTAMP:{ical.utc_time(call.updated_at)}",
            f"SEQUENCE:{call.version}",
            f"DTSTART;TZID={TZID}:{local.strftime('%Y%m%dT%H%M%S')}",
            f"SUMMARY:{ical.text(_summary(call, rank))}",
            f"DESCRIPTION:{ical.text(_description(call))}",
            f"CATEGORIES:{','.join(ical.text(t['theme']) for t in call.themes) or 'eu_call'}",
            "CLASS:PUBLIC",
            "TRANSP:TRANSPARENT",
            f"LAST-MODIFIED:{ical.utc_time(call.updated_at)}",
        ]
        if call.url:
            lines.append(f"URL:{call.url.replace(chr(13), '').replace(chr(10), '')}")
        lines.append("END:VEVENT")
        out.append(b"".join(ical.folded(line) for line in lines))
    return b"".join(out)


def calendar(name: str, calls: Sequence[Call]) -> bytes:
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical.text(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    return (
        b"".join(ical.folded(line) for line in head)
        + b"".join(vevents(call) for call in calls)
        + b"END:VCALENDAR\r\n"
    )


def escape(text: str) -> str:
    """``text`` as XML text or a double-quoted attribute: the controls XML 1.0 cannot hold
    dropped (one in a portal title made the whole feed unreadable), ``"`` escaped too (the
    request's own query string is written into ``atom:link href``)."""
    return escape_markup(without_controls(text), {'"': "&quot;"})


def rss(
    *, title: str, self_url: str, list_url: str, call_url: str, calls: Sequence[Call], now: datetime
) -> bytes:
    """RSS 2.0 of ``calls`` (newest change first); each item links to the call's page."""
    items = []
    for call in calls:
        deadlines = ", ".join(
            datetime.fromisoformat(d).astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
            for d in call.deadlines
        )
        text = f"{call.funder}" + (f" — {call.programme}" if call.programme else "")
        if deadlines:
            text += f". Date(s) limite(s) : {deadlines} (heure de Bruxelles)"
        if call.description:
            text += f"\n\n{call.description[:1000]}"
        link = call.url or call_url.format(id=call.id)
        items.append(
            "<item>"
            f"<title>{escape(call.title)}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{call.id}</guid>'
            f"<pubDate>{format_datetime(call.updated_at.astimezone(UTC), usegmt=True)}</pubDate>"
            f"<description>{escape(text)}</description>"
            + "".join(f"<category>{escape(t['theme'])}</category>" for t in call.themes)
            + "</item>"
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(title)}</title>"
        f"<link>{escape(list_url)}</link>"
        f'<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml"/>'
        "<description>Appels à projets européens et régionaux suivis par le réseau</description>"
        "<language>fr</language>"
        f"<lastBuildDate>{format_datetime(now.astimezone(UTC), usegmt=True)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>"
    )
    return document.encode()
