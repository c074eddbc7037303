"""The vocabularies: every code of ``contracts.labels`` with its labels, built once."""

from __future__ import annotations

from contracts.labels import VOCABULARIES
from directory.vocabularies.schemas import Label, Term


class VocabularyService:
    def __init__(self) -> None:
        self._all = {
            name: [Term(code=code, label=Label(fr=fr, en=en)) for code, (fr, en) in labels.items()]
            for name, labels in VOCABULARIES.items()
        }

    def all(self) -> dict[str, list[Term]]:
        """Each vocabulary's terms, by vocabulary name."""
        return self._all


vocabulary_service = VocabularyService()
