"""Answers checked against a questionnaire version, in one pure module (API and form alike).

Values by question type: a choice code (``single_choice``, ``dropdown``), a list of codes
(``multiple_choice``; ``ranking``, in order), ``true``/``false`` (``yes_no``), text
(``short_text``, ``long_text``, ``email``, ``url``), a number (``integer``, ``decimal``,
``percent``, ``scale``), ``YYYY-MM-DD`` (``date``), ``{row: point}`` (``matrix``),
``{choice: share}`` summing to 100 (``split``). A choice question allowing "other" takes the
code ``other`` and the text under ``<code>.other``. ``null`` (or an empty value) clears an
answer. Answers to questions hidden by their conditions are dropped, and ``required`` applies
only to questions shown. Each message comes from the catalogue of
:mod:`surveys.responses.messages` (English in the API, the page's language in the form).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from surveys.questionnaires.conditions import is_answered, visibility
from surveys.questionnaires.schemas import DEFAULT_MAX_LENGTH, OTHER, SPLIT_TOTAL
from surveys.responses.messages import Message

OTHER_SUFFIX = ".other"
MAX_OTHER_LENGTH = 300
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
#: Tolerance on a split's total (shares typed with decimals).
_SPLIT_EPSILON = 1e-6


@dataclass
class Checked:
    """Answers kept (shown questions only), and what is wrong, by question code."""

    answers: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    visible: set[str] = field(default_factory=set)

    def as_errors(self) -> list[dict[str, str]]:
        return [
            {"field": f"answers.{code}", "question": code.removesuffix(OTHER_SUFFIX), "message": m}
            for code, m in sorted(self.errors.items())
        ]


def ranks_problem(ranks: Mapping[str, Any]) -> Message | None:
    """Ranks typed in the form (choice → rank) that make no order: each rank once, from 1
    to the number of choices ranked (no tie, no gap, none out of range)."""
    given = list(ranks.values())
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in given):
        return Message("ranks")
    return None if sorted(given) == list(range(1, len(given) + 1)) else Message("ranks")


def questions_of(sections: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {q["code"]: q for s in sections for q in s.get("questions", [])}


def merge(stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers with the given ones on top; a cleared value removes its answer."""
    merged = dict(stored)
    for code, value in given.items():
        if is_answered(value) or value is False or value == 0:
            merged[code] = value
        else:
            merged.pop(code, None)
    return merged


def check(
    sections: Sequence[Mapping[str, Any]], answers: Mapping[str, Any], *, complete: bool
) -> Checked:
    """Check ``answers`` (merged) against ``sections``: every value by its type and bounds;
    with ``complete`` (a submission) also what must be there: required shown questions,
    selections at least ``min_selections``, every row of a required matrix, splits at 100."""
    questions = questions_of(sections)
    errors: dict[str, str] = {}
    for code in answers:
        base = code.removesuffix(OTHER_SUFFIX)
        question = questions.get(base)
        if question is None or (code != base and not question.get("allow_other")):
            errors[code] = Message("unknown_question")
    typed = {c: v for c, v in answers.items() if c not in errors}
    for code, value in typed.items():
        if code.endswith(OTHER_SUFFIX):
            continue
        message = _value_problem(questions[code], value, complete=complete)
        if message:
            errors[code] = message
    shown = visibility(sections, {c: v for c, v in typed.items() if c not in errors})
    kept = {
        code: value
        for code, value in typed.items()
        if code.removesuffix(OTHER_SUFFIX) in shown.questions
    }
    errors.update(_other_problems(questions, kept))
    if complete:
        for code in shown.questions:
            question = questions[code]
            if question.get("required") and question["type"] != "note" and code not in kept:
                errors.setdefault(code, Message("required"))
    return Checked(
        answers={c: v for c, v in kept.items() if c not in errors},
        errors=errors,
        visible=shown.questions,
    )


def _other_problems(
    questions: Mapping[str, Mapping[str, Any]], kept: Mapping[str, Any]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for code, question in questions.items():
        if not question.get("allow_other"):
            continue
        value = kept.get(code)
        picked = value == OTHER or (isinstance(value, list) and OTHER in value)
        text = kept.get(code + OTHER_SUFFIX)
        if picked and not (isinstance(text, str) and text.strip()):
            errors[code + OTHER_SUFFIX] = Message("other_missing")
        elif text is not None and not picked:
            errors[code + OTHER_SUFFIX] = Message("other_not_chosen")
        elif isinstance(text, str) and len(text) > MAX_OTHER_LENGTH:
            errors[code + OTHER_SUFFIX] = Message("at_most_characters", limit=MAX_OTHER_LENGTH)
    return errors


def _value_problem(question: Mapping[str, Any], value: Any, *, complete: bool) -> Message | None:
    check_type = _CHECKS.get(question["type"])
    if check_type is None:
        return Message("note")
    return check_type(question, value, complete)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


#: The largest number an answer may be: the answers are stored as JSON, whose integers the
#: databases (and the writer) hold in 64 bits. The web form reads "99999999999999999999999"
#: as a whole number beyond them, whose write failed (a 500).
LARGEST = 2**63 - 1


def _in_bounds(question: Mapping[str, Any], number: float) -> Message | None:
    low, high = question.get("min"), question.get("max")
    if question["type"] == "percent":
        low = 0 if low is None else low
        high = 100 if high is None else high
    low = -LARGEST if low is None else low
    high = LARGEST if high is None else high
    if low is not None and number < low:
        return Message("at_least", low=low)
    if high is not None and number > high:
        return Message("at_most", high=high)
    return None


def _choices(question: Mapping[str, Any]) -> set[str]:
    codes = {c["code"] for c in question.get("choices", [])}
    if question.get("allow_other"):
        codes.add(OTHER)
    return codes


def _one_choice(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    if not isinstance(value, str) or value not in _choices(question):
        return Message("one_of", codes=", ".join(sorted(_choices(question))))
    return None


def _many_choices(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    known = _choices(question)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return Message("choice_codes")
    unknown = sorted(set(value) - known)
    if unknown:
        return Message("unknown_choice_of", code=unknown[0], codes=", ".join(sorted(known)))
    if len(set(value)) != len(value):
        return Message("each_choice_once")
    return _selections_problem(question, value, known, complete)


def _selections_problem(
    question: Mapping[str, Any], value: list[str], known: set[str], complete: bool
) -> Message | None:
    high, low = question.get("max_selections"), question.get("min_selections")
    if high is not None and len(value) > high:
        return Message("at_most_choices", high=high)
    if complete and low is not None and len(value) < low:
        return Message("at_least_choices", low=low)
    ranks_all = question["type"] == "ranking" and low is None and question.get("required")
    if complete and ranks_all and len(value) != len(known):
        return Message("rank_every")
    return None


def _yes_no(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    return None if isinstance(value, bool) else Message("yes_no")


def _text(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    if not isinstance(value, str):
        return Message("text")
    limit = question.get("max_length") or DEFAULT_MAX_LENGTH.get(question["type"], 300)
    if len(value) > limit:
        return Message("at_most_characters", limit=limit)
    if question["type"] == "email" and not _EMAIL.match(value.strip()):
        return Message("email")
    if question["type"] == "url":
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return Message("url")
    return None


def _integer(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return Message("whole_number")
    return _in_bounds(question, number)


def _decimal(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    number = _number(value)
    if number is None:
        return Message("number")
    return _in_bounds(question, number)


def _scale(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return Message("whole_from_to", low=question["min"], high=question["max"])
    return _in_bounds(question, number)


def _date(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    try:
        date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
    except ValueError:
        return Message("date")
    return None


def _matrix(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    rows = {r["code"] for r in question.get("rows", [])}
    if not isinstance(value, dict):
        return Message("matrix_object")
    for row, point in value.items():
        if row not in rows:
            return Message("unknown_row", row=row)
        if _scale(question, point, complete):
            return Message("row_whole_from_to", row=row, low=question["min"], high=question["max"])
    if complete and question.get("required") and set(value) != rows:
        return Message("every_row", missing=", ".join(sorted(rows - set(value))))
    return None


def _split(question: Mapping[str, Any], value: Any, complete: bool) -> Message | None:
    known = _choices(question)
    if not isinstance(value, dict):
        return Message("split_object")
    total = 0.0
    for code, share in value.items():
        number = _number(share)
        if code not in known:
            return Message("unknown_choice", code=code)
        if number is None or number < 0:
            return Message("share", code=code)
        total += number
    if total > SPLIT_TOTAL + _SPLIT_EPSILON:
        return Message("shares_over", total=total, limit=SPLIT_TOTAL)
    if complete and abs(total - SPLIT_TOTAL) > _SPLIT_EPSILON:
        return Message("shares_not", total=total, limit=SPLIT_TOTAL)
    return None


_CHECKS: dict[str, Callable[[Mapping[str, Any], Any, bool], Message | None]] = {
    "single_choice": _one_choice,
    "dropdown": _one_choice,
    "multiple_choice": _many_choices,
    "ranking": _many_choices,
    "yes_no": _yes_no,
    "short_text": _text,
    "long_text": _text,
    "email": _text,
    "url": _text,
    "integer": _integer,
    "decimal": _decimal,
    "percent": _decimal,
    "scale": _scale,
    "date": _date,
    "matrix": _matrix,
    "split": _split,
}
