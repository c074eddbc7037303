"""The web form's logic: form fields to typed answers, and which page comes next. The
answers are then saved by :mod:`surveys.responses.service`, with the same checks and the same
conditions as the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from surveys.forms.schemas import FormPage
from surveys.questionnaires.conditions import visibility
from surveys.responses.validation import ranks_problem

FIELD_PREFIX = "q."
#: The field the page's script adds to the form: questions showed as they were revealed.
SCRIPT_FIELD = "script"
_NUMBER_TYPES = frozenset({"integer", "decimal", "percent", "scale"})

#: A sent form: every value of each field name, as text.
FormFields = Mapping[str, Sequence[str]]


def _one(form: FormFields, name: str) -> str:
    values = form.get(name) or [""]
    return str(values[0])


def _number(raw: str) -> Any:
    text = raw.strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return raw  # kept as typed: the check names it "a number"
    return int(number) if number.is_integer() and "." not in text else number


class FormService:
    def answers_from_form(self, section: Mapping[str, Any], form: FormFields) -> dict[str, Any]:
        """The answers a page's fields hold (a field left empty clears its answer)."""
        answers: dict[str, Any] = {}
        for question in section.get("questions", []):
            kind, code = question["type"], question["code"]
            if kind == "note":
                continue
            name = FIELD_PREFIX + code
            answers[code] = self._value(question, name, form)
            if question.get("allow_other"):
                picked = answers[code] == "other" or (
                    isinstance(answers[code], list) and "other" in answers[code]
                )
                text = _one(form, name + ".other").strip()
                answers[code + ".other"] = text if picked and text else None
        return answers

    def _value(self, question: Mapping[str, Any], name: str, form: FormFields) -> Any:
        kind = question["type"]
        if kind == "multiple_choice":
            return [str(v) for v in form.get(name, [])] or None
        if kind in ("matrix", "split", "ranking"):
            return self._parts(question, name, form)
        raw = _one(form, name).strip()
        if not raw:
            return None
        if kind == "yes_no":
            return {"true": True, "false": False}.get(raw, raw)
        return _number(raw) if kind in _NUMBER_TYPES else raw

    def _parts(self, question: Mapping[str, Any], name: str, form: FormFields) -> Any:
        """A matrix (row → point), a split (choice → share) or a ranking (choices by rank),
        from one field per row or choice."""
        kind = question["type"]
        keys = (
            [r["code"] for r in question["rows"]]
            if kind == "matrix"
            else [c["code"] for c in question["choices"]]
        )
        given = self._given_parts(keys, name, form)
        if kind != "ranking" or not given or ranks_problem(given):
            # Ranks that make no order are refused by problems(), never guessed at.
            return given or None
        return [code for code, _ in sorted(given.items(), key=lambda item: item[1])]

    def _given_parts(self, keys: Sequence[str], name: str, form: FormFields) -> dict[str, Any]:
        parts = {key: _number(_one(form, f"{name}.{key}")) for key in keys}
        return {k: v for k, v in parts.items() if v is not None}

    def problems(self, section: Mapping[str, Any], form: FormFields) -> dict[str, str]:
        """What a page's fields say that no answer can hold, by field name: ranks typed with
        a tie, a gap or out of range (the API's list of codes cannot even say them)."""
        found: dict[str, str] = {}
        for question in section.get("questions", []):
            if question["type"] != "ranking":
                continue
            name = FIELD_PREFIX + question["code"]
            keys = [c["code"] for c in question["choices"]]
            problem = ranks_problem(self._given_parts(keys, name, form))
            if problem:
                found[name] = problem
        return found

    def page(
        self,
        sections: Sequence[Mapping[str, Any]],
        answers: Mapping[str, Any],
        wanted: int | None,
        errors: dict[str, str] | None = None,
    ) -> FormPage:
        """The page to show: ``wanted`` if shown for these answers, else the nearest shown
        page before it (or the first)."""
        shown = visibility(sections, answers)
        pages = sorted(shown.sections) or [0]
        index = (
            wanted
            if wanted in pages
            else max([p for p in pages if wanted is not None and p < wanted] or [pages[0]])
        )
        position = pages.index(index)
        return FormPage(
            section_index=index,
            position=position + 1,
            pages=len(pages),
            has_previous=position > 0,
            has_next=position < len(pages) - 1,
            answers=dict(answers),
            visible=shown.questions,
            errors=errors or {},
        )

    def neighbour(
        self,
        sections: Sequence[Mapping[str, Any]],
        answers: Mapping[str, Any],
        current: int,
        step: int,
    ) -> int:
        """The shown page ``step`` (+1 or -1) away from ``current``, for these answers."""
        pages = sorted(visibility(sections, answers).sections) or [0]
        later = [p for p in pages if (p > current if step > 0 else p < current)]
        if not later:
            return current
        return later[0] if step > 0 else later[-1]

    def revealed_on(
        self,
        sections: Sequence[Mapping[str, Any]],
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        index: int,
    ) -> bool:
        """Whether the answers sent from page ``index`` show a question of that page that
        the answers before hid: without the script the respondent has not seen it yet."""
        codes = {q["code"] for q in sections[index].get("questions", [])}
        was = visibility(sections, before).questions
        return bool((visibility(sections, after).questions & codes) - was)

    def section_of(self, sections: Sequence[Mapping[str, Any]], code: str) -> int:
        base = code.removeprefix("answers.").removesuffix(".other")
        for index, section in enumerate(sections):
            if any(q["code"] == base for q in section.get("questions", [])):
                return index
        return 0


form_service = FormService()
