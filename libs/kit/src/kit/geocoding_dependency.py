"""The route dependency that geocodes the place a write names, before its transaction opens
(check outside, write inside): see :mod:`kit.geocoding`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request

from kit.geocoding import AddressQuery, BanGeocoder, GeoPoint


def place_geocoded(key: str) -> Callable[[Request], Awaitable[GeoPoint | None]]:
    """A dependency giving the BAN's point for the body's ``key`` place (``address``,
    ``location``) when geocoding is on and that place has a street and no coordinates;
    None otherwise (the place then keeps its commune's centre). Reads the body FastAPI has
    already read; a malformed one is left to validation."""

    async def geocoded(request: Request) -> GeoPoint | None:
        geocoder: BanGeocoder | None = getattr(request.app.state, "geocoder", None)
        if geocoder is None:
            return None
        try:
            body = await request.json()
        except ValueError:
            return None
        query = AddressQuery.of(body.get(key) if isinstance(body, dict) else None)
        return await geocoder.geocode(query) if query is not None else None

    return geocoded
