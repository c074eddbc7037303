"""Address geocoding through the national address base (BAN), an option an operator turns on.

With ``MAILLAGE_GEOCODING_BAN=true``, an actor or an event written with a street address and
no coordinates of its own is placed at that address instead of its commune's centre:

- one address: ``GET {MAILLAGE_GEOCODING_BAN_URL}/search/?q=…&limit=1`` (filtered by
  ``citycode`` when the commune code is known, else by ``postcode``), whose answer is a
  GeoJSON ``FeatureCollection`` (GeocodeJSON): the first feature's
  ``geometry.coordinates`` are ``[lon, lat]``, its ``properties`` carry ``type``
  (``housenumber``, ``street``, ``locality``, ``municipality``), ``score`` (0 to 1) and
  ``citycode``;
- many addresses (an import's batch): ``POST {…}/search/csv/``, ``multipart/form-data`` with
  the CSV file in ``data``, each column to read in a ``columns`` field and ``citycode`` /
  ``postcode`` naming the columns that filter each row; the answer is the same CSV with
  ``latitude``, ``longitude``, ``result_score``, ``result_type``, ``result_citycode``… added.

The precision (``geo_precision``) follows the result's type: ``address`` for a house number,
``street`` for a street or a locality, ``commune`` for the commune alone. A result below
``min_score``, outside the commune asked for, a timeout, a refusal or an answer that does not
parse is no result: the place keeps its commune's centre, and the write goes on. Geocoding
is slow (a network call), so callers do it before their write transaction opens (check
outside, write inside) and hand the point to the write.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

#: The BAN result type → how precise the place is.
PRECISION_OF_TYPE: dict[str, str] = {
    "housenumber": "address",
    "street": "street",
    "locality": "street",
    "municipality": "commune",
}


@dataclass(frozen=True)
class AddressQuery:
    """What is known of a place to geocode."""

    street: str
    postcode: str | None = None
    city: str | None = None
    commune_insee: str | None = None

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.street, self.postcode, self.city) if p)

    @classmethod
    def of(cls, place: Mapping[str, Any] | None) -> AddressQuery | None:
        """The query for a place written as JSON (an actor's ``address``, an event's
        ``location``): one with a street and no coordinates of its own, else None."""
        if not isinstance(place, Mapping):
            return None
        street = place.get("street")
        if not isinstance(street, str) or not street.strip():
            return None
        if place.get("lat") is not None or place.get("lon") is not None:
            return None

        def text(key: str) -> str | None:
            value = place.get(key)
            return value.strip() if isinstance(value, str) and value.strip() else None

        return cls(
            street=street.strip(),
            postcode=text("postcode"),
            city=text("city"),
            commune_insee=text("commune_insee"),
        )


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float
    #: ``address``, ``street`` or ``commune``.
    precision: str
    citycode: str | None = None


class BanGeocoder:
    """The BAN's search endpoints, through one httpx client per call."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 5.0,
        batch_timeout_seconds: float = 60.0,
        min_score: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.batch_timeout_seconds = batch_timeout_seconds
        self.min_score = min_score
        self._transport = transport

    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=self._transport)

    async def geocode(self, query: AddressQuery) -> GeoPoint | None:
        """One address; None when the BAN gives no usable result or cannot be reached."""
        params = {"q": query.text, "limit": "1"}
        if query.commune_insee:
            params["citycode"] = query.commune_insee
        elif query.postcode:
            params["postcode"] = query.postcode
        try:
            async with self._client(self.timeout_seconds) as client:
                response = await client.get("/search/", params=params)
                response.raise_for_status()
                features = response.json().get("features") or []
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            logger.warning("BAN geocoding of %r failed: %s", query.text, exc or type(exc))
            return None
        if not features:
            return None
        try:
            feature = features[0]
            lon, lat = feature["geometry"]["coordinates"][:2]
            properties = feature.get("properties") or {}
            return self._point(
                query,
                lat=float(lat),
                lon=float(lon),
                kind=str(properties.get("type") or ""),
                score=float(properties.get("score") or 0),
                citycode=properties.get("citycode"),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            logger.warning("BAN answer for %r does not parse: %s", query.text, exc)
            return None

    async def geocode_many(self, queries: Sequence[AddressQuery]) -> list[GeoPoint | None]:
        """Many addresses in one call of the batch endpoint, in order; all None when it
        fails."""
        if not queries:
            return []
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["ref", "street", "postcode", "city", "citycode"])
        for index, query in enumerate(queries):
            writer.writerow(
                [
                    index,
                    query.street,
                    query.postcode or "",
                    query.city or "",
                    query.commune_insee or "",
                ]
            )
        form = {"columns": ["street", "postcode", "city"], "citycode": "citycode"}
        files = {"data": ("addresses.csv", buffer.getvalue().encode("utf-8"), "text/csv")}
        found: list[GeoPoint | None] = [None] * len(queries)
        try:
            async with self._client(self.batch_timeout_seconds) as client:
                response = await client.post("/search/csv/", data=form, files=files)
                response.raise_for_status()
                text = response.content.decode("utf-8-sig")
        except (httpx.HTTPError, UnicodeDecodeError) as exc:
            logger.warning("BAN batch geocoding of %d addresses failed: %s", len(queries), exc)
            return found
        for row in csv.DictReader(io.StringIO(text)):
            try:
                index = int(row.get("ref") or "")
                query = queries[index]
                if not row.get("latitude") or not row.get("longitude"):
                    continue
                found[index] = self._point(
                    query,
                    lat=float(row["latitude"]),
                    lon=float(row["longitude"]),
                    kind=row.get("result_type") or "",
                    score=float(row.get("result_score") or 0),
                    citycode=row.get("result_citycode") or None,
                )
            except (ValueError, IndexError, KeyError):
                continue
        return found

    def _point(
        self,
        query: AddressQuery,
        *,
        lat: float,
        lon: float,
        kind: str,
        score: float,
        citycode: Any,
    ) -> GeoPoint | None:
        precision = PRECISION_OF_TYPE.get(kind)
        if precision is None or score < self.min_score:
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        city = str(citycode) if citycode else None
        if query.commune_insee and city and city != query.commune_insee:
            return None  # another commune than the one written: keep the commune's centre
        return GeoPoint(lat=lat, lon=lon, precision=precision, citycode=city)


def geocoder_from(settings: Any) -> BanGeocoder | None:
    """The geocoder the operator turned on (``kit.settings.CommonSettings``), or None."""
    if not getattr(settings, "geocoding_ban", False):
        return None
    return BanGeocoder(
        settings.geocoding_ban_url,
        timeout_seconds=settings.geocoding_timeout_seconds,
        min_score=settings.geocoding_min_score,
    )
