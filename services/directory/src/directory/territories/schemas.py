"""What ``/v1/territories`` answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from contracts.communes import Commune


class Centre(BaseModel):
    lat: float
    lon: float


class CommuneRead(BaseModel):
    code: str = Field(description="INSEE commune code (Code officiel géographique).")
    name: str
    postcodes: list[str]
    department: str
    region: str
    centre: Centre | None = Field(
        description="The town hall's position (null for the few communes without one)."
    )
    population: int

    @classmethod
    def of(cls, commune: Commune) -> CommuneRead:
        centre = (
            Centre(lat=commune.lat, lon=commune.lon)
            if commune.lat is not None and commune.lon is not None
            else None
        )
        return cls(
            code=commune.code,
            name=commune.name,
            postcodes=list(commune.postcodes),
            department=commune.department,
            region=commune.region,
            centre=centre,
            population=commune.population,
        )


class CommuneList(BaseModel):
    items: list[CommuneRead]
