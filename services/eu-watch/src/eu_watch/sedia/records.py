"""Portal search results → call content.

Every metadata value is an array, even single ones; ``budgetOverview`` is a JSON string inside
that array covering the whole call (the topic keeps the rows whose ``action`` starts with its
identifier); dates look like ``2027-09-15T00:00:00.000+0000``; the description is HTML. Codes
(programme, type of action...) are turned into labels with the facet endpoint's table.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import nh3
import orjson

from contracts.eu_watch import CallBudget
from eu_watch.calls.policies import deadline_moment
from eu_watch.calls.schemas import CallContent
from eu_watch.sedia.errors import UnreadableRecord

SOURCE = "sedia"
FUNDER = "European Commission"
FAQ_DATASOURCE = "SEDIA_FAQ"
TOPIC_PAGE = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
    "topic-details/{identifier}"
)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,119}$")
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/li|/h[1-6]|/div|/tr)\s*>")
_BLANKS = re.compile(r"[ \t\r\f\v]+")
_MANY_LINES = re.compile(r"\n\s*\n+")

#: Facet name → its code → label table.
Labels = Mapping[str, Mapping[str, str]]


def values(metadata: Mapping[str, Any], key: str) -> list[str]:
    """The metadata values under ``key`` as strings (absent: empty)."""
    raw = metadata.get(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def first(metadata: Mapping[str, Any], key: str) -> str | None:
    found = values(metadata, key)
    return found[0] if found else None


def metadata_of(result: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A result's metadata, or None when it has none that is an object (the record is then
    unreadable: counted and skipped like any other, never a crash of the run)."""
    metadata = result.get("metadata")
    return metadata if isinstance(metadata, dict) else None


def is_faq(result: Mapping[str, Any]) -> bool:
    return FAQ_DATASOURCE in values(metadata_of(result) or {}, "DATASOURCE")


def record_key(result: Mapping[str, Any]) -> str | None:
    """What identifies a result across pages: its identifier, else its reference."""
    key = first(metadata_of(result) or {}, "identifier")
    return key or (str(result["reference"]) if result.get("reference") else None)


def safe_text(markup: str | None) -> str | None:
    """The portal's HTML as plain text: tags and scripts gone (nh3), entities decoded,
    paragraphs kept as blank lines."""
    if not markup:
        return None
    with_breaks = _BLOCK_END.sub("\n", markup)
    text = html.unescape(nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"}))
    lines = [_BLANKS.sub(" ", line).strip() for line in text.split("\n")]
    cleaned = _MANY_LINES.sub("\n\n", "\n".join(lines)).strip()
    return cleaned or None


#: The days a call can have, as for calls typed by staff (``calls.schemas.CallDate``).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def portal_date(value: str, *, key: str | None, field: str) -> date:
    """The date of a portal moment (``2027-09-15T00:00:00.000+0000``, or a bare date)."""
    day = _parsed_date(value)
    if day is None:
        raise UnreadableRecord(key, f"{field} {value[:40]!r} is not a date")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UnreadableRecord(
            key,
            f"{field} {value[:40]!r} is out of range ({FIRST_DAY.year} to {LAST_DAY.year})",
        )
    return day


def _parsed_date(value: str) -> date | None:
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - %z is in both
        except ValueError:
            continue
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


#: Amounts and counts no topic comes near (a whole programme is some 10^11 euros): beyond,
#: the record is unreadable rather than a number the database or the events cannot hold.
MOST_EUROS = 1e12
MOST_GRANTS = 100_000


def _number(value: Any, *, key: str | None, field: str, most: float = MOST_EUROS) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise UnreadableRecord(key, f"budget {field} {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UnreadableRecord(key, f"budget {field} {value!r} is not a number") from None
    if not math.isfinite(number) or not 0 <= number <= most:
        raise UnreadableRecord(key, f"budget {field} {value!r} is not an amount")
    return number


def _grants(value: Any, *, key: str | None) -> int | None:
    count = _number(value, key=key, field="expectedGrants", most=math.inf)
    if count is None:
        return None
    if not count.is_integer() or count > MOST_GRANTS:
        raise UnreadableRecord(key, f"budget expectedGrants {value!r} is not a number of grants")
    return int(count)


def budget_rows(metadata: Mapping[str, Any], identifier: str) -> list[dict[str, Any]]:
    """The rows of the double-encoded ``budgetOverview`` that are this topic's."""
    raw = first(metadata, "budgetOverview")
    if raw is None:
        return []
    try:
        overview = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UnreadableRecord(identifier, "budgetOverview is not JSON") from None
    action_map = overview.get("budgetTopicActionMap") if isinstance(overview, dict) else None
    if not isinstance(action_map, dict):
        return []
    return [
        row
        for rows in action_map.values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict) and str(row.get("action", "")).startswith(identifier)
    ]


def topic_budget(rows: list[dict[str, Any]], identifier: str) -> CallBudget:
    """Sum of the yearly amounts, the smallest and largest contributions, the grants."""
    if not rows:
        return CallBudget()
    total = 0.0
    has_total = False
    minimums: list[float] = []
    maximums: list[float] = []
    grants = 0
    has_grants = False
    for row in rows:
        years = row.get("budgetYearMap") or {}
        if not isinstance(years, dict):
            raise UnreadableRecord(identifier, "budgetYearMap is not a map of years")
        for amount in years.values():
            value = _number(amount, key=identifier, field="budgetYearMap")
            if value is not None:
                total += value
                has_total = True
        low = _number(row.get("minContribution"), key=identifier, field="minContribution")
        high = _number(row.get("maxContribution"), key=identifier, field="maxContribution")
        count = _grants(row.get("expectedGrants"), key=identifier)
        minimums += [low] if low is not None else []
        maximums += [high] if high is not None else []
        if count is not None:
            grants += count
            has_grants = True
    return CallBudget(
        total_eur=total if has_total else None,
        min_contribution_eur=min(minimums) if minimums else None,
        max_contribution_eur=max(maximums) if maximums else None,
        expected_grants=grants if has_grants else None,
    )


def _labelled(labels: Labels, facet: str, codes: list[str]) -> list[str]:
    table = labels.get(facet, {})
    return list(dict.fromkeys(table.get(code, code) for code in codes))


def read_topic(result: Mapping[str, Any], labels: Labels) -> CallContent:
    """A call out of one search result; :class:`UnreadableRecord` when it cannot be read."""
    metadata = metadata_of(result)
    if metadata is None:
        raise UnreadableRecord(record_key(result), "no metadata")
    identifier = first(metadata, "identifier")
    if not identifier:
        raise UnreadableRecord(record_key(result), "no identifier")
    if not _IDENTIFIER.match(identifier):
        raise UnreadableRecord(identifier[:60], "identifier is not a topic identifier")
    title = first(metadata, "title") or (str(result.get("summary") or "").strip() or None)
    if not title:
        raise UnreadableRecord(identifier, "no title")
    rows = budget_rows(metadata, identifier)
    deadline_texts = values(metadata, "deadlineDate") or [
        str(d) for row in rows for d in row.get("deadlineDates") or ()
    ]
    deadlines = tuple(
        deadline_moment(portal_date(d, key=identifier, field="deadlineDate"))
        for d in deadline_texts
    )
    opening_text = first(metadata, "startDate") or next(
        (str(r["plannedOpeningDate"]) for r in rows if r.get("plannedOpeningDate")), None
    )
    opening = portal_date(opening_text, key=identifier, field="startDate") if opening_text else None
    deadline_model = first(metadata, "deadlineModel") or next(
        (str(r["deadlineModel"]) for r in rows if r.get("deadlineModel")), None
    )
    programme = _labelled(labels, "frameworkProgramme", values(metadata, "frameworkProgramme"))
    parts = _labelled(labels, "programmeDivision", values(metadata, "programmeDivision"))
    parts += values(metadata, "destination") + values(metadata, "focusArea")
    types = _labelled(labels, "typesOfAction", values(metadata, "typesOfAction"))
    priorities = _labelled(
        labels, "crossCuttingPriorities", values(metadata, "crossCuttingPriorities")
    )
    is_topic = first(metadata, "type") in (None, "1")
    return CallContent(
        identifier=identifier,
        title=title[:500],
        funder=FUNDER,
        source=SOURCE,
        call_identifier=first(metadata, "callIdentifier"),
        call_title=(first(metadata, "callTitle") or "")[:500] or None,
        programme=programme[0][:120] if programme else None,
        programme_parts=tuple(p[:300] for p in dict.fromkeys(parts)),
        type_of_action=types[0][:120] if types else None,
        opening_date=opening,
        deadlines=deadlines,
        deadline_model=deadline_model,
        budget=topic_budget(rows, identifier),
        keywords=tuple(k[:100] for k in dict.fromkeys(values(metadata, "keywords"))),
        cross_cutting_priorities=tuple(p[:200] for p in priorities),
        description=safe_text(first(metadata, "descriptionByte")),
        url=TOPIC_PAGE.format(identifier=identifier)
        if is_topic
        else (first(metadata, "url") or result.get("url") or None),
    )
