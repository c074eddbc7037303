"""The resource catalogue and the travelling-exhibitions guide, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx


async def owner(admin: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await admin.post(
        "/v1/actors", json={"name": name, "address": {"commune_insee": "34172"}}
    )
    assert response.status_code == 201
    return dict(response.json())


def exhibition(owner_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "owner_id": owner_id,
        "kind": "exhibition",
        "title": "Les étoiles, une histoire",
        "description": "Exposition itinérante sur l'astronomie, 12 panneaux.",
        "themes": ["astronomy_space"],
        "audiences": ["general_public", "school_groups"],
        "loan": {
            "available": True,
            "conditions": "Transport à la charge de l'emprunteur",
            "price_eur": 150,
        },
        **overrides,
    }


async def test_owner_members_manage_resources_others_cannot(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    actor = await owner(admin, "A Ciel Ouvert")
    other = await owner(admin, "Kimiyo")
    async with member_of(uuid.UUID(actor["id"])) as member:
        created = await member.post("/v1/resources", json=exhibition(actor["id"]))
        assert created.status_code == 201, created.text
        assert (await member.post("/v1/resources", json=exhibition(other["id"]))).status_code == 403
        url = f"/v1/resources/{created.json()['id']}"
        changed = await member.patch(
            url, json={"loan": {"available": False}}, headers={"If-Match": '"1"'}
        )
        assert changed.status_code == 200
        assert changed.json()["loan"]["available"] is False
        assert (
            await member.patch(url, json={"title": "x"}, headers={"If-Match": '"1"'})
        ).status_code == 412
    assert (await anonymous.get(url)).json()["title"] == "Les étoiles, une histoire"
    assert (await anonymous.post("/v1/resources", json=exhibition(actor["id"]))).status_code == 401
    missing = await admin.post("/v1/resources", json=exhibition(str(uuid.uuid4())))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "owner_id"


async def test_search_filters_and_guide(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tag = "res" + uuid.uuid4().hex[:6]
    actor = await owner(admin, f"Planète Sciences {tag}")
    await admin.post("/v1/resources", json=exhibition(actor["id"], title=f"Étoiles filantes {tag}"))
    await admin.post(
        "/v1/resources",
        json=exhibition(
            actor["id"], title=f"Mallette chimie {tag}", kind="kit", themes=["chemistry"]
        ),
    )
    await admin.post(
        "/v1/resources",
        json=exhibition(
            actor["id"], title=f"Océans {tag}", themes=["sea_coast"], loan={"available": False}
        ),
    )
    found = (await anonymous.get(f"/v1/resources?q=etoile {tag}")).json()["items"]
    assert [r["title"] for r in found] == [f"Étoiles filantes {tag}"]
    assert found[0]["owner_name"] == f"Planète Sciences {tag}"
    mine = (await anonymous.get(f"/v1/resources?owner_id={actor['id']}&available=true")).json()[
        "items"
    ]
    assert sorted(r["title"] for r in mine) == [f"Mallette chimie {tag}", f"Étoiles filantes {tag}"]
    chemistry = (
        await anonymous.get(f"/v1/resources?owner_id={actor['id']}&theme=chemistry")
    ).json()
    assert [r["kind"] for r in chemistry["items"]] == ["kit"]
    page = await anonymous.get("/v1/resources/guide?format=html")
    assert page.headers["content-type"].startswith("text/html")
    assert f"Étoiles filantes {tag}" in page.text
    assert f"Mallette chimie {tag}" not in page.text
    csv = (await anonymous.get("/v1/resources/guide?format=csv&available=true")).content.decode(
        "utf-8-sig"
    )
    assert f"Étoiles filantes {tag}" in csv
    assert f"Océans {tag}" not in csv
