"""A local OpenAgenda serving the v2 events API in its real format, over real HTTP.

``GET /v2/agendas/{agendaUid}/events`` with ``key``, ``size`` (at most 300), ``detailed``,
``updatedAt[gte]``, ``removed=1`` (references ``{uid, updatedAt}`` of removed events),
``sort=updatedAt.asc`` and the ``after[]`` cursor; answers ``{total, events, sort, after}``.
Every event a test puts gets a fresh ``updatedAt``, as OpenAgenda stamps each change.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kit.testing.apps import served

MAX_SIZE = 300
#: Fields the list gives without ``detailed=1``.
STANDARD_FIELDS = (
    "uid",
    "title",
    "dateRange",
    "keywords",
    "location",
    "image",
    "originAgenda",
    "description",
    "slug",
    "lastTiming",
    "nextTiming",
)


def oa_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def oa_event(uid: int, title: str, **overrides: Any) -> dict[str, Any]:
    """An event as OpenAgenda's ``detailed=1`` gives it (without ``updatedAt``, stamped on put)."""
    event: dict[str, Any] = {
        "uid": uid,
        "slug": f"event-{uid}",
        "title": {"fr": title},
        "description": {"fr": f"{title} : présentation courte"},
        "longDescription": {"fr": f"**{title}**\n\nUne longue description en markdown."},
        "keywords": {"fr": []},
        "timings": [{"begin": "2031-10-10T20:00:00+02:00", "end": "2031-10-10T23:00:00+02:00"}],
        "firstTiming": None,
        "lastTiming": None,
        "nextTiming": None,
        "dateRange": {"fr": "Vendredi 10 octobre 2031, 20h00"},
        "location": {
            "uid": 70555056,
            "name": "Observatoire de Jolimont",
            "address": "1 avenue Camille Flammarion, 31500 Toulouse",
            "city": "Toulouse",
            "postalCode": "31500",
            "insee": "31555",
            "latitude": 43.6113,
            "longitude": 1.4625,
            "adminLevel1": "Occitanie",
            "adminLevel2": "Haute-Garonne",
            "adminLevel3": None,
            "adminLevel4": "Toulouse",
            "adminLevel5": None,
            "department": "Haute-Garonne",
            "region": "Occitanie",
            "countryCode": "FR",
            "timezone": "Europe/Paris",
            "state": 1,
            "extIds": None,
        },
        "accessibility": {"hi": False, "vi": False, "pi": False, "mi": False, "ii": False},
        "age": {"min": None, "max": None},
        "attendanceMode": 1,
        "onlineAccessLink": None,
        "status": 1,
        "state": 2,
        "registration": [],
        "conditions": {},
        "image": None,
        "imageCredits": None,
        "links": [],
        "extIds": None,
        "originAgenda": {"uid": 0, "title": "Agenda", "slug": "agenda", "official": False},
        "sourceAgendas": [],
        "featured": False,
        "private": 0,
        "draft": 0,
        "timezone": "Europe/Paris",
        "createdAt": "2031-01-05T10:00:00.000Z",
    }
    event.update(overrides)
    return event


class FakeOpenAgenda:
    def __init__(self, key: str = "oa-test-key") -> None:
        self.key = key
        self.events: dict[str, dict[int, dict[str, Any]]] = {}
        self.removed: dict[str, dict[int, str]] = {}
        self.requests: list[dict[str, list[str]]] = []
        #: Misbehave: answer every page with the first one and the same cursor.
        self.stuck = False
        self._clock = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)
        self.app = Starlette(routes=[Route("/v2/agendas/{agenda_uid}/events", self._list)])

    def _tick(self) -> str:
        self._clock += timedelta(seconds=1, milliseconds=250)
        return oa_time(self._clock)

    def put(self, agenda_uid: str, event: dict[str, Any]) -> dict[str, Any]:
        """Add or change an event, as its owner would on OpenAgenda."""
        stored = copy.deepcopy(event) | {"updatedAt": self._tick()}
        self.events.setdefault(agenda_uid, {})[event["uid"]] = stored
        self.removed.get(agenda_uid, {}).pop(event["uid"], None)
        return stored

    def remove(self, agenda_uid: str, uid: int) -> None:
        del self.events[agenda_uid][uid]
        self.removed.setdefault(agenda_uid, {})[uid] = self._tick()

    async def _list(self, request: Request) -> JSONResponse:
        query = request.query_params
        self.requests.append({k: query.getlist(k) for k in query})
        if query.get("key") != self.key:
            return JSONResponse({"error": "invalid key", "message": "key is invalid"}, 403)
        agenda_uid = request.path_params["agenda_uid"]
        if agenda_uid not in self.events and agenda_uid not in self.removed:
            return JSONResponse({"error": "not found", "message": "agenda not found"}, 404)
        size = int(query.get("size", "20"))
        if size > MAX_SIZE:
            return JSONResponse({"error": "size", "message": "size exceeds 300"}, 400)
        if query.get("removed") == "1":
            items = [
                {"uid": uid, "updatedAt": at}
                for uid, at in self.removed.get(agenda_uid, {}).items()
            ]
        else:
            detailed = query.get("detailed") == "1"
            items = [
                e if detailed else {k: e.get(k) for k in (*STANDARD_FIELDS, "updatedAt")}
                for e in self.events.get(agenda_uid, {}).values()
            ]
        since = query.get("updatedAt[gte]")
        if since:
            items = [i for i in items if i["updatedAt"] >= since]
        items.sort(key=_sort_key)
        total = len(items)
        after = query.getlist("after[]")
        if after and not self.stuck:
            cursor = (int(after[0]), int(after[1]))
            items = [i for i in items if _sort_key(i) > cursor]
        page = items[:size]
        return JSONResponse(
            {
                "total": total,
                "events": page,
                "sort": ["updatedAt.asc"],
                "after": list(_sort_key(page[-1])) if page else None,
            }
        )


def _sort_key(item: dict[str, Any]) -> tuple[int, int]:
    moment = datetime.fromisoformat(item["updatedAt"].replace("Z", "+00:00"))
    return int(moment.timestamp() * 1000), int(item["uid"])


@asynccontextmanager
async def serving(fake: FakeOpenAgenda) -> AsyncIterator[str]:
    """Serve ``fake`` on a free port in this event loop; yield its v2 base URL."""
    async with served(fake.app) as base_url:
        yield f"{base_url}/v2"
