"""``GET /v1/territories/communes``: the communes of the official geographic code the
project ships (contracts.communes), for address forms and map pickers. No database."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from contracts.communes import COG_VINTAGE
from directory.territories.schemas import CommuneList, CommuneRead
from directory.territories.service import territory_service

router = APIRouter(prefix="/v1/territories", tags=["territories"])

_CACHE = "public, max-age=86400"


@router.get(
    "/communes",
    summary="Find communes by name or postcode",
    description=(
        f"From the INSEE Code officiel géographique {COG_VINTAGE} shipped with Maillage. `q` "
        "is a name (accents, case and hyphens ignored: `st etienne` finds Saint-Étienne; the "
        "whole name first, then names starting with it, the most populated first) or the "
        "start of a postcode (`325` lists the communes of 32500…)."
    ),
)
async def list_communes(
    response: Response,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name or postcode.")],
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many (1 to 100).")] = 20,
) -> CommuneList:
    response.headers["Cache-Control"] = _CACHE
    found = territory_service.find_communes(q, limit=limit)
    return CommuneList(items=[CommuneRead.of(c) for c in found])


@router.get("/communes/{code}", summary="A commune by its INSEE code (404 if none has it)")
async def get_commune(
    response: Response,
    code: Annotated[str, Path(pattern=r"^(?:\d{5}|2[AB]\d{3})$")],
) -> CommuneRead:
    found = territory_service.get_commune(code)
    response.headers["Cache-Control"] = _CACHE
    return CommuneRead.of(found)
