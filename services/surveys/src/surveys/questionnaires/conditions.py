"""The ``show_if`` condition language, in one pure module: shape checks, checks against the
questionnaire at publish, and the evaluator that the API (at every save) and the web form
(when a page is sent) both call. The form's script evaluates the same JSON with the same
rules (``forms/static/conditions.js``); one table of cases, ``tests/condition_cases.json``,
holds both to them (``tests/unit/test_conditions.py`` here, the script in Chromium by
``tests/integration/test_conditions_script.py``).

A condition is JSON::

    {"all": [cond, ...]}   every one holds          {"any": [cond, ...]}  one holds
    {"not": cond}          it does not hold
    {"q": "code", "op": "eq|ne|in|contains|gt|gte|lt|lte|answered", "value": ...}

An unanswered question (hidden, skipped, or not reached yet) satisfies no comparison, not
even ``ne``; only ``{"op": "answered", "value": false}`` (or a ``not``) holds for it.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

OPERATORS = frozenset({"eq", "ne", "in", "contains", "gt", "gte", "lt", "lte", "answered"})
#: Deeper conditions are refused: nobody writes them, and recursion stays bounded.
MAX_DEPTH = 10

_CHOICE_ONE = frozenset({"single_choice", "dropdown"})
_CHOICE_MANY = frozenset({"multiple_choice", "ranking"})
_NUMBERS = frozenset({"integer", "decimal", "percent", "scale"})
_TEXTS = frozenset({"short_text", "long_text", "email", "url"})
#: Operators each question type can be compared with (``answered`` fits every type).
_OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    **dict.fromkeys(_CHOICE_ONE, frozenset({"eq", "ne", "in"})),
    **dict.fromkeys(_CHOICE_MANY, frozenset({"contains", "in"})),
    "yes_no": frozenset({"eq", "ne"}),
    **dict.fromkeys(_NUMBERS, frozenset({"eq", "ne", "in", "gt", "gte", "lt", "lte"})),
    "date": frozenset({"eq", "ne", "gt", "gte", "lt", "lte"}),
    **dict.fromkeys(_TEXTS, frozenset({"eq", "ne", "in", "contains"})),
    "matrix": frozenset(),
    "split": frozenset(),
}


@dataclass(frozen=True)
class Problem:
    """Something wrong in a condition: where (a JSON path under the condition) and why."""

    path: str
    message: str


def shape_problems(condition: Any, path: str = "", depth: int = 0) -> list[Problem]:
    """What makes ``condition`` not a condition at all (checked on every write)."""
    if depth > MAX_DEPTH:
        return [Problem(path, f"conditions nest at most {MAX_DEPTH} deep")]
    if not isinstance(condition, Mapping):
        return [Problem(path, "a condition is an object")]
    keys = set(condition)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            return _combinator_problems(condition[combinator], _join(path, combinator), depth)
    if keys == {"not"}:
        return shape_problems(condition["not"], _join(path, "not"), depth + 1)
    if "q" in keys or "op" in keys:
        problem = _leaf_problem(condition, path)
        return [problem] if problem else []
    return [Problem(path, 'expected {"all"}, {"any"}, {"not"} or {"q", "op", "value"}')]


def _combinator_problems(parts: Any, path: str, depth: int) -> list[Problem]:
    if not isinstance(parts, list) or not parts:
        return [Problem(path, "a non-empty list of conditions")]
    problems: list[Problem] = []
    for index, part in enumerate(parts):
        problems += shape_problems(part, f"{path}[{index}]", depth + 1)
    return problems


def _leaf_problem(leaf: Mapping[str, Any], path: str) -> Problem | None:
    extra = set(leaf) - {"q", "op", "value"}
    op = leaf.get("op")
    if extra:
        problem = Problem(_join(path, sorted(extra)[0]), "unknown key")
    elif not isinstance(leaf.get("q"), str) or not leaf["q"]:
        problem = Problem(_join(path, "q"), "the code of a question")
    elif op not in OPERATORS:
        problem = Problem(_join(path, "op"), f"one of {', '.join(sorted(OPERATORS))}")
    elif op != "answered" and "value" not in leaf:
        problem = Problem(_join(path, "value"), f"operator {op} needs a value")
    elif op == "answered" and not isinstance(leaf.get("value", True), bool):
        problem = Problem(_join(path, "value"), "true or false")
    elif op == "in" and (not isinstance(leaf["value"], list) or not leaf["value"]):
        problem = Problem(_join(path, "value"), "operator in needs a non-empty list")
    else:
        return None
    return problem


def reference_problems(
    condition: Any, earlier: Mapping[str, Mapping[str, Any]], path: str = ""
) -> list[Problem]:
    """What ``condition`` gets wrong about the questionnaire: ``earlier`` holds the questions
    before the one it guards (by code). Checked at publish, after :func:`shape_problems`."""
    problems: list[Problem] = []
    for leaf_path, leaf in _leaves(condition, path):
        code = leaf["q"]
        question = earlier.get(code)
        if question is None:
            problems.append(
                Problem(_join(leaf_path, "q"), f"'{code}' is not a question asked before this one")
            )
            continue
        problems += _fits(question, leaf, leaf_path)
    return problems


def evaluate(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``answers`` (code → value); no condition holds."""
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(evaluate(part, answers) for part in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers)
    answer = answers.get(condition["q"])
    if condition["op"] == "answered":
        return is_answered(answer) is bool(condition.get("value", True))
    return is_answered(answer) and _COMPARISONS[condition["op"]](answer, condition["value"])


def is_answered(value: Any) -> bool:
    """Whether a stored value counts as an answer (not missing, blank or empty)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | dict):
        return len(value) > 0
    return True


@dataclass
class Visibility:
    """Which sections (by index) and questions (by code) are shown for some answers."""

    sections: set[int] = field(default_factory=set)
    questions: set[str] = field(default_factory=set)


def visibility(sections: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> Visibility:
    """What is shown for ``answers``, in questionnaire order: a condition sees only the
    answers of questions shown before it, so an answer left behind by a now hidden question
    never shows anything."""
    shown = Visibility()
    effective: dict[str, Any] = {}
    for index, section in enumerate(sections):
        if not evaluate(section.get("show_if"), effective):
            continue
        shown.sections.add(index)
        for question in section.get("questions", []):
            if not evaluate(question.get("show_if"), effective):
                continue
            shown.questions.add(question["code"])
            if question["code"] in answers:
                effective[question["code"]] = answers[question["code"]]
    return shown


def _in(answer: Any, value: Any) -> bool:
    items = answer if isinstance(answer, list) else [answer]
    return any(_same(item, candidate) for item in items for candidate in value)


def _contains(answer: Any, value: Any) -> bool:
    if isinstance(answer, list):
        return any(_same(item, value) for item in answer)
    if isinstance(answer, str) and isinstance(value, str):
        # lower(), as the script's toLowerCase(): casefold() would also match ß with "ss".
        return value.lower() in answer.lower()
    return False


def _ordering(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """A comparison of two numbers, or of two ISO dates; anything else does not hold."""

    def compare(answer: Any, value: Any) -> bool:
        left, right = _ordered(answer), _ordered(value)
        if left is None or right is None or type(left) is not type(right):
            return False
        return test(left, right)

    return compare


def _same(answer: Any, value: Any) -> bool:
    if isinstance(answer, bool) or isinstance(value, bool):
        return answer is value
    if isinstance(answer, int | float) and isinstance(value, int | float):
        return float(answer) == float(value)
    return bool(answer == value)


def _ordered(value: Any) -> float | str | None:
    """A number, or an ISO date (which orders as text); None for what cannot be ordered."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return value
    return None


def _fits(question: Mapping[str, Any], leaf: Mapping[str, Any], path: str) -> list[Problem]:
    """Whether the operator and the value fit the question's type (and its choices)."""
    kind, op, code = question["type"], leaf["op"], leaf["q"]
    if op == "answered":
        if kind == "note":
            return [Problem(_join(path, "q"), f"'{code}' is a note: it has no answer")]
        return []
    allowed = _OPERATORS_BY_TYPE.get(kind, frozenset())
    if op not in allowed:
        fitting = ", ".join(sorted(allowed | {"answered"})) if kind != "note" else "none"
        return [
            Problem(
                _join(path, "op"),
                f"'{code}' is a {kind} question: operator {op} does not fit (use {fitting})",
            )
        ]
    values = leaf["value"] if op == "in" else [leaf["value"]]
    value_path = _join(path, "value")
    for position, value in enumerate(values):
        at = f"{value_path}[{position}]" if op == "in" else value_path
        message = _value_problem(question, value)
        if message:
            return [Problem(at, message)]
    return []


def _value_problem(question: Mapping[str, Any], value: Any) -> str | None:
    kind, code = question["type"], question["code"]
    if kind in _CHOICE_ONE | _CHOICE_MANY:
        known = {c["code"] for c in question.get("choices", [])}
        if question.get("allow_other"):
            known.add("other")
        fits = isinstance(value, str) and value in known  # an object or a list is no code
        wanted = f"one of its choices ({', '.join(sorted(known))})"
    elif kind == "yes_no":
        fits, wanted = isinstance(value, bool), "true or false"
    elif kind in _NUMBERS:
        fits, wanted = isinstance(value, int | float) and not isinstance(value, bool), "a number"
    elif kind == "date":
        fits, wanted = _is_date(value), "a date written YYYY-MM-DD"
    else:
        fits, wanted = isinstance(value, str), "text"
    if fits:
        return None
    shown = json.dumps(value, ensure_ascii=False)
    return f"{shown} does not fit '{code}', a {kind} question: compare it with {wanted}"


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        return False
    return True


def _leaves(condition: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for combinator in ("all", "any"):
        if combinator in condition:
            for index, part in enumerate(condition[combinator]):
                yield from _leaves(part, f"{_join(path, combinator)}[{index}]")
            return
    if "not" in condition:
        yield from _leaves(condition["not"], _join(path, "not"))
        return
    yield path, condition


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _same,
    "ne": lambda answer, value: not _same(answer, value),
    "in": _in,
    "contains": _contains,
    "gt": _ordering(operator.gt),
    "gte": _ordering(operator.ge),
    "lt": _ordering(operator.lt),
    "lte": _ordering(operator.le),
}
