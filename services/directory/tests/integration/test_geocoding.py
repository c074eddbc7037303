"""BAN geocoding, turned on: an actor written with a street and no coordinates is placed at
its address, with the precision of the result; a failing address base leaves it at its
commune's centre without failing the write; an import asks the batch endpoint once per
batch. The address base is a local fake on a free port, so the real httpx client runs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from directory.imports.service import import_service
from kit.geocoding import BanGeocoder
from kit.testing.apps import served
from kit.testing.fake_ban import BanAnswer, FakeBan

from .test_imports import submit

TOULOUSE = "31555"
#: Toulouse's centre in the shipped geographic code.
TOWN_HALL = (43.60405, 1.44305)


@pytest.fixture(scope="module")
async def ban_url() -> AsyncIterator[tuple[FakeBan, str]]:
    fake = FakeBan()
    async with served(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def ban(
    ban_url: tuple[FakeBan, str], directory_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeBan]:
    """Geocoding turned on for this test (as MAILLAGE_GEOCODING_BAN=true would)."""
    fake, url = ban_url
    fake.answers = {
        "35 allées jules guesde": BanAnswer(43.594, 1.4491, "housenumber", TOULOUSE),
        "rue de metz": BanAnswer(43.6005, 1.4442, "street", TOULOUSE),
    }
    fake.down = False
    fake.calls.clear()
    geocoder = BanGeocoder(url, timeout_seconds=5)
    directory_app.state.geocoder = geocoder
    monkeypatch.setattr(import_service, "geocoder", geocoder)
    try:
        yield fake
    finally:
        directory_app.state.geocoder = None


def museum(tag: str, street: str, **address: Any) -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": f"Muséum {tag}",
        "address": {
            "street": street,
            "postcode": "31000",
            "city": "Toulouse",
            "commune_insee": TOULOUSE,
            **address,
        },
    }


@pytest.mark.parametrize(
    ("street", "precision", "point"),
    [
        ("35 allées Jules Guesde", "address", (43.594, 1.4491)),
        ("Rue de Metz", "street", (43.6005, 1.4442)),
        ("Chemin que personne ne connaît", "commune", None),
    ],
)
async def test_a_street_address_is_placed_with_the_precision_of_the_result(
    admin: httpx.AsyncClient,
    ban: FakeBan,
    street: str,
    precision: str,
    point: tuple[float, float] | None,
) -> None:
    created = await admin.post("/v1/actors", json=museum(uuid.uuid4().hex[:8], street))
    assert created.status_code == 201, created.text
    address = created.json()["address"]
    assert address["geo_precision"] == precision
    assert (address["lat"], address["lon"]) == (point or TOWN_HALL)
    assert ban.calls[-1][0] == "/search/"


async def test_coordinates_given_are_kept_and_the_base_is_not_asked(
    admin: httpx.AsyncClient, ban: FakeBan
) -> None:
    body = museum(uuid.uuid4().hex[:8], "35 allées Jules Guesde", lat=43.5, lon=1.5)
    created = await admin.post("/v1/actors", json=body)
    assert created.json()["address"]["geo_precision"] == "address"
    assert (created.json()["address"]["lat"], created.json()["address"]["lon"]) == (43.5, 1.5)
    assert ban.calls == []


async def test_an_address_base_down_leaves_the_commune_centre_and_the_write_goes_on(
    admin: httpx.AsyncClient, ban: FakeBan
) -> None:
    ban.down = True
    created = await admin.post(
        "/v1/actors", json=museum(uuid.uuid4().hex[:8], "35 allées Jules Guesde")
    )
    assert created.status_code == 201, created.text
    assert created.json()["address"]["geo_precision"] == "commune"
    assert (created.json()["address"]["lat"], created.json()["address"]["lon"]) == TOWN_HALL


async def test_a_change_of_address_is_geocoded_too(admin: httpx.AsyncClient, ban: FakeBan) -> None:
    created = await admin.post("/v1/actors", json={"kind": "organisation", "name": "Sans rue"})
    changed = await admin.patch(
        f"/v1/actors/{created.json()['id']}",
        json=museum("x", "Rue de Metz") | {"name": "Sans rue"},
        headers={"If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["address"]["geo_precision"] == "street"


async def test_an_import_asks_the_batch_endpoint_once_per_batch(
    admin: httpx.AsyncClient, ban: FakeBan
) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = [
        "Nom;Adresse;Code postal;Ville;Code INSEE",
        f"Muséum {tag};35 allées Jules Guesde;31000;Toulouse;{TOULOUSE}",
        f"Atelier {tag};Rue de Metz;31000;Toulouse;{TOULOUSE}",
        f"Inconnu {tag};Impasse perdue;31000;Toulouse;{TOULOUSE}",
    ]
    report = await submit(admin, ("\n".join(rows) + "\n").encode(), dry_run="false")
    assert (report["created_count"], report["failed_count"]) == (3, 0), report["errors"]
    assert ban.calls == [("/search/csv/", 3)]
    found = (await admin.get("/v1/actors", params={"q": tag, "limit": 10})).json()["items"]
    precision = {a["name"].split()[0]: a["address"]["geo_precision"] for a in found}
    assert precision == {"Muséum": "address", "Atelier": "street", "Inconnu": "commune"}
