"""What the theme mapping API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabularies import Theme

Terms = Annotated[list[Annotated[str, Field(min_length=2, max_length=200)]], Field(max_length=100)]


class ThemeMappingUpdate(BaseModel):
    """The terms that give a call this theme (each list replaced whole)."""

    model_config = ConfigDict(extra="forbid")

    keywords: Terms = Field(description="Matched against the call's keywords.")
    priorities: Terms = Field(description="Matched against its cross-cutting priorities.")
    programme_parts: Terms = Field(description="Matched against its programme and its parts.")


class ThemeMappingRead(BaseModel):
    theme: Theme
    keywords: list[str]
    priorities: list[str]
    programme_parts: list[str]
    updated_at: datetime
    version: int
    calls: int | None = Field(
        default=None, description="On a change: how many calls' themes it changed."
    )
