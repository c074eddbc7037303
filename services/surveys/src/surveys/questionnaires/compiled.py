"""A published version's definition, read and checked once per process.

A published version never changes (every publication writes a new ``survey_versions`` row,
and nothing updates one), so what derives from its definition (the checked model the API
returns, the sections the checks walk, the rules the form's script reads) is kept in memory
keyed by the version's id. That is safe with any number of replicas: each derives the same
from the same immutable row, nothing can go stale, and the memory is bounded. Every answer,
every save and every form page otherwise decoded and validated the whole questionnaire again.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from surveys.questionnaires.schemas import SurveyDefinition

#: Versions kept (a network answers a few surveys at a time; each is a few kB to a few 100 kB).
MAX_VERSIONS = 256


@dataclass(frozen=True)
class CompiledVersion:
    """What a published version's definition gives, derived once."""

    id: uuid.UUID
    number: int
    definition: dict[str, Any]
    model: SurveyDefinition
    #: The ``show_if`` rules of every section and question, as the form's script reads them.
    script_rules: list[dict[str, Any]]

    @property
    def sections(self) -> list[dict[str, Any]]:
        return list(self.definition["sections"])

    @cached_property
    def questions(self) -> dict[str, dict[str, Any]]:
        """Every question by code (the form's error summary names each by its label)."""
        return {q["code"]: q for s in self.definition["sections"] for q in s.get("questions", [])}


def compile_version(
    version_id: uuid.UUID, number: int, definition: Mapping[str, Any]
) -> CompiledVersion:
    frozen = dict(definition)
    return CompiledVersion(
        id=version_id,
        number=number,
        definition=frozen,
        model=SurveyDefinition.model_validate(frozen),
        script_rules=[
            {
                "show_if": section.get("show_if"),
                "questions": [
                    {"code": q["code"], "type": q["type"], "show_if": q.get("show_if")}
                    for q in section.get("questions", [])
                ],
            }
            for section in frozen["sections"]
        ],
    )


class CompiledVersions:
    """The compiled versions of this process, the least recently used forgotten first."""

    def __init__(self, size: int = MAX_VERSIONS) -> None:
        self.size = size
        self._kept: OrderedDict[uuid.UUID, CompiledVersion] = OrderedDict()

    def get(self, version_id: uuid.UUID) -> CompiledVersion | None:
        found = self._kept.get(version_id)
        if found is not None:
            self._kept.move_to_end(version_id)
        return found

    def keep(
        self, version_id: uuid.UUID, number: int, definition: Mapping[str, Any]
    ) -> CompiledVersion:
        compiled = compile_version(version_id, number, definition)
        self._kept[version_id] = compiled
        self._kept.move_to_end(version_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return compiled


compiled_versions = CompiledVersions()
