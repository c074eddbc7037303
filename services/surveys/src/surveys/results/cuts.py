"""What results are cut and filtered by: a question's shape from its definition, a
respondent's actor attributes, and the filters of a request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.results.crosstab import ATTRIBUTES, MULTI_VALUED
from surveys.results.statistics import QuestionShape

#: The definition's list fields per attribute (a profile or a projected actor).
_SOURCES = {
    "circle": ("circle",),
    "type": ("types", "type"),
    "club": ("clubs", "club"),
    "theme": ("themes", "theme"),
    "department": ("department",),
    "region": ("region",),
    "member": ("member",),
}


def questions_of(definitions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions of every version, newest first: a code keeps its newest definition, and a
    question dropped from a later version still has its answers counted."""
    seen: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for definition in definitions:
        for section in definition.get("sections") or []:
            for question in section.get("questions") or []:
                code = question.get("code")
                if code and code not in seen:
                    seen[code] = question
                    order.append(code)
    return [seen[code] for code in order]


def shape_of(question: Mapping[str, Any]) -> QuestionShape:
    low, high = question.get("min"), question.get("max")
    scale: tuple[int, int] | None = None
    if question.get("type") in ("scale", "matrix") and low is not None and high is not None:
        scale = (int(low), int(high))
    elif question.get("preset") == "nps":
        scale = (0, 10)
    return QuestionShape(
        code=str(question["code"]),
        type=str(question["type"]),
        choices=tuple(c["code"] for c in question.get("choices") or []),
        rows=tuple(r["code"] for r in question.get("rows") or []),
        scale=scale,
        allows_other=bool(question.get("allow_other")),
        nps=question.get("preset") == "nps",
    )


def attributes_of(source: Mapping[str, Any] | None) -> dict[str, Any]:
    """A respondent's attributes (``type``, ``circle``…) from its profile or projected actor."""
    if not source:
        return {}
    out: dict[str, Any] = {}
    for name, keys in _SOURCES.items():
        value = next((source[key] for key in keys if key in source), None)
        if name in MULTI_VALUED:
            value = (
                list(value) if isinstance(value, list | tuple) else [] if value is None else [value]
            )
        out[name] = bool(value) if name == "member" else value
    return out


@dataclass(frozen=True)
class Filters:
    """Respondents kept: each named attribute takes one of its values."""

    values: Mapping[str, frozenset[Any]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [name for name in ATTRIBUTES if name in self.values]

    def keeps(self, attributes: Mapping[str, Any]) -> bool:
        for name, wanted in self.values.items():
            value = attributes.get(name)
            if name in MULTI_VALUED:
                if not wanted.intersection(value or []):
                    return False
            elif value not in wanted:
                return False
        return True

    def as_dict(self) -> dict[str, list[Any]]:
        return {name: sorted(self.values[name], key=str) for name in self.names}


def parse_values(name: str, raw: Iterable[str]) -> frozenset[Any]:
    """``circle=1,2`` → {1, 2}; ``member=true`` → {True}; others as given."""
    values: set[Any] = set()
    for text in raw:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if name == "circle":
                if part not in ("1", "2", "3"):
                    raise ValueError("a circle is 1, 2 or 3")
                values.add(int(part))
            elif name == "year":
                if not (part.isdigit() and len(part) == 4):
                    raise ValueError("a year is four digits")
                values.add(int(part))
            elif name == "member":
                if part not in ("true", "false"):
                    raise ValueError("member is true or false")
                values.add(part == "true")
            else:
                values.add(part)
    return frozenset(values)
