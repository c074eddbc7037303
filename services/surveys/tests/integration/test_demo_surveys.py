"""The demo's three waves of "Enquête acteurs de la CSTI", seeded through the surveys API."""

from __future__ import annotations

import httpx

from maillage_cli.demo_data import ACTORS, SURVEY_SERIES
from maillage_cli.seed import (
    ANSWERED,
    BEGUN_2026,
    SUBMITTED_2026,
    SeedResult,
    _seed_observatory,
    _seed_surveys,
)

from .conftest import KnownActors


async def test_a_closed_answered_wave_and_an_open_one_once(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, known_actors: KnownActors
) -> None:
    ids = await known_actors(*({"name": a.name, "email": "demo@example.org"} for a in ACTORS))
    result = SeedResult(actor_ids={a.key: str(i) for a, i in zip(ACTORS, ids, strict=True)})
    await _seed_surveys(admin, result, within=10, report=None)
    answered = sum(ANSWERED.values()) + SUBMITTED_2026 + BEGUN_2026
    assert (result.surveys_created, result.responses_created) == (3, answered)
    waves = (await admin.get("/v1/surveys?series=enquete-acteurs&limit=10")).json()["items"]
    by_title = {w["title"]["fr"]: w for w in waves}
    opened = by_title["Enquête acteurs de la CSTI 2026"]
    assert opened["status"] == "open"
    for year, count in ANSWERED.items():
        closed = by_title[f"Enquête acteurs de la CSTI {year}"]
        assert closed["status"] == "closed"
        listed = await admin.get(f"/v1/surveys/{closed['id']}/invitations?limit=200")
        statuses = [i["status"] for i in listed.json()["items"]]
        assert statuses.count("submitted") == count
        assert len(statuses) == len(ACTORS)
    listed = await admin.get(f"/v1/surveys/{opened['id']}/invitations?limit=200")
    statuses = [i["status"] for i in listed.json()["items"]]
    assert (statuses.count("submitted"), statuses.count("partial")) == (SUBMITTED_2026, BEGUN_2026)

    again = SeedResult(actor_ids=result.actor_ids)
    await _seed_surveys(admin, again, within=10, report=None)
    assert again.surveys_created == 0

    # The observatory: the closed wave's results published and its indicators, once.
    await _seed_observatory(admin, report=None)
    await _seed_observatory(admin, report=None)  # a second run adds nothing
    listed = (await anonymous.get("/v1/indicators", params={"series": SURVEY_SERIES})).json()
    public = {i["name"]["fr"]: i for i in listed["items"]}
    assert len(public) == 4  # the median is for staff only
    staff = (await admin.get("/v1/indicators", params={"series": SURVEY_SERIES})).json()
    assert len(staff["items"]) == 5

    values, first = {}, {}
    for name, indicator in public.items():
        waves = (await anonymous.get(f"/v1/indicators/{indicator['id']}")).json()["waves"]
        # A line of two points; the open 2026 wave is not published.
        assert [w["wave"] for w in waves] == ["2024", "2025"]
        first[name], values[name] = waves
    assert values["Part des acteurs qui proposent des ateliers"]["value"] == 75.0
    assert values["Part des acteurs qui accueillent des bénévoles"]["value"] == 50.0
    assert values["Salariés par structure (moyenne, ETP)"]["value"] is not None
    # 12 respondents, 2 detractors: the NPS is withheld, never shown from so few.
    assert values["Recommandation du réseau (NPS)"]["suppressed"] is True
    # 2024: 10 respondents, half with volunteers; the NPS withheld again.
    assert first["Part des acteurs qui accueillent des bénévoles"]["value"] == 50.0
    assert first["Recommandation du réseau (NPS)"]["suppressed"] is True
    assert first["Salariés par structure (moyenne, ETP)"]["value"] is not None
