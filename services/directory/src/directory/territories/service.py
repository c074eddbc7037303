"""The communes of the shipped geographic code (``contracts.communes``): the lookups behind
``/v1/territories``. Reference data read from the package, no database."""

from __future__ import annotations

from contracts.communes import Commune, commune, search_communes
from directory.territories.errors import CommuneNotFound


class TerritoryService:
    def find_communes(self, query: str, *, limit: int) -> list[Commune]:
        """Communes whose name or postcode starts like ``query``, best first."""
        return search_communes(query, limit=limit)

    def get_commune(self, code: str) -> Commune:
        """The commune with this INSEE code, or :class:`CommuneNotFound`."""
        found = commune(code)
        if found is None:
            raise CommuneNotFound(f"No commune has the INSEE code {code} in the geographic code.")
        return found


territory_service = TerritoryService()
