"""The actors API on a real database (both backends) with a real NATS server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import nats
import orjson
import pytest
from fastapi import FastAPI
from nats.js.api import DeliverPolicy

from directory.actors.snapshot import republish_all
from kit.testing.nats import NatsServer
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"


def museum_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "organisation",
        "name": "Muséum de Toulouse",
        "acronym": "MHNT",
        "types": ["natural_history_museum", "museum"],
        "circle": 1,
        "themes": ["biology", "earth_sciences"],
        "audiences": ["general_public", "families"],
        "clubs": ["museums"],
        "description": "Muséum d'histoire naturelle de la ville de Toulouse.",
        "address": {
            "street": "35 allées Jules Guesde",
            "postcode": "31000",
            "city": "Toulouse",
            "commune_insee": "31555",
            "lat": 43.5936,
            "lon": 1.4491,
        },
        "website": "https://www.museum.toulouse.fr",
        "email": "museum@toulouse.fr",
        "phone": "05 67 73 84 84",
        "contacts": [
            {"name": "Accueil", "email": "accueil@museum.fr", "public": True},
            {"name": "Directrice", "email": "direction@museum.fr", "role": "direction"},
        ],
        "membership": {"member": True, "since": "2019-01-01", "paid_until": "2026-12-31"},
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/actors", json=museum_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_derives_territory_and_normalises_fields(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/v1/actors", json=museum_body())
    assert response.status_code == 201, response.text
    actor = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/actors/{actor['id']}"
    assert actor["address"]["department"] == "31"
    assert actor["address"]["region"] == "76"
    assert actor["phone"] == "+33567738484"
    assert actor["membership"]["member"] is True
    assert actor["circle_set_by"] == "test-admin"
    fetched = await admin.get(f"/v1/actors/{actor['id']}")
    assert fetched.json() == actor


async def test_anonymous_sees_only_public_fields(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    actor = await create(admin)
    public = (await anonymous.get(f"/v1/actors/{actor['id']}")).json()
    assert "membership" not in public
    assert [c["name"] for c in public["contacts"]] == ["Accueil"]
    assert "direction@museum.fr" not in str(public)


async def test_member_sees_own_private_fields_but_not_others(
    admin: httpx.AsyncClient, member_of: Callable[..., httpx.AsyncClient]
) -> None:
    own = await create(admin, name="Kimiyo")
    other = await create(admin, name="Fermat Science")
    async with member_of(uuid.UUID(own["id"])) as member:
        assert "membership" in (await member.get(f"/v1/actors/{own['id']}")).json()
        assert "membership" not in (await member.get(f"/v1/actors/{other['id']}")).json()
        refused = await member.patch(f"/v1/actors/{other['id']}", json={"description": "x"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        staff_only = await member.patch(f"/v1/actors/{own['id']}", json={"circle": 2})
        assert staff_only.status_code == 403
        assert "circle" in staff_only.json()["detail"]
        ok = await member.patch(f"/v1/actors/{own['id']}", json={"description": "Chimie"})
        assert ok.status_code == 200


async def test_patch_with_etag_and_stale_etag(admin: httpx.AsyncClient) -> None:
    actor = await create(admin)
    url = f"/v1/actors/{actor['id']}"
    renamed = await admin.patch(url, json={"name": "Quai des Savoirs"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["etag"] == '"2"'
    assert renamed.json()["name"] == "Quai des Savoirs"
    assert renamed.json()["acronym"] == "MHNT"  # untouched fields stay
    stale = await admin.patch(url, json={"name": "Autre"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    assert stale.json()["current_etag"] == '"2"'
    assert (await admin.get(url)).json()["name"] == "Quai des Savoirs"


async def test_delete_leaves_404_and_stale_delete_refused(admin: httpx.AsyncClient) -> None:
    actor = await create(admin)
    url = f"/v1/actors/{actor['id']}"
    assert (await admin.delete(url, headers={"If-Match": '"7"'})).status_code == 412
    assert (await admin.delete(url)).status_code == 204
    gone = await admin.get(url)
    assert gone.status_code == 404
    assert gone.json()["type"].endswith("/actor-not-found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"types": ["spaceship"]}, "types[0]"),
        ({"circle": 4}, "circle"),
        ({"siret": "12345678901234"}, "siret"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"address": {"commune_insee": "34172", "department": "31"}}, "address.department"),
        ({"address": {"department": "34", "region": "11"}}, "address.region"),
        ({"address": {"postcode": "3400"}}, "address.postcode"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    admin: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    name = f"Invalide {uuid.uuid4()}"
    payload = {"kind": "organisation", "name": name, **body}
    response = await admin.post("/v1/actors", json=payload)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_valid_siret_corsica_and_overseas_accepted(admin: httpx.AsyncClient) -> None:
    corsica = await create(
        admin,
        name="Musée de la Corse",
        siret="73282932000074",
        address={"commune_insee": "2B096", "city": "Corte"},
    )
    assert corsica["address"]["department"] == "2B"
    assert corsica["address"]["region"] == "94"
    reunion = await create(admin, name="Sciences Réunion", address={"commune_insee": "97411"})
    assert reunion["address"]["department"] == "974"
    assert reunion["address"]["region"] == "04"


async def test_writes_need_identity_and_staff(
    anonymous: httpx.AsyncClient, member_of: Callable[..., httpx.AsyncClient]
) -> None:
    refused = await anonymous.post("/v1/actors", json=museum_body())
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    async with member_of(uuid.uuid4()) as member:
        assert (await member.post("/v1/actors", json=museum_body())).status_code == 403


async def test_direct_call_without_identity_is_refused(directory_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=directory_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as raw:
        response = await raw.get("/v1/actors")
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert (await raw.get("/healthz")).status_code == 200
        assert (await raw.get("/readyz")).status_code == 200


async def test_list_is_paginated_by_name_with_capped_limit(admin: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"Zz {tag} Écomusée", f"Zz {tag} eau", f"Zz {tag} Étoile", f"Zz {tag} azur"]
    for name in names:
        await create(admin, name=name)
    seen: list[str] = []
    url: str | None = "/v1/actors?limit=2"
    while url:
        page = (await admin.get(url)).json()
        assert len(page["items"]) <= 2
        seen.extend(a["name"] for a in page["items"] if tag in a["name"])
        url = f"/v1/actors?limit=2&after={page['next']}" if page["next"] else None
    assert seen == [f"Zz {tag} azur", f"Zz {tag} eau", f"Zz {tag} Écomusée", f"Zz {tag} Étoile"]
    too_many = await admin.get("/v1/actors?limit=100000")
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0] == {"field": "query.limit", "message": "at most 200"}
    forged = await admin.get("/v1/actors?after=not-a-cursor")
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "query.after"


async def test_changes_are_published_to_jetstream_in_order(
    admin: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    actor = await create(admin, name="Planète Sciences Occitanie")
    url = f"/v1/actors/{actor['id']}"
    await admin.patch(url, json={"name": "Planète Sciences"})
    await admin.delete(url)
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        sub = await js.subscribe("directory.actor.>", ordered_consumer=True)
        seen: list[tuple[str, int]] = []
        while len(seen) < 3:
            message = await sub.next_msg(timeout=5)
            event = orjson.loads(message.data)
            if event["subject"] == actor["id"]:
                assert message.headers is not None
                assert message.headers["Nats-Msg-Id"] == event["id"]
                seen.append((event["type"], event["data"]["version"]))
                if event["type"] != "directory.actor.deleted":
                    # The network's own services need membership to cut and reach audiences;
                    # the gateway strips it before any webhook (gateway tests prove it).
                    assert event["data"]["membership"] == {
                        "member": True,
                        "since": "2019-01-01",
                        "paid_until": "2026-12-31",
                    }
                    assert "Directrice" not in orjson.dumps(event["data"]).decode()
        assert seen == [
            ("directory.actor.created", 1),
            ("directory.actor.updated", 2),
            ("directory.actor.deleted", 3),
        ]
    finally:
        await client.close()


async def test_republish_sends_every_actor_again_for_rebuilding_projections(
    admin: httpx.AsyncClient, directory_app: FastAPI, nats_server: NatsServer
) -> None:
    live = await create(admin, name="Astu'Sciences")
    gone = await create(admin, name="Ancienne structure")
    await admin.delete(f"/v1/actors/{gone['id']}")
    relay = directory_app.state.runtime.relay

    async def flushed() -> bool:
        return bool(await relay.pending_count() == 0)

    await wait_until(flushed, what="earlier events published")
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        sub = await js.subscribe(
            "directory.actor.>", ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
        )
        count = await republish_all(directory_app.state.runtime.database)
        assert count >= 2
        seen: dict[str, str] = {}
        membership: dict[str, Any] = {}
        while live["id"] not in seen or gone["id"] not in seen:
            event = orjson.loads((await sub.next_msg(timeout=10)).data)
            seen[event["subject"]] = event["type"]
            membership[event["subject"]] = event["data"].get("membership")
        assert seen[live["id"]] == "directory.actor.updated"
        assert membership[live["id"]]["member"] is True  # a rebuilt projection knows members
        assert seen[gone["id"]] == "directory.actor.deleted"
    finally:
        await client.close()


async def test_names_are_one_line_and_text_holds_no_control_character(
    admin: httpx.AsyncClient,
) -> None:
    for overrides, field in (
        ({"name": "Muséum\nX-INJECTED"}, "name"),
        ({"acronym": "MHN\u2028T"}, "acronym"),
        ({"description": "Texte\x00nul"}, "description"),
    ):
        response = await admin.post("/v1/actors", json=museum_body(**overrides))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_nul_in_a_query_is_422_naming_the_parameter(admin: httpx.AsyncClient) -> None:
    """PostgreSQL refuses NUL in text: the search failed with a 500."""
    response = await admin.get("/v1/actors", params={"q": "musée\x00"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.q"
