"""BAN geocoding, turned on: an event whose place has a street and no coordinates is placed
at that address by a local fake of the address base (the real httpx client runs); a failing
base leaves the commune's centre and the event is still written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kit.geocoding import BanGeocoder
from kit.testing.apps import served
from kit.testing.fake_ban import BanAnswer, FakeBan

from .test_events import forum, known_actor

SETE = "34301"


@pytest.fixture(scope="module")
async def ban_url() -> AsyncIterator[tuple[FakeBan, str]]:
    fake = FakeBan()
    async with served(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def ban(ban_url: tuple[FakeBan, str], events_app: FastAPI) -> AsyncIterator[FakeBan]:
    """Geocoding turned on for this test (as MAILLAGE_GEOCODING_BAN=true would)."""
    fake, url = ban_url
    fake.answers = {"quai de la résistance": BanAnswer(43.4015, 3.6968, "housenumber", SETE)}
    fake.down = False
    events_app.state.geocoder = BanGeocoder(url, timeout_seconds=5)
    try:
        yield fake
    finally:
        events_app.state.geocoder = None


def place(street: str) -> dict[str, Any]:
    return {"name": "Station", "street": street, "city": "Sète", "commune_insee": SETE}


async def test_an_event_with_a_street_is_placed_at_its_address(
    admin: httpx.AsyncClient, announce: Callable[..., Any], ban: FakeBan
) -> None:
    organizer = await known_actor(announce, admin, name=f"Station {uuid.uuid4().hex[:6]}")
    created = await admin.post(
        "/v1/events", json=forum(organizer, location=place("2 quai de la Résistance"))
    )
    assert created.status_code == 201, created.text
    location = created.json()["location"]
    assert (location["lat"], location["lon"], location["geo_precision"]) == (
        43.4015,
        3.6968,
        "address",
    )
    ban.down = True
    changed = await admin.patch(
        f"/v1/events/{created.json()['id']}",
        json={"location": place("2 quai de la Résistance")},
        headers={"If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["location"]["geo_precision"] == "commune"
