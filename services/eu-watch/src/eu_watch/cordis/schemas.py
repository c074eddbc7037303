"""What the CORDIS import reports."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CordisReport(BaseModel):
    participants: int = Field(description="Rows of organization.csv read.")
    matched: int = Field(description="Of them, recognised as one of the network's actors.")
    by_pic: int
    by_name_and_city: int
    actors: int = Field(description="Actors with at least one EU project.")
    projects: int = Field(description="Distinct projects they took part in.")
