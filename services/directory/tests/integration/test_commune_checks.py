"""A commune code written to the directory must exist in the shipped official geographic
code, and a postcode must be one of that commune's: a 422 naming the field, for the API and
for each import row (its line and column)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .test_imports import submit

PROBLEM = "application/problem+json"


def actor(tag: str, **address: Any) -> dict[str, Any]:
    return {"kind": "organisation", "name": f"Lieu {tag}", "address": address}


@pytest.mark.parametrize(
    ("address", "field", "words"),
    [
        ({"commune_insee": "31999", "city": "Nulle part"}, "address.commune_insee", "31999"),
        (
            {"commune_insee": "31555", "postcode": "75001", "city": "Toulouse"},
            "address.postcode",
            "31000",
        ),
    ],
)
async def test_an_unknown_commune_or_a_foreign_postcode_is_422_naming_the_field(
    admin: httpx.AsyncClient, address: dict[str, Any], field: str, words: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    response = await admin.post("/v1/actors", json=actor(tag, **address))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert not (await admin.get("/v1/actors", params={"q": tag})).json()["items"]


async def test_a_commune_with_one_of_its_postcodes_is_accepted_and_a_change_is_checked(
    admin: httpx.AsyncClient,
) -> None:
    tag = uuid.uuid4().hex[:8]
    # Toulouse has several postcodes; 31500 is one of them.
    created = await admin.post(
        "/v1/actors", json=actor(tag, commune_insee="31555", postcode="31500", city="Toulouse")
    )
    assert created.status_code == 201, created.text
    assert created.json()["address"]["postcode"] == "31500"
    changed = await admin.patch(
        f"/v1/actors/{created.json()['id']}",
        json={"address": {"commune_insee": "31555", "postcode": "34000"}},
        headers={"If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["errors"][0]["field"] == "address.postcode"


async def test_import_rows_name_their_line_and_column(admin: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = [
        "Nom;Code INSEE;Code postal",
        f"Bon {tag};34172;34000",
        f"Commune inconnue {tag};34999;34000",
        f"Code postal d'ailleurs {tag};34172;31000",
    ]
    report = await submit(admin, ("\n".join(rows) + "\n").encode())
    assert (report["created_count"], report["failed_count"]) == (1, 2)
    assert {(e["line"], e["field"]) for e in report["errors"]} == {
        (3, "commune_insee"),
        (4, "postcode"),
    }
