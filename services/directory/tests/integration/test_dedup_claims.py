"""Duplicates, merges and claims of shadow records, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

PROBLEM = "application/problem+json"


async def add(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await admin.post("/v1/actors", json={"kind": "organisation", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def random_siret() -> str:
    """A SIRET no other test uses, with a valid Luhn checksum."""
    body = [int(c) for c in f"{uuid.uuid4().int % 10**13:013d}"]
    for check in range(10):
        digits = [*body, check]
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return "".join(map(str, digits))
    raise AssertionError("unreachable")


async def test_duplicates_are_found_with_score_and_reasons(admin: httpx.AsyncClient) -> None:
    commune = "09122"  # Foix
    siret = random_siret()
    site = f"planete-sciences-{uuid.uuid4().hex[:6]}.fr"
    original = await add(
        admin,
        name="Association Planète Sciences Ariège",
        siret=siret,
        website=f"https://www.{site}",
        address={"commune_insee": commune},
    )
    same_siret = await add(admin, name="PSA", siret=siret)
    same_site = await add(admin, name="Antenne", website=f"https://{site}/x")
    similar = await add(admin, name="Planète Sciences Ariege", address={"commune_insee": commune})
    unrelated = await add(admin, name="Médiathèque de Foix", address={"commune_insee": commune})
    found = (await admin.get(f"/v1/actors/{original['id']}/duplicates")).json()
    by_id = {d["actor"]["id"]: d for d in found}
    assert set(by_id) == {same_siret["id"], same_site["id"], similar["id"]}
    assert unrelated["id"] not in by_id
    assert f"same SIRET {siret}" in by_id[same_siret["id"]]["reasons"]
    assert f"same website domain {site}" in by_id[same_site["id"]]["reasons"]
    assert by_id[similar["id"]]["reasons"][0].startswith("similar name in the same commune")
    assert [d["score"] for d in found] == sorted((d["score"] for d in found), reverse=True)


async def test_merge_keeps_richest_data_and_leaves_a_pointer(admin: httpx.AsyncClient) -> None:
    survivor = await add(
        admin, name="Fermat Science", types=["association"], themes=["mathematics"]
    )
    duplicate = await add(
        admin,
        name="Fermat Sciences",
        acronym="FS",
        types=["association", "science_centre"],
        email="contact@fermat-science.fr",
        contacts=[{"name": "Accueil", "email": "accueil@fermat-science.fr", "public": True}],
        ext_ids={"openagenda": "123"},
    )
    merged = await admin.post(
        f"/v1/actors/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers={"If-Match": '"1"'},
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["name"] == "Fermat Science"
    assert body["acronym"] == "FS"
    assert body["email"] == "contact@fermat-science.fr"
    assert body["types"] == ["association", "science_centre"]
    assert body["contacts"][0]["email"] == "accueil@fermat-science.fr"
    assert body["ext_ids"] == {"openagenda": "123"}
    pointer = await admin.get(f"/v1/actors/{duplicate['id']}")
    assert pointer.status_code == 301
    assert pointer.headers["location"] == f"/v1/actors/{survivor['id']}"
    assert pointer.json()["merged_into"] == survivor["id"]
    history = (await admin.get(f"/v1/actors/{survivor['id']}/history")).json()["items"]
    assert history[-1]["action"] == "merged"


async def test_merge_refusals(admin: httpx.AsyncClient) -> None:
    actor = await add(admin, name="Kimiyo")
    itself = await admin.post(f"/v1/actors/{actor['id']}/merge", json={"duplicate_id": actor["id"]})
    assert itself.status_code == 422
    assert itself.headers["content-type"] == PROBLEM
    assert itself.json()["errors"][0]["field"] == "duplicate_id"
    missing = await admin.post(
        f"/v1/actors/{actor['id']}/merge", json={"duplicate_id": str(uuid.uuid4())}
    )
    assert missing.status_code == 404
    other = await add(admin, name="Kimiyo bis")
    stale = await admin.post(
        f"/v1/actors/{actor['id']}/merge",
        json={"duplicate_id": other["id"]},
        headers={"If-Match": '"9"'},
    )
    assert stale.status_code == 412
    assert (await admin.get(f"/v1/actors/{other['id']}")).status_code == 200


async def test_shadow_record_claimed_by_a_member_and_approved(
    admin: httpx.AsyncClient, member_of: Callable[..., httpx.AsyncClient]
) -> None:
    shadow = await add(admin, name="Centre de loisirs de Millau", status="shadow")
    async with member_of() as member:
        claim = await member.post(
            f"/v1/actors/{shadow['id']}/claims", json={"message": "Je suis la directrice."}
        )
        assert claim.status_code == 201, claim.text
        assert (await member.get(f"/v1/actors/{shadow['id']}/claims")).status_code == 403
    claims = (await admin.get(f"/v1/actors/{shadow['id']}/claims")).json()
    assert [c["status"] for c in claims] == ["pending"]
    decided = await admin.post(
        f"/v1/actors/{shadow['id']}/claims/{claim.json()['id']}/decision",
        json={"decision": "approved"},
    )
    assert decided.status_code == 200
    assert decided.json()["decided_by"] == "test-admin"
    assert (await admin.get(f"/v1/actors/{shadow['id']}")).json()["status"] == "active"
    again = await admin.post(
        f"/v1/actors/{shadow['id']}/claims/{claim.json()['id']}/decision",
        json={"decision": "refused"},
    )
    assert again.status_code == 409


async def test_claiming_a_non_shadow_record_is_refused(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    active = await add(admin, name="Quai des Savoirs")
    refused = await admin.post(f"/v1/actors/{active['id']}/claims", json={})
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/not-a-shadow-record")
    assert (await anonymous.post(f"/v1/actors/{active['id']}/claims", json={})).status_code == 401
