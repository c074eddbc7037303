"""An actor with a commune but no coordinates is placed at the commune's centre."""

from __future__ import annotations

import uuid

import httpx

FLEURANCE = (43.84904, 0.66349)


async def test_an_address_without_coordinates_gets_its_communes_centre(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    name = f"Ciel du Gers {uuid.uuid4().hex[:6]}"
    created = await admin.post(
        "/v1/actors",
        json={
            "kind": "organisation",
            "name": name,
            "types": ["association"],
            "address": {"city": "Fleurance", "postcode": "32500"},
        },
    )
    assert created.status_code == 201, created.text
    address = created.json()["address"]
    assert (address["lat"], address["lon"]) == FLEURANCE
    assert address["geo_precision"] == "commune"
    assert (address["commune_insee"], address["department"], address["region"]) == (
        "32132",
        "32",
        "76",
    )

    lat, lon = FLEURANCE
    found = await anonymous.get(
        "/v1/actors", params={"q": name, "near": f"{lat},{lon}", "radius_km": 1}
    )
    assert [a["name"] for a in found.json()["items"]] == [name]

    moved = await admin.patch(
        f"/v1/actors/{created.json()['id']}",
        json={"address": {"city": "Fleurance", "lat": 43.85, "lon": 0.67}},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["address"]["geo_precision"] == "address"
    assert moved.json()["address"]["lat"] == 43.85
