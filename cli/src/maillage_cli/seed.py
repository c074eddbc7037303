"""Load the demo data through the public API, once.

Idempotent twice over: an actor (by name) or an event (by title) already present is not
created again, and ``maillage run`` leaves a marker in ``var/`` so it seeds only on the first
start. Events name their organizers by id, and the events service learns about actors over
NATS a moment after the directory created them, so event creation is retried (with a
deadline) while the events service answers that an organizer is unknown.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from maillage_cli.api import unknown_organizer
from maillage_cli.demo_data import (
    ACTORS,
    DEMO_FOLLOW,
    EVENTS,
    SURVEY_SERIES,
    DemoActor,
    DemoEvent,
    actors_survey,
    actors_survey_answers,
    demo_watches,
    observatory_indicators,
)

MARKER_FILE = "seeded.json"
#: A saved answer of the EU portal's search API (with its facet labels), for the EU watch.
DEMO_CALLS_FILE = "demo_calls.json"


class SeedError(RuntimeError):
    """The API refused demo data."""


@dataclass
class SeedResult:
    actors_created: int = 0
    actors_existing: int = 0
    events_created: int = 0
    events_existing: int = 0
    registrations_created: int = 0
    calls_created: int = 0
    surveys_created: int = 0
    responses_created: int = 0
    actor_ids: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.actors_created} actors created ({self.actors_existing} already there), "
            f"{self.events_created} events created ({self.events_existing} already there), "
            f"{self.registrations_created} registrations, "
            f"{self.calls_created} EU calls created, {self.surveys_created} survey waves "
            f"({self.responses_created} responses)"
        )


async def seed(
    client: httpx.AsyncClient,
    *,
    actors: tuple[DemoActor, ...] = ACTORS,
    events: tuple[DemoEvent, ...] = EVENTS,
    projection_timeout: float = 30.0,
    report: Callable[[str], None] | None = None,
) -> SeedResult:
    """Create whatever demo actors and events are missing; ``client`` carries the admin key."""
    result = SeedResult()
    known_actors = {item["name"]: str(item["id"]) async for item in _list(client, "/v1/actors")}
    for actor in actors:
        existing = known_actors.get(actor.name)
        if existing:
            result.actor_ids[actor.key] = existing
            result.actors_existing += 1
            continue
        response = await client.post(
            "/v1/actors",
            json=actor.payload,
            headers={"Idempotency-Key": f"demo-actor-{actor.key}"},
        )
        body = _expect(response, 201, f"actor {actor.name!r}")
        result.actor_ids[actor.key] = str(body["id"])
        result.actors_created += 1
        if report:
            report(f"  actor  {actor.name}")

    known_titles = {str(item["title"]) async for item in _list(client, "/v1/events")}
    for event in events:
        if event.title in known_titles:
            result.events_existing += 1
            continue
        payload = {
            **event.payload,
            "organizer_ids": [result.actor_ids[key] for key in event.organizers],
        }
        event_id = await _create_event(client, event, payload, within=projection_timeout)
        result.events_created += 1
        if report:
            report(f"  event  {event.title}")
        # Only for an event created now: a second seeding registers nobody twice.
        for name, email in event.registrants:
            response = await client.post(
                f"/v1/events/{event_id}/registrations", json={"name": name, "email": email}
            )
            _expect(response, 201, f"registration of {email} to {event.title!r}")
            result.registrations_created += 1

    # Watches first: the calls imported next are news to them, so the demo's mail sink shows
    # an alert at the EU watch's next check.
    await _seed_watches(client, result, report=report)
    # EU calls in the shape the Funding & Tenders Portal answers (no network needed): read
    # by the EU watch as a sync reads a page, so a second seeding writes nothing.
    answer = json.loads((Path(__file__).parent / DEMO_CALLS_FILE).read_text(encoding="utf-8"))
    response = await client.post("/v1/calls/sources/sedia/import", json=answer)
    result.calls_created = int(_expect(response, 200, "demo EU calls")["counts"]["created"])
    if report:
        report(f"  calls  {result.calls_created} from the portal's demo answer")
    await _seed_follows(client, result, report=report)
    await _seed_surveys(client, result, within=projection_timeout, report=report)
    await _seed_observatory(client, report=report)
    return result


async def _seed_watches(
    client: httpx.AsyncClient, result: SeedResult, *, report: Callable[[str], None] | None
) -> None:
    """A member's immediate watch and the network's weekly one, unless already there."""
    known = {item["name"] async for item in _list(client, "/v1/watches")}
    for watch in demo_watches(result.actor_ids):
        if watch["name"] in known:
            continue
        _expect(await client.post("/v1/watches", json=watch), 201, f"watch {watch['name']!r}")
        if report:
            report(f"  watch  {watch['name']}")


async def _seed_follows(
    client: httpx.AsyncClient, result: SeedResult, *, report: Callable[[str], None] | None
) -> None:
    """A demo member follows a demo call (following again changes nothing)."""
    actor_key, identifier, email = DEMO_FOLLOW
    calls = client.get("/v1/calls", params={"q": identifier, "limit": 5})
    found = [
        c for c in _expect(await calls, 200, "demo call")["items"] if c["identifier"] == identifier
    ]
    if not found or actor_key not in result.actor_ids:
        return
    body = {"actor_id": result.actor_ids[actor_key], "email": email}
    response = await client.post(f"/v1/calls/{found[0]['id']}/follow", json=body)
    if response.status_code not in (200, 201):
        _expect(response, 201, f"following {identifier}")
    if report:
        report(f"  follow {identifier}")


#: Of the demo actors, how many answered each closed wave ("most" of them).
ANSWERED = {2024: 10, 2025: 12}
ANSWERED_2025 = ANSWERED[2025]
#: The open 2026 wave: the first actors submitted, the next ones saved a partial response.
SUBMITTED_2026, BEGUN_2026 = 4, 2
WAVES = (2024, 2025, 2026)
#: The closed waves' dates (Paris): the observatory draws its lines in this order.
CLOSED_DATES = {
    2024: ("2024-02-05T09:00:00+01:00", "2024-04-30T23:59:00+02:00"),
    2025: ("2025-02-03T09:00:00+01:00", "2025-04-30T23:59:00+02:00"),
}


async def _seed_surveys(
    client: httpx.AsyncClient,
    result: SeedResult,
    *,
    within: float,
    report: Callable[[str], None] | None,
) -> None:
    """The "Enquête acteurs de la CSTI": closed 2024 and 2025 waves answered by most demo
    actors and an open 2026 wave (a few responses submitted, a few begun), unless there."""
    titles = {item["title"]["fr"] async for item in _list(client, "/v1/surveys")}
    actor_ids = list(result.actor_ids.values())
    for year in WAVES:
        definition = actors_survey(year)
        if definition["title"]["fr"] in titles:
            continue
        survey = _expect(await client.post("/v1/surveys", json=definition), 201, f"survey {year}")
        url = f"/v1/surveys/{survey['id']}"
        _expect(await client.post(f"{url}/publish"), 200, f"publishing survey {year}")
        tokens = await _invite(client, url, actor_ids, within=within)
        submitting = ANSWERED.get(year, SUBMITTED_2026)
        begun = 0 if year in ANSWERED else BEGUN_2026
        for position, actor_id in enumerate(actor_ids[: submitting + begun]):
            token = tokens[actor_id]
            answers = actors_survey_answers(position, year)
            submit = position < submitting
            action = f"/v1/responses/{token}" + ("/submit" if submit else "")
            method = client.post if submit else client.put
            _expect(await method(action, json={"answers": answers}), 200, f"answers {year}")
            result.responses_created += 1
        if year in CLOSED_DATES:
            opens_at, closes_at = CLOSED_DATES[year]
            dates = {"opens_at": opens_at, "closes_at": closes_at}
            _expect(await client.patch(url, json=dates), 200, f"survey {year} dates")
            _expect(await client.post(f"{url}/close"), 200, f"closing survey {year}")
        result.surveys_created += 1
        if report:
            report(f"  survey {definition['title']['fr']}")


async def _seed_observatory(
    client: httpx.AsyncClient, *, report: Callable[[str], None] | None
) -> None:
    """The closed waves' results published and the indicators the observatory page shows,
    unless already there."""
    known = {item["name"]["fr"] async for item in _list(client, "/v1/indicators")}
    async for survey in _list(client, "/v1/surveys"):
        if survey.get("series") == SURVEY_SERIES and survey["status"] == "closed":
            results = f"/v1/surveys/{survey['id']}/results"
            settings = _expect(await client.get(f"{results}/settings"), 200, "result settings")
            if not settings["published"]:
                published = await client.post(f"{results}/publish", json={"k": 5})
                _expect(published, 200, "publishing the closed wave's results")
    for indicator in observatory_indicators():
        if indicator["name"]["fr"] in known:
            continue
        _expect(await client.post("/v1/indicators", json=indicator), 201, "demo indicator")
        if report:
            report(f"  indicator {indicator['name']['fr']}")


async def _invite(
    client: httpx.AsyncClient, url: str, actor_ids: list[str], *, within: float
) -> dict[str, str]:
    """Invite the demo actors (retried while the surveys service has not heard of them yet);
    their personal tokens by actor id."""
    deadline = time.monotonic() + within
    body = {"actor_ids": actor_ids, "dry_run": False}
    while True:
        response = await client.post(f"{url}/invitations", json=body)
        if response.status_code == 200 or time.monotonic() >= deadline:
            _expect(response, 200, "demo invitations")
            break
        await asyncio.sleep(0.1)
    return {
        str(item["actor_id"]): str(item["url"]).rsplit("/", 1)[1]
        async for item in _list(client, f"{url}/invitations")
    }


async def _create_event(
    client: httpx.AsyncClient, event: DemoEvent, payload: dict[str, Any], *, within: float
) -> str:
    """Create the event (retried while its organizers are unknown); its id."""
    deadline = time.monotonic() + within
    # Header values are ASCII; titles are French.
    key = "demo-event-" + hashlib.sha256(event.title.encode()).hexdigest()[:16]
    while True:
        response = await client.post("/v1/events", json=payload, headers={"Idempotency-Key": key})
        # The events service has not yet seen the actor events: try again.
        if not unknown_organizer(response) or time.monotonic() >= deadline:
            return str(_expect(response, 201, f"event {event.title!r}")["id"])
        await asyncio.sleep(0.05)


async def _list(client: httpx.AsyncClient, path: str) -> AsyncIterator[dict[str, Any]]:
    """Every item of a paginated collection (``{"items", "next"}``)."""
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 200}
        if after:
            params["after"] = after
        response = await client.get(path, params=params)
        page = _expect(response, 200, f"GET {path}")
        for item in page["items"]:
            yield item
        after = page.get("next")
        if not after:
            return


def _expect(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise SeedError(
            f"{what}: expected HTTP {status}, got {response.status_code}: {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def already_seeded(var_dir: Path) -> bool:
    return (var_dir / MARKER_FILE).exists()


def mark_seeded(var_dir: Path, result: SeedResult) -> None:
    marker = {
        "seeded_at": datetime.now(UTC).isoformat(),
        "actors": result.actor_ids,
        "summary": result.summary(),
    }
    (var_dir / MARKER_FILE).write_text(json.dumps(marker, indent=2, ensure_ascii=False) + "\n")


def admin_client(api_url: str, admin_key: str, *, timeout: float = 10.0) -> httpx.AsyncClient:
    """An HTTP client for the public API, authenticated as admin."""
    return httpx.AsyncClient(
        base_url=api_url,
        headers={"Authorization": f"Bearer {admin_key}"},
        timeout=timeout,
    )
