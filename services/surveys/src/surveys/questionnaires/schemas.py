"""What the surveys API takes and gives: the questionnaire definition and the survey record.

The definition (:class:`SurveyDefinition`) is the document that travels: ``GET
/v1/surveys/{id}/definition`` gives it, ``POST /v1/surveys/import`` takes it back, and a
published version freezes it. Everything a question type needs is checked here, on every
write; conditions' references to other questions are checked at publish (``publishing.py``),
since a draft may be written in any order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.text import ONE_LINE, TEXT
from contracts.vocabularies import SurveyStatus
from surveys.questionnaires.conditions import shape_problems

#: Codes are stable identifiers: results, exports and conditions name questions by them.
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, examples=["budget_share"])]
#: The choice code a respondent picks to write their own answer ("other, please specify").
OTHER = "other"
Language = Literal["fr", "en"]
QuestionType = Literal[
    "single_choice",
    "multiple_choice",
    "dropdown",
    "yes_no",
    "short_text",
    "long_text",
    "integer",
    "decimal",
    "percent",
    "date",
    "email",
    "url",
    "scale",
    "matrix",
    "ranking",
    "split",
    "note",
]
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice", "dropdown", "ranking", "split"})
OTHER_TYPES = frozenset({"single_choice", "multiple_choice", "dropdown"})
NUMBER_TYPES = frozenset({"integer", "decimal", "percent"})
TEXT_TYPES = frozenset({"short_text", "long_text"})
#: Longest text accepted when a question sets no ``max_length``.
DEFAULT_MAX_LENGTH = {"short_text": 300, "long_text": 10_000}
#: Scales longer than this are not scales (use a number).
MAX_SCALE_POINTS = 21
#: What a split's shares add up to.
SPLIT_TOTAL = 100


class Label(BaseModel):
    """A text in French (always) and English (optional; French is shown when missing)."""

    model_config = ConfigDict(extra="forbid")

    fr: Annotated[str, Field(min_length=1, max_length=2000), TEXT]
    en: Annotated[str, Field(max_length=2000), TEXT] | None = None


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    label: Label


def _check_condition(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    problems = shape_problems(value)
    if problems:
        raise ValueError("; ".join(f"{p.path or 'show_if'}: {p.message}" for p in problems))
    return value


class Question(BaseModel):
    """One question; the bounds that apply depend on ``type``."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    type: QuestionType
    label: Label
    help: Label | None = None
    required: bool = False
    show_if: dict[str, Any] | None = Field(
        None,
        description='Shown only when it holds: {"q": "kind", "op": "eq", "value": "museum"}.',
    )
    choices: Annotated[list[Choice], Field(max_length=300)] = []
    allow_other: bool = Field(False, description='Adds an "other, please specify" choice.')
    rows: Annotated[list[Choice], Field(max_length=100)] = Field(
        [], description="The rows of a matrix, each answered on the question's scale."
    )
    min_selections: Annotated[int, Field(ge=0)] | None = None
    max_selections: Annotated[int, Field(ge=1)] | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    min: float | None = None
    max: float | None = None
    unit: Annotated[str, Field(max_length=30), ONE_LINE] | None = None
    min_label: Label | None = None
    max_label: Label | None = None
    preset: Literal["nps"] | None = Field(
        None, description="nps: a 0-10 scale read as a Net Promoter Score."
    )

    _condition = field_validator("show_if")(_check_condition)

    @model_validator(mode="after")
    def _bounds_fit_type(self) -> Question:
        self._check_choices()
        self._check_rows_and_selections()
        self._check_options()
        if self.type in ("scale", "matrix"):
            self._check_scale()
        else:
            self._check_numbers()
        return self

    def _check_choices(self) -> None:
        kind = self.type
        if kind in CHOICE_TYPES and not self.choices:
            raise ValueError(f"a {kind} question needs choices")
        if kind not in CHOICE_TYPES and self.choices:
            raise ValueError(f"a {kind} question takes no choices")
        codes = [c.code for c in self.choices]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"choice codes must be unique in a question: {', '.join(duplicates)}")
        if self.allow_other and kind not in OTHER_TYPES:
            raise ValueError(f"a {kind} question cannot allow 'other'")
        if self.allow_other and OTHER in codes:
            raise ValueError(f"choice code '{OTHER}' is reserved when allow_other is set")

    def _check_rows_and_selections(self) -> None:
        kind = self.type
        row_codes = [r.code for r in self.rows]
        if kind == "matrix" and not self.rows:
            raise ValueError("a matrix question needs rows")
        if kind != "matrix" and self.rows:
            raise ValueError(f"a {kind} question takes no rows")
        if len(set(row_codes)) != len(row_codes):
            raise ValueError("row codes must be unique in a question")
        low, high = self.min_selections, self.max_selections
        if kind not in ("multiple_choice", "ranking") and (low is not None or high is not None):
            raise ValueError("min_selections and max_selections are for multiple_choice, ranking")
        options = len(self.choices) + (1 if self.allow_other else 0)
        if low is not None and low > options:
            raise ValueError("min_selections is more than the choices")
        if low is not None and high is not None and low > high:
            raise ValueError("min_selections is more than max_selections")

    def _check_options(self) -> None:
        kind = self.type
        if self.max_length is not None and kind not in TEXT_TYPES:
            raise ValueError("max_length is for short_text and long_text")
        if self.unit is not None and kind not in ("integer", "decimal"):
            raise ValueError("unit is for integer and decimal")
        if self.preset is not None and kind != "scale":
            raise ValueError("preset is for scale")
        if (self.min_label or self.max_label) and kind not in ("scale", "matrix"):
            raise ValueError("min_label and max_label are for scale and matrix")

    def _check_scale(self) -> None:
        kind = self.type
        if self.preset == "nps":
            if (self.min, self.max) not in ((None, None), (0, 10)):
                raise ValueError("an nps scale runs from 0 to 10")
            self.min, self.max = 0, 10
        if self.min is None or self.max is None:
            raise ValueError(f"a {kind} question needs min and max")
        if self.min != int(self.min) or self.max != int(self.max):
            raise ValueError(f"the points of a {kind} are whole numbers")
        if not 2 <= self.max - self.min + 1 <= MAX_SCALE_POINTS:
            raise ValueError(f"a {kind} has 2 to {MAX_SCALE_POINTS} points")
        self.min, self.max = int(self.min), int(self.max)

    def _check_numbers(self) -> None:
        kind = self.type
        if kind == "percent":
            low = 0 if self.min is None else self.min
            high = 100 if self.max is None else self.max
            if not 0 <= low < high <= 100:
                raise ValueError("a percent's bounds lie within 0..100")
        elif kind not in ("integer", "decimal") and (self.min is not None or self.max is not None):
            raise ValueError("min and max are for numbers, percents, scales and matrices")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("max must be more than min")
        bounds = (self.min, self.max)
        if kind == "integer" and any(b is not None and b != int(b) for b in bounds):
            raise ValueError("an integer question's bounds are whole numbers")


class Section(BaseModel):
    """A page of the form."""

    model_config = ConfigDict(extra="forbid")

    code: Code | None = None
    title: Label
    description: Label | None = None
    show_if: dict[str, Any] | None = None
    questions: Annotated[list[Question], Field(max_length=300)] = []

    _condition = field_validator("show_if")(_check_condition)


def _unique_codes(sections: list[Section]) -> list[Section]:
    codes = [q.code for s in sections for q in s.questions]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"question codes must be unique in the survey: {', '.join(duplicates)}")
    section_codes = [s.code for s in sections if s.code]
    if len(set(section_codes)) != len(section_codes):
        raise ValueError("section codes must be unique in the survey")
    return sections


Sections = Annotated[list[Section], Field(max_length=100)]


class SurveyDefinition(BaseModel):
    """The questionnaire itself, as exported and imported."""

    model_config = ConfigDict(extra="forbid")

    title: Label
    description: Label | None = None
    series: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")] | None = Field(
        None, description="Groups the waves of one survey, e.g. enquete-acteurs."
    )
    languages: Annotated[list[Language], Field(min_length=1, max_length=2)] = ["fr"]
    anonymous: bool = False
    allow_edit_after_submit: bool = False
    sections: Sections = []

    _codes = field_validator("sections")(_unique_codes)

    @field_validator("languages")
    @classmethod
    def _french_first(cls, value: list[str]) -> list[str]:
        if "fr" not in value or len(set(value)) != len(value):
            raise ValueError("French, once, and optionally English")
        return value


class SurveySettings(BaseModel):
    """What is not part of the questionnaire: dates, reminders, the public link."""

    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    remind_after_days: Annotated[int, Field(ge=1, le=365)] | None = None
    public_link: bool = Field(False, description="Whether anyone may answer through a public link.")


class SurveyCreate(SurveyDefinition, SurveySettings):
    model_config = ConfigDict(extra="forbid")

    @field_validator("closes_at")
    @classmethod
    def _dates_in_order(cls, closes_at: datetime | None, info: ValidationInfo) -> datetime | None:
        # On closes_at, so that the 422 names the field (opens_at, declared first, is read).
        opens_at = info.data.get("opens_at")
        if opens_at and closes_at and opens_at >= closes_at:
            raise ValueError("closes_at must be after opens_at")
        return closes_at


class SurveyUpdate(BaseModel):
    """A PATCH: only the fields given change. On a published survey only the settings
    (dates, reminders, public link) may change; the questionnaire needs a new version."""

    model_config = ConfigDict(extra="forbid")

    title: Label | None = None
    description: Label | None = None
    series: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")] | None = None
    languages: Annotated[list[Language], Field(min_length=1, max_length=2)] | None = None
    anonymous: bool | None = None
    allow_edit_after_submit: bool | None = None
    sections: Sections | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    remind_after_days: Annotated[int, Field(ge=1, le=365)] | None = None
    public_link: bool | None = None

    _codes = field_validator("sections")(lambda v: None if v is None else _unique_codes(v))

    @model_validator(mode="after")
    def _required_stay_set(self) -> SurveyUpdate:
        for field in ("title", "languages", "anonymous", "allow_edit_after_submit", "sections"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


#: Fields of :class:`SurveyUpdate` that belong to the questionnaire (frozen once published).
DEFINITION_FIELDS = frozenset(SurveyDefinition.model_fields)


class SurveyRead(SurveyDefinition):
    id: uuid.UUID
    status: SurveyStatus
    version: int | None = Field(
        description="Number of the published version respondents answer (null while draft)."
    )
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    remind_after_days: int | None = None
    public_link: bool = False
    public_url: str | None = Field(None, description="The public link, when turned on.")
    published_at: datetime | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    revision: int = Field(description="Bumped on every change; the ETag.")


class VersionRead(BaseModel):
    survey_id: uuid.UUID
    number: int
    published_at: datetime
    definition: SurveyDefinition


class VersionCreate(BaseModel):
    """The next version of an open survey: its new questionnaire (title, sections...)."""

    model_config = ConfigDict(extra="forbid")

    title: Label | None = None
    description: Label | None = None
    languages: Annotated[list[Language], Field(min_length=1, max_length=2)] | None = None
    sections: Sections

    _codes = field_validator("sections")(_unique_codes)
