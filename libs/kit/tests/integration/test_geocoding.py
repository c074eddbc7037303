"""kit.geocoding's real httpx client against a local fake of the BAN answering in its
documented format, on a free port: precision from the result type, failures as no result."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kit.geocoding import AddressQuery, BanGeocoder, GeoPoint
from kit.testing.apps import served
from kit.testing.fake_ban import BanAnswer, FakeBan

TOULOUSE = "31555"


@pytest.fixture
async def ban() -> AsyncIterator[tuple[FakeBan, BanGeocoder]]:
    fake = FakeBan(
        answers={
            "35 allées jules guesde": BanAnswer(43.594, 1.4491, "housenumber", TOULOUSE),
            "rue de metz": BanAnswer(43.6005, 1.4442, "street", TOULOUSE),
            "lieu-dit les granges": BanAnswer(43.61, 1.45, "locality", TOULOUSE),
            "quelque part": BanAnswer(43.6045, 1.4440, "municipality", TOULOUSE),
            "rue douteuse": BanAnswer(43.6, 1.44, "housenumber", TOULOUSE, score=0.3),
            "rue de paris": BanAnswer(48.85, 2.35, "street", "75056"),
        }
    )
    async with served(fake.app()) as url:
        yield fake, BanGeocoder(url, timeout_seconds=5)


def query(street: str, commune: str | None = TOULOUSE) -> AddressQuery:
    return AddressQuery(street=street, postcode="31000", city="Toulouse", commune_insee=commune)


@pytest.mark.parametrize(
    ("street", "precision"),
    [
        ("35 allées Jules Guesde", "address"),
        ("Rue de Metz", "street"),
        ("Lieu-dit les Granges", "street"),
        ("Quelque part", "commune"),
    ],
)
async def test_the_precision_follows_the_result_type(
    ban: tuple[FakeBan, BanGeocoder], street: str, precision: str
) -> None:
    _, geocoder = ban
    point = await geocoder.geocode(query(street))
    assert point is not None
    assert point.precision == precision
    assert point.citycode == TOULOUSE


async def test_one_address_reads_lon_lat_in_geojson_order(
    ban: tuple[FakeBan, BanGeocoder],
) -> None:
    _, geocoder = ban
    assert await geocoder.geocode(query("35 allées Jules Guesde")) == GeoPoint(
        43.594, 1.4491, "address", TOULOUSE
    )


async def test_no_match_a_weak_one_or_another_commune_is_no_result(
    ban: tuple[FakeBan, BanGeocoder],
) -> None:
    fake, geocoder = ban
    assert await geocoder.geocode(query("Chemin inconnu")) is None
    assert await geocoder.geocode(query("Rue douteuse")) is None  # score 0.3
    # Asked within Toulouse, the fake (like the BAN's citycode filter) finds nothing.
    assert await geocoder.geocode(query("Rue de Paris")) is None
    assert ("/search/", "Rue de Paris 31000 Toulouse") in fake.calls


async def test_an_address_base_that_is_down_is_no_result(
    ban: tuple[FakeBan, BanGeocoder],
) -> None:
    fake, geocoder = ban
    fake.down = True
    assert await geocoder.geocode(query("35 allées Jules Guesde")) is None
    assert await geocoder.geocode_many([query("35 allées Jules Guesde")]) == [None]
    unreachable = BanGeocoder("http://127.0.0.1:9", timeout_seconds=1)
    assert await unreachable.geocode(query("35 allées Jules Guesde")) is None


async def test_the_batch_endpoint_answers_each_row_in_order(
    ban: tuple[FakeBan, BanGeocoder],
) -> None:
    fake, geocoder = ban
    points = await geocoder.geocode_many(
        [query("Rue de Metz"), query("Chemin inconnu"), query("35 allées Jules Guesde")]
    )
    assert [p.precision if p else None for p in points] == ["street", None, "address"]
    assert fake.calls == [("/search/csv/", 3)]  # one call for the whole batch


def test_a_place_with_its_own_coordinates_or_no_street_is_not_asked() -> None:
    assert AddressQuery.of({"street": "1 rue A", "lat": 1.0, "lon": 2.0}) is None
    assert AddressQuery.of({"city": "Toulouse"}) is None
    asked = AddressQuery.of({"street": " 1 rue A ", "commune_insee": TOULOUSE})
    assert asked == AddressQuery(street="1 rue A", commune_insee=TOULOUSE)
