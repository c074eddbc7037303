"""What the calls API takes and gives."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from contracts.eu_watch import CallBudget, CallPublic
from contracts.territory import REGION_NAMES
from eu_watch.calls.policies import deadline_moment, in_brussels
from kit import facets
from kit.facets import FacetCount

DeadlineModel = Literal["single-stage", "two-stage", "multiple cut-off", "continuous"]


# Dates a call can have: year 0050 was accepted, then failed the round trip through
# Brussels time when announced (a 500 after the write).
CallDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
CallMoment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 12, 31, tzinfo=UTC)),
]


class Budget(CallBudget):
    model_config = ConfigDict(extra="forbid")

    total_eur: Annotated[float, Field(ge=0)] | None = None
    min_contribution_eur: Annotated[float, Field(ge=0)] | None = None
    max_contribution_eur: Annotated[float, Field(ge=0)] | None = None
    expected_grants: Annotated[int, Field(ge=0)] | None = None

    @field_validator("max_contribution_eur")
    @classmethod
    def _max_between_min_and_total(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return value
        least, total = info.data.get("min_contribution_eur"), info.data.get("total_eur")
        if least is not None and value < least:
            raise ValueError("less than min_contribution_eur")
        if total is not None and value > total:
            raise ValueError("more than total_eur, the topic's whole budget")
        return value


def _known_region(code: str) -> str:
    if code not in REGION_NAMES:
        raise ValueError(f"unknown INSEE region {code!r} (known: {', '.join(REGION_NAMES)})")
    return code


class CallCreate(BaseModel):
    """A call typed by staff: a portal topic, or another funder's call (a Région, a national
    agency, a foundation)."""

    model_config = ConfigDict(extra="forbid")

    identifier: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,119}$")] = Field(
        description="Topic id, e.g. HORIZON-CL2-2025-01-TRANSFO-01, or the funder's own."
    )
    call_identifier: Annotated[str, Field(max_length=120)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=500)]
    call_title: Annotated[str, Field(max_length=500)] | None = None
    funder: Annotated[str, Field(min_length=1, max_length=200)] = "European Commission"
    programme: Annotated[str, Field(max_length=120)] | None = None
    programme_parts: Annotated[
        list[Annotated[str, Field(max_length=300)]], Field(max_length=10)
    ] = []
    type_of_action: Annotated[str, Field(max_length=120)] | None = None
    opening_date: CallDate | None = None
    deadlines: Annotated[list[CallMoment | CallDate], Field(max_length=10)] = Field(
        default=[],
        description="Cut-offs: moments with an offset, or dates (17:00 Brussels time, as the"
        " portal's).",
    )
    deadline_model: DeadlineModel | None = None
    budget: Budget = Budget()
    keywords: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    cross_cutting_priorities: Annotated[
        list[Annotated[str, Field(max_length=200)]], Field(max_length=30)
    ] = []
    description: Annotated[str, Field(max_length=50_000)] | None = None
    url: HttpUrl | None = None
    regions: Annotated[
        list[Annotated[str, Field(pattern=r"^[0-9]{2}$"), AfterValidator(_known_region)]],
        Field(max_length=18),
    ] = Field(default=[], description="INSEE region codes, for a call limited to them.")

    def deadline_moments(self) -> list[datetime]:
        return [as_moment(d) for d in self.deadlines]

    @field_validator("deadlines")
    @classmethod
    def _deadlines_after_opening(
        cls, deadlines: list[datetime | date], info: ValidationInfo
    ) -> list[datetime | date]:
        opening = info.data.get("opening_date")
        if opening and any(as_moment(d).date() < opening for d in deadlines):
            raise ValueError("a deadline is before opening_date")
        return deadlines


def as_moment(deadline: datetime | date) -> datetime:
    return deadline if isinstance(deadline, datetime) else deadline_moment(deadline)


class MatchSummary(BaseModel):
    """How well a call suits the actor asked about (``for_actor``), and why."""

    score: int
    reasons: list[dict[str, Any]]


class CallRead(CallPublic):
    """A call with every field (calls hold no private data)."""

    match: MatchSummary | None = Field(
        default=None, description="With `for_actor` only: the actor's score and its reasons."
    )


@dataclass(frozen=True)
class CallContent:
    """What a source says about a call, normalised: the fields the service writes, whether
    typed by staff or read from the portal."""

    identifier: str
    title: str
    funder: str
    source: str
    call_identifier: str | None = None
    call_title: str | None = None
    programme: str | None = None
    programme_parts: tuple[str, ...] = ()
    type_of_action: str | None = None
    opening_date: date | None = None
    deadlines: tuple[datetime, ...] = ()
    deadline_model: str | None = None
    budget: CallBudget = field(default_factory=CallBudget)
    keywords: tuple[str, ...] = ()
    cross_cutting_priorities: tuple[str, ...] = ()
    description: str | None = None
    url: str | None = None
    regions: tuple[str, ...] = ()

    def column_values(self) -> dict[str, Any]:
        """The values of the ``calls`` columns this content sets."""
        deadlines = in_brussels(self.deadlines)
        return {
            "identifier": self.identifier,
            "call_identifier": self.call_identifier,
            "title": self.title,
            "call_title": self.call_title,
            "funder": self.funder,
            "programme": self.programme,
            "programme_parts": list(self.programme_parts),
            "type_of_action": self.type_of_action,
            "opening_date": self.opening_date,
            "deadlines": [d.isoformat() for d in deadlines],
            "final_deadline": deadlines[-1].astimezone(UTC) if deadlines else None,
            "deadline_model": self.deadline_model,
            "budget": self.budget.model_dump(mode="json"),
            "budget_total_eur": self.budget.total_eur,
            "keywords": list(self.keywords),
            "cross_cutting_priorities": list(self.cross_cutting_priorities),
            "description": self.description,
            "url": self.url,
            "source": self.source,
            "regions": list(self.regions),
        }

    def fingerprint(self) -> str:
        """A hash of the content: equal for a record the source did not change."""
        values = self.column_values()
        values["opening_date"] = self.opening_date.isoformat() if self.opening_date else None
        values["final_deadline"] = None
        return hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()

    @classmethod
    def from_create(cls, data: CallCreate) -> CallContent:
        return cls(
            identifier=data.identifier,
            title=data.title,
            funder=data.funder,
            source="manual",
            call_identifier=data.call_identifier,
            call_title=data.call_title,
            programme=data.programme,
            programme_parts=tuple(data.programme_parts),
            type_of_action=data.type_of_action,
            opening_date=data.opening_date,
            deadlines=tuple(data.deadline_moments()),
            deadline_model=data.deadline_model,
            budget=CallBudget.model_validate(data.budget.model_dump()),
            keywords=tuple(data.keywords),
            cross_cutting_priorities=tuple(data.cross_cutting_priorities),
            description=data.description,
            url=str(data.url) if data.url else None,
            regions=tuple(dict.fromkeys(data.regions)),
        )


class CallTombstone(BaseModel):
    """A call removed since the sync time asked for: drop your copy."""

    id: uuid.UUID
    identifier: str
    deleted: Literal[True] = True
    removed_at: datetime
    updated_at: datetime = Field(description="Same as removed_at: the sync order's key.")
    version: int


class CallListPage(BaseModel):
    """A page of calls; with ``updated_since``, tombstones among them; ``facets`` if asked."""

    items: list[CallRead | CallTombstone]
    next: str | None = None
    facets: dict[str, list[FacetCount]] | None = Field(None, description=facets.DESCRIPTION)
