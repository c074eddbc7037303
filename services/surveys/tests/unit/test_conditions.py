"""The show_if language: shapes, references checked at publish, and evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from surveys.questionnaires.conditions import evaluate, shape_problems, visibility
from surveys.questionnaires.policies import publishing_problems


def question(code: str, kind: str = "short_text", **extra: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "label": {"fr": code}, **extra}


KIND = question(
    "kind",
    "single_choice",
    choices=[{"code": "museum"}, {"code": "association"}],
    allow_other=True,
)
ACTIVITIES = question(
    "activities", "multiple_choice", choices=[{"code": "exhibitions"}, {"code": "workshops"}]
)
STAFF = question("staff", "integer")
FOUNDED = question("founded", "date")
MEMBER = question("member", "yes_no")


#: The cases the form's script is held to too (tests/integration/test_conditions_script.py).
CASES = json.loads((Path(__file__).parents[1] / "condition_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["evaluate"], ids=lambda case: case["name"])
def test_evaluate(case: dict[str, Any]) -> None:
    assert evaluate(case["condition"], case["answers"]) is case["expected"]


@pytest.mark.parametrize("case", CASES["visibility"], ids=lambda case: case["name"])
def test_visibility(case: dict[str, Any]) -> None:
    shown = visibility(case["sections"], case["answers"])
    assert sorted(shown.questions) == case["questions"]
    assert sorted(shown.sections) == case["sections_shown"]


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"q": "kind", "op": "like", "value": "x"}, "op"),
        ({"q": "kind", "op": "eq"}, "value"),
        ({"q": "", "op": "eq", "value": 1}, "q"),
        ({"q": "kind", "op": "in", "value": "museum"}, "value"),
        ({"all": []}, "all"),
        ({"any": [{"q": "kind", "op": "eq", "value": 1}, {"nope": 1}]}, "any[1]"),
        ({"not": {"q": "kind", "op": "eq", "value": 1, "extra": 2}}, "not.extra"),
        ({"q": "kind", "op": "answered", "value": "yes"}, "value"),
        ("kind = museum", ""),
    ],
)
def test_shape_problems_name_the_path(condition: Any, path: str) -> None:
    [problem] = shape_problems(condition)
    assert problem.path == path


def test_nesting_is_bounded() -> None:
    condition: dict[str, Any] = {"q": "kind", "op": "answered"}
    for _ in range(12):
        condition = {"not": condition}
    assert shape_problems(condition)


def section(*questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": {"fr": "Page"}, "questions": list(questions), **extra}


def test_publishing_accepts_conditions_on_earlier_questions() -> None:
    sections = [
        section(KIND, STAFF),
        section(
            question(
                "museum_visitors", "integer", show_if={"q": "kind", "op": "eq", "value": "museum"}
            ),
            show_if={"q": "staff", "op": "gt", "value": 0},
        ),
    ]
    assert publishing_problems(sections) == []


@pytest.mark.parametrize(
    ("sections", "field", "words"),
    [
        (
            [section(question("a", show_if={"q": "b", "op": "answered"}), question("b"))],
            "sections[0].questions[0].show_if.q",
            "'b' is not a question asked before",
        ),
        (
            [section(question("a", show_if={"q": "a", "op": "answered"}))],
            "sections[0].questions[0].show_if.q",
            "'a' is not a question asked before",
        ),
        (
            [
                section(
                    KIND,
                    question("x", show_if={"any": [{"q": "kind", "op": "eq", "value": "zoo"}]}),
                )
            ],
            "sections[0].questions[1].show_if.any[0].value",
            '"zoo" does not fit',
        ),
        (
            [
                section(
                    ACTIVITIES,
                    question("x", show_if={"q": "activities", "op": "eq", "value": "workshops"}),
                )
            ],
            "sections[0].questions[1].show_if.op",
            "operator eq does not fit",
        ),
        (
            # An object or a list where a choice code is expected: named, not a crash.
            [section(KIND, question("x", show_if={"q": "kind", "op": "eq", "value": {"a": 1}}))],
            "sections[0].questions[1].show_if.value",
            '{"a": 1} does not fit',
        ),
        (
            [
                section(
                    ACTIVITIES,
                    question("x", show_if={"q": "activities", "op": "in", "value": [["a"]]}),
                )
            ],
            "sections[0].questions[1].show_if.value[0]",
            '["a"] does not fit',
        ),
        (
            [section(STAFF, question("x", show_if={"q": "staff", "op": "gt", "value": "ten"}))],
            "sections[0].questions[1].show_if.value",
            "a number",
        ),
        (
            [
                section(
                    FOUNDED, question("x", show_if={"q": "founded", "op": "gt", "value": "2020"})
                )
            ],
            "sections[0].questions[1].show_if.value",
            "YYYY-MM-DD",
        ),
        (
            [section(KIND), section(question("x"), show_if={"q": "x", "op": "answered"})],
            "sections[1].show_if.q",
            "'x' is not a question asked before",
        ),
        (
            [section(question("intro", "note"))],
            "sections",
            "at least one question",
        ),
    ],
)
def test_publishing_refuses_bad_conditions_naming_question_and_path(
    sections: list[dict[str, Any]], field: str, words: str
) -> None:
    problems = publishing_problems(sections)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_hidden_answers_show_nothing_further() -> None:
    sections = [
        section(
            MEMBER,
            question("since", "integer", show_if={"q": "member", "op": "eq", "value": True}),
            question("long_time", "yes_no", show_if={"q": "since", "op": "lt", "value": 2000}),
        ),
        section(question("why_not"), show_if={"q": "member", "op": "eq", "value": False}),
    ]
    member = visibility(sections, {"member": True, "since": 1990})
    assert member.questions == {"member", "since", "long_time"}
    assert member.sections == {0}
    # "since" is left over from an earlier answer, but hidden now: it shows nothing.
    former = visibility(sections, {"member": False, "since": 1990})
    assert former.questions == {"member", "why_not"}
    assert former.sections == {0, 1}
