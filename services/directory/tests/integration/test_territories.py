"""Communes of the official geographic code, for address forms and map pickers."""

from __future__ import annotations

import httpx


async def test_communes_by_name_whole_name_first_then_the_most_populated(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get("/v1/territories/communes", params={"q": "toulouse"})

    assert response.status_code == 200
    first = response.json()["items"][0]
    assert first == {
        "code": "31555",
        "name": "Toulouse",
        "postcodes": ["31000", "31100", "31200", "31300", "31400", "31500"],
        "department": "31",
        "region": "76",
        "centre": {"lat": 43.60405, "lon": 1.44305},
        "population": first["population"],
    }
    names = [c["name"] for c in response.json()["items"]]
    assert "Toulouse-le-Château" in names
    assert "Vieille-Toulouse" in names


async def test_accents_case_hyphens_and_saint_abbreviations_are_ignored(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get("/v1/territories/communes", params={"q": "st etienne"})
    assert response.json()["items"][0]["name"] == "Saint-Étienne"
    response = await anonymous.get("/v1/territories/communes", params={"q": "MUSÉUM"})
    assert response.json()["items"] == []


async def test_communes_by_postcode_or_its_start(anonymous: httpx.AsyncClient) -> None:
    whole = await anonymous.get("/v1/territories/communes", params={"q": "32500", "limit": 100})
    names = {c["name"] for c in whole.json()["items"]}
    assert "Fleurance" in names
    assert all("32500" in c["postcodes"] for c in whole.json()["items"])
    start = await anonymous.get("/v1/territories/communes", params={"q": "3250", "limit": 3})
    assert len(start.json()["items"]) == 3


async def test_a_commune_by_code_or_a_404(anonymous: httpx.AsyncClient) -> None:
    found = await anonymous.get("/v1/territories/communes/2B096")
    assert found.status_code == 200
    assert found.json()["department"] == "2B"
    missing = await anonymous.get("/v1/territories/communes/99999")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/commune-not-found")


async def test_a_query_is_required_and_bounded(anonymous: httpx.AsyncClient) -> None:
    for params in ({}, {"q": "a", "limit": 101}, {"q": "a", "where": "x"}):
        response = await anonymous.get("/v1/territories/communes", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_vocabularies_name_the_departments_and_regions(
    anonymous: httpx.AsyncClient,
) -> None:
    vocabularies = (await anonymous.get("/v1/vocabularies")).json()

    departments = {t["code"]: t["label"]["fr"] for t in vocabularies["department"]}
    regions = {t["code"]: t["label"]["fr"] for t in vocabularies["region"]}
    assert departments["2A"] == "Corse-du-Sud"
    assert departments["46"] == "Lot"
    assert len(departments) == 101
    assert regions["76"] == "Occitanie"
