"""Every question type's answers, checked by one pure module."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.responses.validation import check, merge


def q(code: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "label": {"fr": code}, **extra}


CHOICES = [{"code": "a"}, {"code": "b"}, {"code": "c"}]
SECTIONS = [
    {
        "title": {"fr": "Page"},
        "questions": [
            q("kind", "single_choice", choices=CHOICES, allow_other=True, required=True),
            q("many", "multiple_choice", choices=CHOICES, min_selections=2, max_selections=2),
            q("pick", "dropdown", choices=CHOICES),
            q("ok", "yes_no"),
            q("name", "short_text", max_length=5),
            q("story", "long_text"),
            q("staff", "integer", min=0, max=100),
            q("budget", "decimal", min=0, unit="k€"),
            q("share", "percent"),
            q("born", "date"),
            q("mail", "email"),
            q("site", "url"),
            q("nps", "scale", min=0, max=10),
            q("grid", "matrix", rows=[{"code": "r1"}, {"code": "r2"}], min=1, max=5, required=True),
            q("order", "ranking", choices=CHOICES, required=True),
            q("split", "split", choices=CHOICES),
            q("hello", "note"),
            q("why", "long_text", show_if={"q": "ok", "op": "eq", "value": False}, required=True),
        ],
    }
]


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"kind": "z"}, "kind"),
        ({"kind": "other"}, "kind.other"),
        ({"kind": "a", "kind.other": "x"}, "kind.other"),
        ({"many": ["a", "a"]}, "many"),
        ({"many": ["a", "b", "c"]}, "many"),
        ({"many": "a"}, "many"),
        ({"pick": 1}, "pick"),
        ({"ok": "yes"}, "ok"),
        ({"name": "toolong"}, "name"),
        ({"staff": 1.5}, "staff"),
        ({"staff": 101}, "staff"),
        ({"staff": True}, "staff"),
        # Beyond what the answers' JSON is stored with (64-bit integers): the web form made
        # 10**23 of "99999999999999999999999" and the write failed (a 500).
        ({"budget": 10**23}, "budget"),
        ({"share": -(10**23)}, "share"),
        ({"budget": -1}, "budget"),
        ({"share": 100.5}, "share"),
        ({"born": "07/12/2026"}, "born"),
        ({"mail": "nobody"}, "mail"),
        ({"site": "javascript:alert(1)"}, "site"),
        ({"nps": 11}, "nps"),
        ({"grid": {"r1": 6}}, "grid"),
        ({"grid": {"r9": 1}}, "grid"),
        ({"order": ["a", "z"]}, "order"),
        ({"split": {"a": 60, "b": 50}}, "split"),
        ({"split": {"a": -5}}, "split"),
        ({"hello": "hi"}, "hello"),
        ({"nope": 1}, "nope"),
        ({"ok.other": "x"}, "ok.other"),
    ],
)
def test_a_wrong_answer_is_named_by_its_code(answers: dict[str, Any], code: str) -> None:
    checked = check(SECTIONS, answers, complete=False)
    assert code in checked.errors, checked.errors


def test_good_answers_pass_and_a_submission_checks_what_must_be_there() -> None:
    answers = {
        "kind": "other",
        "kind.other": "Planétarium",
        "many": ["a", "c"],
        "ok": True,
        "name": "Ada",
        "staff": 12,
        "budget": 10.5,
        "share": 33.3,
        "born": "1989-05-02",
        "mail": "ada@example.org",
        "site": "https://example.org",
        "nps": 9,
        "grid": {"r1": 4, "r2": 5},
        "order": ["b", "a", "c"],
        "split": {"a": 50, "b": 25.5, "c": 24.5},
    }
    assert check(SECTIONS, answers, complete=True).errors == {}
    partial = check(SECTIONS, {"split": {"a": 50}, "grid": {"r1": 3}}, complete=False)
    assert partial.errors == {}
    submitted = check(SECTIONS, {"split": {"a": 50}, "grid": {"r1": 3}}, complete=True)
    assert set(submitted.errors) == {"kind", "split", "grid", "order"}


def test_hidden_answers_are_dropped_and_required_only_when_shown() -> None:
    base = {"kind": "a", "grid": {"r1": 1, "r2": 1}, "order": ["a", "b", "c"]}
    shown = check(SECTIONS, base | {"ok": False}, complete=True)
    assert shown.errors == {"why": "required"}
    hidden = check(SECTIONS, base | {"ok": True, "why": "left over"}, complete=True)
    assert hidden.errors == {}
    assert "why" not in hidden.answers


def test_merge_overwrites_and_clears() -> None:
    assert merge({"a": 1, "b": 2}, {"b": None, "c": False, "d": 0, "e": ""}) == {
        "a": 1,
        "c": False,
        "d": 0,
    }
