"""An event's place must name a commune of the shipped official geographic code, and its
postcode must be one of that commune's: a 422 naming the field, nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .test_events import forum, known_actor


@pytest.mark.parametrize(
    ("location", "field", "words"),
    [
        ({"city": "Nulle part", "commune_insee": "34999"}, "location.commune_insee", "34999"),
        (
            {"city": "Sète", "commune_insee": "34301", "postcode": "34000"},
            "location.postcode",
            "34200",
        ),
    ],
)
async def test_an_unknown_commune_or_a_foreign_postcode_is_422_naming_the_field(
    admin: httpx.AsyncClient,
    announce: Callable[..., Any],
    location: dict[str, Any],
    field: str,
    words: str,
) -> None:
    organizer = await known_actor(announce, admin, name="Station")
    title = f"Forum {uuid.uuid4().hex[:8]}"
    response = await admin.post("/v1/events", json=forum(organizer, title=title, location=location))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert not (await admin.get("/v1/events", params={"q": title})).json()["items"]


async def test_a_commune_with_its_postcode_is_accepted(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    organizer = await known_actor(announce, admin, name="Station")
    location = {"city": "Sète", "commune_insee": "34301", "postcode": "34200"}
    response = await admin.post("/v1/events", json=forum(organizer, location=location))
    assert response.status_code == 201, response.text
    assert response.json()["location"]["postcode"] == "34200"
