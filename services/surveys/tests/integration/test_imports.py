"""Definitions travel: JSON export/import, and XLSForm workbooks (KoboToolbox, ODK)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from .test_surveys import actors_survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SURVEY_ROWS: list[list[Any]] = [
    ["type", "name", "label::French (fr)", "label::English (en)", "required", "relevant", "hint"],
    ["start", "start", None, None, None, None, None],
    ["begin_group", "structure", "Votre structure", "Your organisation", None, None, None],
    ["select_one kind or_other", "kind", "Type de structure", "Kind", "yes", None, None],
    ["integer", "staff", "Salariés", "Staff", "no", None, "En ETP"],
    ["integer", "volunteers", "Bénévoles", "Volunteers", None, "${kind} = 'association'", None],
    ["end_group", None, None, None, None, None, None],
    ["begin group", "activity", "Activités", None, None, "${staff} >= 1", None],
    ["select_multiple activities", "activities", "Activités menées", None, "TRUE", None, None],
    [
        "text",
        "workshop_topics",
        "Thèmes des ateliers",
        None,
        None,
        "selected(${activities}, 'workshops') and not(${kind} = 'museum')",
        None,
    ],
    ["date", "founded", "Date de création", None, None, "${kind} != ''", None],
    ["note", "thanks", "Merci !", "Thank you!", None, None, None],
    ["end group", None, None, None, None, None, None],
]
CHOICE_ROWS: list[list[Any]] = [
    ["list_name", "name", "label::French (fr)", "label::English (en)"],
    ["kind", "association", "Association", "Association"],
    ["kind", "museum", "Musée", "Museum"],
    ["activities", "exhibitions", "Expositions", "Exhibitions"],
    ["activities", "workshops", "Ateliers", "Workshops"],
]


def workbook(
    survey: list[list[Any]] = SURVEY_ROWS, choices: list[list[Any]] = CHOICE_ROWS
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    choice_sheet = book.create_sheet("choices")
    for row in choices:
        choice_sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Enquête acteurs (Kobo)", "acteurs_2026"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def survey_count(admin: httpx.AsyncClient) -> int:
    return len((await admin.get("/v1/surveys?limit=200")).json()["items"])


async def test_an_exported_definition_imports_back(admin: httpx.AsyncClient) -> None:
    original = (await admin.post("/v1/surveys", json=actors_survey())).json()
    exported = (await admin.get(f"/v1/surveys/{original['id']}/definition")).json()
    imported = await admin.post("/v1/surveys/import", json=exported)
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert copy["id"] != original["id"]
    assert copy["status"] == "draft"
    assert {k: copy[k] for k in exported} == exported
    bad = await admin.post("/v1/surveys/import", content=b"{nope")
    assert bad.status_code == 422


async def test_an_xlsform_becomes_a_draft_with_sections_and_conditions(
    admin: httpx.AsyncClient,
) -> None:
    response = await admin.post(
        "/v1/surveys/import?format=xlsform", content=workbook(), headers={"content-type": XLSX}
    )
    assert response.status_code == 201, response.text
    survey = response.json()
    assert survey["title"]["fr"] == "Enquête acteurs (Kobo)"
    assert survey["languages"] == ["fr", "en"]
    structure, activity = survey["sections"]
    assert structure["code"] == "structure"
    assert structure["title"] == {"fr": "Votre structure", "en": "Your organisation"}
    kind, staff, volunteers = structure["questions"]
    assert (kind["type"], kind["allow_other"], kind["required"]) == ("single_choice", True, True)
    assert [c["code"] for c in kind["choices"]] == ["association", "museum"]
    assert staff["help"]["fr"] == "En ETP"
    assert volunteers["show_if"] == {"q": "kind", "op": "eq", "value": "association"}
    assert activity["show_if"] == {"q": "staff", "op": "gte", "value": 1}
    activities, topics, founded, thanks = activity["questions"]
    assert activities["type"] == "multiple_choice"
    assert topics["show_if"] == {
        "all": [
            {"q": "activities", "op": "contains", "value": "workshops"},
            {"not": {"q": "kind", "op": "eq", "value": "museum"}},
        ]
    }
    assert founded["show_if"] == {"q": "kind", "op": "answered", "value": True}
    assert thanks["type"] == "note"
    # What was imported can be published as it is.
    published = await admin.post(f"/v1/surveys/{survey['id']}/publish")
    assert published.status_code == 200, published.text


async def test_an_xlsform_also_comes_as_a_multipart_file(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/v1/surveys/import?format=xlsform",
        files={"file": ("acteurs.xlsx", workbook(), XLSX)},
    )
    assert response.status_code == 201, response.text


def replaced(row_index: int, column: int, value: Any) -> list[list[Any]]:
    rows = [list(r) for r in SURVEY_ROWS]
    rows[row_index][column] = value
    return rows


@pytest.mark.parametrize(
    ("survey", "row", "column", "words"),
    [
        (replaced(4, 0, "geopoint"), 5, "A (type)", "type 'geopoint' is not supported"),
        (replaced(3, 0, "select_one kinds"), 4, "A (type)", "no list 'kinds'"),
        (replaced(5, 5, "${kind} ~ 'x'"), 6, "F (relevant)", "cannot read"),
        (replaced(5, 5, "${later} = 'x'"), 6, "F (relevant)", "not a question before"),
        (replaced(5, 5, "count-selected(${kind}) > 1"), 6, "F (relevant)", "cannot read"),
        # Parentheses deep enough to exhaust Python's stack were a RecursionError (a 500).
        (
            replaced(5, 5, "(" * 300 + "${kind} = 'x'" + ")" * 300),
            6,
            "F (relevant)",
            "parentheses nest at most 10 deep",
        ),
        (replaced(4, 1, "Staff Count"), 5, "B (name)", "is not a code"),
        (replaced(4, 4, "perhaps"), 5, "E (required)", "not yes or no"),
        (replaced(6, 0, "begin_group"), 7, "A (type)", "groups inside groups"),
    ],
)
async def test_what_an_xlsform_import_cannot_take_names_sheet_row_and_column(
    admin: httpx.AsyncClient, survey: list[list[Any]], row: int, column: str, words: str
) -> None:
    before = await survey_count(admin)
    response = await admin.post(
        "/v1/surveys/import?format=xlsform",
        content=workbook(survey),
        headers={"content-type": XLSX},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(
        e["sheet"] == "survey"
        and e["row"] == row
        and e["column"] == column
        and words in e["message"]
        for e in errors
    ), errors
    assert await survey_count(admin) == before


async def test_duplicate_codes_in_an_xlsform_name_their_row(admin: httpx.AsyncClient) -> None:
    before = await survey_count(admin)
    survey = replaced(5, 1, "staff")
    response = await admin.post(
        "/v1/surveys/import?format=xlsform",
        content=workbook(survey),
        headers={"content-type": XLSX},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("survey", 6, "B (name)")
    assert "'staff' is already the name of row 5" in error["message"]
    choices = [*CHOICE_ROWS, ["kind", "museum", "Muséum", "Natural history museum"]]
    response = await admin.post(
        "/v1/surveys/import?format=xlsform",
        content=workbook(choices=choices),
        headers={"content-type": XLSX},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("choices", 6, "B (name)")
    assert "'museum' is already a choice of list 'kind' (row 3)" in error["message"]
    assert await survey_count(admin) == before
    not_a_workbook = await admin.post(
        "/v1/surveys/import?format=xlsform", content=b"PK\x03\x04 nope"
    )
    assert not_a_workbook.status_code == 422
    assert not_a_workbook.json()["errors"][0]["sheet"] == "workbook"


async def test_required_written_as_xpath_booleans_and_a_refused_repeat_named_once(
    admin: httpx.AsyncClient,
) -> None:
    # pyxform (KoboToolbox, ODK) writes required as yes/no, true/false or true()/false().
    survey = replaced(3, 4, "true()")
    survey[4][4] = "FALSE()"
    response = await admin.post(
        "/v1/surveys/import?format=xlsform",
        content=workbook(survey),
        headers={"content-type": XLSX},
    )
    assert response.status_code == 201, response.text
    questions = {q["code"]: q for s in response.json()["sections"] for q in s["questions"]}
    assert (questions["kind"]["required"], questions["staff"]["required"]) == (True, False)
    # A repeat is refused on its begin_repeat row; its end_repeat row is no second error.
    rows = [list(r) for r in SURVEY_ROWS]
    rows[6:6] = [
        ["begin_repeat", "people", "Personnes", None, None, None, None],
        ["text", "person", "Personne", None, None, None, None],
        ["end repeat", None, None, None, None, None, None],
    ]
    refused = await admin.post(
        "/v1/surveys/import?format=xlsform",
        content=workbook(rows),
        headers={"content-type": XLSX},
    )
    assert refused.status_code == 422
    errors = [(e["row"], e["column"], e["message"]) for e in refused.json()["errors"]]
    assert errors == [(7, "A (type)", "type 'begin_repeat' is not supported")], errors
