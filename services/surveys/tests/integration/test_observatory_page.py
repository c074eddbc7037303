"""The public observatory page in headless Chromium: every public indicator, no private one,
no figure from fewer than k respondents; screenshots at 1280 and 390 px."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from kit.identity import IdentitySigner
from kit.testing.browser import DESKTOP, PHONE, new_page, save_screenshot
from kit.testing.nats import free_port
from kit.testing.plugin import identity_headers
from kit.testing.polling import wait_until
from surveys.responses.models import Response

from .conftest import submitted

KnownActors = Callable[..., Awaitable[list[uuid.UUID]]]
K = 5


@pytest.fixture
async def site(app: FastAPI) -> AsyncIterator[str]:
    """The app under test (its lifespan already running) served over HTTP for the browser."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await wait_until(started, what="the page server listens")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def wave(series: str, year: int) -> dict[str, Any]:
    return {
        "title": {"fr": f"Enquête acteurs {year}"},
        "series": series,
        "opens_at": f"{year}-02-01T00:00:00+01:00",
        "sections": [
            {
                "code": "s",
                "title": {"fr": "Activités"},
                "questions": [
                    {
                        "code": "trains",
                        "type": "single_choice",
                        "label": {"fr": "Formez-vous des médiateurs ?"},
                        "choices": [
                            {"code": "yes", "label": {"fr": "Oui"}},
                            {"code": "no", "label": {"fr": "Non"}},
                        ],
                    },
                    {"code": "budget", "type": "decimal", "label": {"fr": "Budget (k€)"}},
                ],
            }
        ],
    }


async def published_wave(
    app: FastAPI,
    admin: httpx.AsyncClient,
    series: str,
    year: int,
    answers: list[tuple[uuid.UUID, dict[str, Any]]],
) -> None:
    created = (await admin.post("/v1/surveys", json=wave(series, year))).json()
    assert (await admin.post(f"/v1/surveys/{created['id']}/publish")).status_code == 200
    async with app.state.runtime.database.transaction() as session:
        for actor_id, given in answers:
            await submitted(
                session,
                Response(
                    survey_id=uuid.UUID(created["id"]),
                    version=1,
                    actor_id=actor_id,
                    answers=given,
                    status="submitted",
                ),
            )
    published = await admin.post(f"/v1/surveys/{created['id']}/results/publish", json={"k": K})
    assert published.status_code == 200


async def test_the_observatory_page_shows_public_indicators_and_no_small_figure(
    app: FastAPI,
    admin: httpx.AsyncClient,
    known_actors: KnownActors,
    browser: Browser,
    site: str,
    identity_signer: IdentitySigner,
) -> None:
    series = f"acteurs-{uuid.uuid4().hex[:6]}"
    # 24 actors: 18 in Occitanie, 4 in Nouvelle-Aquitaine (too few), 2 in Bretagne.
    regions = ["76"] * 18 + ["75"] * 4 + ["53"] * 2
    actors = await known_actors(
        *(
            {"name": f"Acteur {i}", "circle": 1 + i % 3, "address": {"region": r}}
            for i, r in enumerate(regions)
        )
    )
    for year, trained in ((2024, 9), (2025, 12), (2026, 15)):
        await published_wave(
            app,
            admin,
            series,
            year,
            [
                (a, {"trains": "yes" if i < trained else "no", "budget": 20 + i})
                for i, a in enumerate(actors)
            ],
        )
    names = {
        "share": "Part des acteurs qui forment des médiateurs",
        "mean": "Budget moyen des acteurs",
        "private": "Indicateur interne à l'équipe",
    }
    for key, body in {
        "share": {"question": "trains", "measure": "share", "answers": ["yes"], "unit": "%"},
        "mean": {"question": "budget", "measure": "mean", "unit": "k€"},
        "private": {"question": "budget", "measure": "median", "public": False},
    }.items():
        created = await admin.post(
            "/v1/indicators",
            json={"name": {"fr": names[key]}, "series": series, "public": True, **body},
        )
        assert created.status_code == 201, created.text

    anonymous = identity_headers(identity_signer, "anonymous")
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "390")):
        page = await new_page(browser, viewport=viewport)
        await page.set_extra_http_headers(anonymous)  # what the gateway adds to /p/ pages
        try:
            answer = await page.goto(f"{site}/p/observatory")
            assert answer is not None
            assert answer.status == 200
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "L'observatoire du réseau"
            )
            for key in ("share", "mean"):
                section = page.get_by_role("region", name=names[key])
                await expect(section).to_be_visible()
                await expect(section.get_by_role("img").first).to_be_visible()
            await expect(page.get_by_text(names["private"])).to_have_count(0)

            share = page.get_by_role("region", name=names["share"])
            waves = share.get_by_role("table").first
            await expect(waves.get_by_role("row")).to_have_count(4)  # header + 3 waves
            await expect(waves).to_contain_text("62,5")  # 15 of 24 in 2026
            # Nouvelle-Aquitaine (4) and Bretagne (2) are under k: withheld, never zero.
            by_region = share.get_by_role("table").nth(1)
            await expect(by_region.get_by_role("row", name=re.compile("Bretagne"))).to_contain_text(
                "masqué"
            )
            await expect(share.get_by_text("masqué (trop peu de réponses)").first).to_be_attached()
            counts = await page.locator("table.figures tbody tr td:nth-child(3)").all_inner_texts()
            numbers = [int(c) for c in counts if c.strip().isdigit()]
            assert numbers, "the tables give their respondents"
            assert min(numbers) >= K, "no figure from fewer than k respondents"
            await save_screenshot(page, f"observatory-{label}")
        finally:
            await page.context.close()

    english = await new_page(browser)
    await english.set_extra_http_headers(anonymous)
    try:
        await english.goto(f"{site}/p/observatory")
        await english.get_by_role("link", name="English").click()
        await expect(english.get_by_role("heading", level=1)).to_have_text(
            "The network's observatory"
        )
        await expect(english.get_by_text("withheld (too few answers)").first).to_be_attached()
    finally:
        await english.context.close()
