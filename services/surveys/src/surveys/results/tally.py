"""One question's answers as the database counts them: *atoms* and their tallies.

An answer is written once, at submission, as atoms ``(item, value)`` (``answer_values``), and
results count atoms with a ``GROUP BY`` instead of decoding every response:

* the answer itself sits under the item ``""`` — a choice code (``yes``/``no`` for a yes/no),
  a number, a date — and a compound answer (a list or a mapping) leaves there ``None`` as the
  mark that it was given; free text leaves ``None`` too (it is read from the response, by
  staff only), so every answered question has exactly one ``""`` atom;
* a ticked or ranked choice sits under its code with its position (1, 2, …);
* a matrix row or a split's choice sits under its code with its point, choice or share.

``tally_of`` counts the atoms of answers in Python the same way (the unit tests and the pure
statistics use it), so the database and the pure functions agree by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Questions whose answer is free text: never stored as an atom value (staff read it whole).
FREE_TEXT_TYPES = frozenset({"short_text", "long_text", "email", "url"})
#: The longest atom text kept (codes, dates, yes/no are far shorter).
MAX_ATOM_TEXT = 64
ANSWER = ""

Value = str | int | float | None
Atom = tuple[str, Value]


def atoms_of(question_type: str | None, answer: Any) -> list[Atom]:
    """The atoms of one answer (none when it is empty: ``None``, ``""``, ``[]``)."""
    if answer is None or answer in ("", []):
        return []
    if isinstance(answer, list):
        atoms: list[Atom] = [(ANSWER, None)]
        seen: set[str] = set()
        for position, code in enumerate(answer, start=1):
            if isinstance(code, str) and code and code not in seen and len(code) <= MAX_ATOM_TEXT:
                seen.add(code)
                atoms.append((code, position))
        return atoms
    if isinstance(answer, Mapping):
        atoms = [(ANSWER, None)]
        for key, value in answer.items():
            if str(key) and len(str(key)) <= MAX_ATOM_TEXT:
                atoms.append((str(key), _scalar(value)))
        return atoms
    if question_type in FREE_TEXT_TYPES:
        return [(ANSWER, None)]
    return [(ANSWER, _scalar(answer))]


def _scalar(value: Any) -> Value:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and len(value) <= MAX_ATOM_TEXT:
        return value
    return None


def stored_value(text: str | None, number: float | None) -> Value:
    """An atom's value as read back from its two columns (a whole number as an ``int``)."""
    if text is not None:
        return text
    if number is not None:
        return int(number) if float(number).is_integer() else float(number)
    return None


@dataclass(frozen=True)
class Tally:
    """How many respondents gave each atom of one question (and, for staff, the free text)."""

    atoms: Mapping[Atom, int] = field(default_factory=dict)
    texts: tuple[str, ...] = ()

    @property
    def answered(self) -> int:
        """Respondents who answered (each answer has exactly one ``""`` atom)."""
        return sum(count for (item, _), count in self.atoms.items() if item == ANSWER)

    @property
    def compound(self) -> int:
        """Respondents whose answer is a list or a mapping (or free text)."""
        return sum(
            count for (item, value), count in self.atoms.items() if item == ANSWER and value is None
        )

    def answers(self) -> Counter[Value]:
        """The plain answers (item ``""``) and how many gave each; ``None`` left out."""
        out: Counter[Value] = Counter()
        for (item, value), count in self.atoms.items():
            if item == ANSWER and value is not None:
                out[value] += count
        return out

    def items(self) -> dict[str, Counter[Value]]:
        """Per item (choice, row): its values and how many gave each."""
        out: dict[str, Counter[Value]] = {}
        for (item, value), count in self.atoms.items():
            if item != ANSWER:
                out.setdefault(item, Counter())[value] += count
        return out


def tally_of(question_type: str | None, answers: Iterable[Any]) -> Tally:
    """The tally of ``answers`` (one per respondent), counted in Python."""
    counts: Counter[Atom] = Counter()
    texts: list[str] = []
    for answer in answers:
        atoms = atoms_of(question_type, answer)
        counts.update(atoms)
        if atoms and question_type in FREE_TEXT_TYPES:
            texts.append(str(answer))
    return Tally(dict(counts), tuple(texts))


def add(tallies: Iterable[Tally]) -> Tally:
    counts: Counter[Atom] = Counter()
    texts: list[str] = []
    for tally in tallies:
        counts.update(tally.atoms)
        texts.extend(tally.texts)
    return Tally(dict(counts), tuple(texts))
