"""What the resources API takes and gives."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from contracts.directory import Loan, ResourcePublic
from contracts.text import ONE_LINE, TEXT
from contracts.vocabularies import Audience, Theme

ResourceKind = Literal["exhibition", "kit", "equipment", "publication", "other"]


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class LoanIn(Loan):
    model_config = ConfigDict(extra="forbid")

    conditions: Annotated[str, Field(max_length=5000), TEXT] | None = None


class ResourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID
    kind: ResourceKind
    title: Annotated[str, Field(min_length=1, max_length=300), ONE_LINE]
    description: Annotated[str, Field(max_length=20_000), TEXT] | None = None
    themes: Annotated[list[Theme], AfterValidator(_unique)] = []
    audiences: Annotated[list[Audience], AfterValidator(_unique)] = []
    loan: LoanIn = LoanIn()


class ResourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ResourceKind | None = None
    title: Annotated[str, Field(min_length=1, max_length=300), ONE_LINE] | None = None
    description: Annotated[str, Field(max_length=20_000), TEXT] | None = None
    themes: Annotated[list[Theme], AfterValidator(_unique)] | None = None
    audiences: Annotated[list[Audience], AfterValidator(_unique)] | None = None
    loan: LoanIn | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> ResourceUpdate:
        for field in ("kind", "title", "loan"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


ResourceRead = ResourcePublic
