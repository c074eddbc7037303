"""An OpenAgenda v2 event (``detailed=1``) as the input of one of our events.

OpenAgenda's fields map to ours as follows: ``title``/``description``/``longDescription``
(multilingual, French preferred) → ``title``/``summary``/``description``; ``timings``
``{begin, end}`` → ``{start, end}``; ``location`` (``insee``, ``postalCode``, ``latitude``...)
→ our location, whose département and région follow from the INSEE code; ``accessibility``
``hi/vi/pi/mi/ii`` → hearing, visual, mental (psychique), motor, intellectual; ``age``;
``status`` 1-6 and ``attendanceMode`` 1-3 → our vocabularies; French ``keywords`` naming a
theme → ``themes``; a ``registration`` link → external registration; ``uid`` and ``extIds``
→ ``ext_ids``. OpenAgenda knows nothing of our actors or event kinds: the agenda's import
settings give them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from contracts.communes import commune
from contracts.vocabularies import EventKind, Theme
from events.agenda.schemas import EventCreate
from kit.normalize import fold

SOURCE = "openagenda"

STATUSES = {
    1: "scheduled",
    2: "rescheduled",
    3: "moved_online",
    4: "postponed",
    5: "full",
    6: "cancelled",
}
ATTENDANCE_MODES = {1: "offline", 2: "online", 3: "mixed"}
ACCESSIBILITY = {
    "hi": "hearing",
    "vi": "visual",
    "pi": "mental",  # handicap psychique
    "mi": "motor",  # handicap moteur
    "ii": "intellectual",
}
#: French keywords (folded) that name one of our themes.
THEME_KEYWORDS: dict[str, Theme] = {
    "astronomie": Theme.ASTRONOMY_SPACE,
    "espace": Theme.ASTRONOMY_SPACE,
    "biologie": Theme.BIOLOGY,
    "chimie": Theme.CHEMISTRY,
    "physique": Theme.PHYSICS,
    "mathematiques": Theme.MATHEMATICS,
    "maths": Theme.MATHEMATICS,
    "numerique": Theme.DIGITAL,
    "informatique": Theme.DIGITAL,
    "environnement": Theme.ENVIRONMENT,
    "biodiversite": Theme.ENVIRONMENT,
    "sante": Theme.HEALTH,
    "geologie": Theme.EARTH_SCIENCES,
    "sciences de la terre": Theme.EARTH_SCIENCES,
    "ingenierie": Theme.ENGINEERING_TECHNOLOGY,
    "technologie": Theme.ENGINEERING_TECHNOLOGY,
    "robotique": Theme.ENGINEERING_TECHNOLOGY,
    "industrie": Theme.INDUSTRY,
    "sciences humaines": Theme.HUMAN_SOCIAL_SCIENCES,
    "sciences sociales": Theme.HUMAN_SOCIAL_SCIENCES,
    "patrimoine": Theme.HERITAGE,
    "energie": Theme.ENERGY,
    "agriculture": Theme.AGRICULTURE_FOOD,
    "alimentation": Theme.AGRICULTURE_FOOD,
    "mer": Theme.SEA_COAST,
    "littoral": Theme.SEA_COAST,
    "ocean": Theme.SEA_COAST,
    "esprit critique": Theme.CRITICAL_THINKING,
    "sciences et societe": Theme.SCIENCE_SOCIETY,
}
_COMMUNE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_POSTCODE = re.compile(r"^\d{5}$")
_MAX_EXT_IDS = 20


def localized(value: Any) -> str | None:
    """The French text of a multilingual field, else its first non-empty language."""
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, dict):
        return None
    texts = [value.get("fr"), *value.values()]
    return next((t.strip() for t in texts if isinstance(t, str) and t.strip()), None)


def _clipped(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _location(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw:
        return None
    insee = str(raw.get("insee") or "").strip().upper()
    postcode = str(raw.get("postalCode") or "").strip()
    # Foreign places (Swiss, Belgian...) have no INSEE code; ours are French codes only, and
    # an agenda's code of a commune since merged away is left out rather than refusing the
    # event (a place written through our API must name a current commune).
    found = commune(insee) if _COMMUNE.match(insee) else None
    if found is not None and found.postcodes and postcode not in found.postcodes:
        postcode = ""  # a CEDEX or mistyped postcode: the commune code is the better clue
    return {
        "name": _clipped(localized(raw.get("name")), 300),
        "street": _clipped(localized(raw.get("address")), 300),
        "postcode": postcode if _POSTCODE.match(postcode) else None,
        "city": _clipped(localized(raw.get("city")), 200),
        "commune_insee": found.code if found is not None else None,
        "lat": raw.get("latitude"),
        "lon": raw.get("longitude"),
    }


def _themes(keywords: Any) -> list[str]:
    words = keywords.get("fr") if isinstance(keywords, dict) else keywords
    if not isinstance(words, list):
        return []
    found = (THEME_KEYWORDS.get(fold(w)) for w in words if isinstance(w, str))
    return list(dict.fromkeys(t.value for t in found if t is not None))


def _ext_ids(raw: dict[str, Any]) -> dict[str, str]:
    ext_ids = {SOURCE: str(raw["uid"])}
    others = raw.get("extIds") or []
    pairs = (
        others.items()
        if isinstance(others, dict)
        else ((o.get("key"), o.get("value")) for o in others if isinstance(o, dict))
    )
    for key, value in pairs:
        if key and value is not None and len(ext_ids) < _MAX_EXT_IDS:
            ext_ids[f"{SOURCE}.{key}"[:60]] = str(value)[:200]
    return ext_ids


def _registration(raw: Any) -> dict[str, Any]:
    links = [
        r.get("value")
        for r in raw or []
        if isinstance(r, dict) and r.get("type") == "link" and r.get("value")
    ]
    return {"mode": "external", "url": links[0]} if links else {"mode": "none"}


def _age(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or (raw.get("min") is None and raw.get("max") is None):
        return None
    return {"min": raw.get("min"), "max": raw.get("max")}


def to_event_input(raw: dict[str, Any], *, organizer_id: uuid.UUID, kind: EventKind) -> EventCreate:
    """Our creation input for the OpenAgenda event ``raw``; raises pydantic's
    ``ValidationError`` naming our field when the event does not fit our rules."""
    accessibility = raw.get("accessibility") or {}
    status = STATUSES.get(raw.get("status") or 1, "scheduled")
    attendance_mode = ATTENDANCE_MODES.get(raw.get("attendanceMode") or 1, "offline")
    online_url = raw.get("onlineAccessLink") or None
    if status == "moved_online" and attendance_mode == "offline" and online_url:
        # OpenAgenda leaves the mode as it was when an event moves online; ours must agree
        # with the status (without a link, the event fails on status, naming it).
        attendance_mode = "online"
    body = {
        "title": _clipped(localized(raw.get("title")), 300),
        "summary": _clipped(localized(raw.get("description")), 1000),
        "description": _clipped(localized(raw.get("longDescription")), 20_000),
        "kind": kind.value,
        "organizer_ids": [str(organizer_id)],
        "themes": _themes(raw.get("keywords")),
        "age": _age(raw.get("age")),
        "accessibility": {
            ours: bool(accessibility.get(theirs)) for theirs, ours in ACCESSIBILITY.items()
        },
        "attendance_mode": attendance_mode,
        "location": _location(raw.get("location")),
        "online_url": online_url,
        "timings": [
            {"start": t.get("begin"), "end": t.get("end")}
            for t in raw.get("timings") or []
            if isinstance(t, dict)
        ],
        "status": status,
        "registration": _registration(raw.get("registration")),
        "ext_ids": _ext_ids(raw),
    }
    return EventCreate.model_validate(body)
