"""An event with a commune but no coordinates is placed at the commune's centre, so it
shows on maps and answers near/bbox searches; coordinates given stay as they are."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
#: Cahors town hall, from the geographic code the project ships.
CAHORS = (44.44683, 1.44062)


async def test_a_location_without_coordinates_gets_its_communes_centre(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = uuid.uuid4().hex[:8]
    by_code = await new_event(
        title=f"Forum du Lot {word}",
        location={"name": "Espace Clément Marot", "city": "Cahors", "commune_insee": "46042"},
    )
    by_city = await new_event(
        title=f"Atelier {word}",
        location={"name": "Médiathèque", "city": "Cahors", "postcode": "46000"},
    )
    given = await new_event(
        title=f"Visite {word}",
        location={"city": "Cahors", "commune_insee": "46042", "lat": 44.45, "lon": 1.44},
    )

    for event in (by_code, by_city):
        location = event["location"]
        assert (location["lat"], location["lon"]) == CAHORS
        assert location["geo_precision"] == "commune"
    assert by_city["location"]["commune_insee"] == "46042"
    assert by_city["location"]["department"] == "46"
    assert given["location"]["geo_precision"] == "address"
    assert given["location"]["lat"] == 44.45

    lat, lon = CAHORS
    near = await anonymous.get(f"/v1/events?q={word}&near={lat},{lon}&radius_km=2")
    assert {e["id"] for e in near.json()["items"]} == {by_code["id"], by_city["id"], given["id"]}
    far = await anonymous.get(f"/v1/events?q={word}&bbox=1.0,43.0,2.0,44.0")
    assert far.json()["items"] == []
