"""The form page rendered from the parts kept per version and language is the page the
templates render whole: same HTML, headers and cookies, for every state of a page (nothing
answered, answered in part, with errors, saved, in English, every question type), and what
is kept holds nothing of one respondent that another's page could show."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from kit.pages import install_pages
from surveys.forms.rendering import FormRenderer
from surveys.forms.service import form_service
from surveys.questionnaires.compiled import CompiledVersion, compile_version
from surveys.questionnaires.schemas import SurveyDefinition


def label(fr: str, en: str | None = None) -> dict[str, str]:
    return {"fr": fr, **({"en": en} if en else {})}


def choices(*codes: str) -> list[dict[str, Any]]:
    return [{"code": c, "label": label(c.upper(), f"{c} in English")} for c in codes]


#: Every question type, conditions on a question and a section, texts to escape.
DEFINITION = {
    "title": label('Enquête <complète> & "riche"', "Full survey"),
    "sections": [
        {
            "code": "first",
            "title": label("Première", "First"),
            "description": label("Une section", "A section"),
            "questions": [
                {
                    "code": "kind",
                    "type": "single_choice",
                    "label": label("Type", "Kind"),
                    "required": True,
                    "allow_other": True,
                    "help": label("Aide", "Help"),
                    "choices": choices("association", "museum"),
                },
                {"code": "staff", "type": "integer", "label": label("Salariés"), "unit": "ETP"},
                {
                    "code": "volunteers",
                    "type": "integer",
                    "label": label("Bénévoles"),
                    "show_if": {"q": "kind", "op": "eq", "value": "association"},
                },
                {
                    "code": "multi",
                    "type": "multiple_choice",
                    "label": label("Plusieurs"),
                    "allow_other": True,
                    "choices": choices("a", "b"),
                },
                {
                    "code": "drop",
                    "type": "dropdown",
                    "label": label("Liste"),
                    "required": True,
                    "choices": choices("x", "y"),
                },
                {"code": "yes", "type": "yes_no", "label": label("Oui ou non")},
                {"code": "long", "type": "long_text", "label": label("Long"), "max_length": 500},
                {"code": "short", "type": "short_text", "label": label("Court")},
                {"code": "amount", "type": "decimal", "label": label("Montant"), "unit": "€"},
                {"code": "share", "type": "percent", "label": label("Part")},
                {"code": "day", "type": "date", "label": label("Date")},
                {"code": "mail", "type": "email", "label": label("Courriel")},
                {"code": "site", "type": "url", "label": label("Site")},
            ],
        },
        {
            "code": "second",
            "title": label("Deuxième"),
            "show_if": {"q": "staff", "op": "gt", "value": 2},
            "questions": [
                {"code": "intro", "type": "note", "label": label("Une <b>note</b>")},
                {
                    "code": "scale",
                    "type": "scale",
                    "label": label("Échelle"),
                    "min": 1,
                    "max": 5,
                    "min_label": label("Peu"),
                    "max_label": label("Beaucoup"),
                },
                {"code": "nps", "type": "scale", "preset": "nps", "label": label("NPS")},
            ],
        },
        {
            "code": "third",
            "title": label("Troisième"),
            "questions": [
                {
                    "code": "grid",
                    "type": "matrix",
                    "label": label("Matrice"),
                    "min": 1,
                    "max": 3,
                    "rows": choices("r1", "r2"),
                },
                {"code": "budget", "type": "split", "label": label("Parts"),
                 "choices": choices("p", "q")},
                {"code": "rank", "type": "ranking", "label": label("Rang"),
                 "choices": choices("u", "v", "w")},
            ],
        },
    ],
}  # fmt: skip

ANSWERED = {
    "kind": "association",
    "staff": 3,
    "volunteers": 12,
    "multi": ["a", "other"],
    "multi.other": "autre <x>",
    "drop": "y",
    "yes": False,
    "long": "deux\nlignes",
    "short": "s&t",
    "amount": 1.5,
    "share": 40,
    "day": "2027-01-02",
    "mail": "a@example.org",
    "site": "https://example.org",
    "scale": 4,
    "nps": 0,
    "grid": {"r1": 2},
    "budget": {"p": 40, "q": 60},
    "rank": ["w", "u"],
}
ERRORS = {"q.staff": "Expected a whole number", "q.kind.other": "Say <which>", "q.grid": "Rows"}

#: (query string, cookies, answers, page asked for, saved, errors)
STATES = [
    ("", "", {}, None, False, {}),  # a link opened for the first time
    ("", "", {"kind": "museum"}, None, False, {}),  # answered in part
    ("", "", {"kind": "other", "kind.other": "Club", "staff": 5}, 1, True, {}),  # saved
    ("", "", {"staff": 4}, 1, False, {}),  # a page shown by a condition
    ("", "", ANSWERED, 2, False, {}),  # everything answered, last page
    ("", "", ANSWERED, 0, False, ERRORS),  # errors beside their fields
    ("", "", {}, 2, False, {"q.rank": "Ranks"}),  # an error on a question left empty
    ("lang=en", "", {"kind": "museum"}, None, False, {}),  # the English switch
    ("lang=en&page=2", "", ANSWERED, 2, True, ERRORS),
    ("page=1&x=%C3%A9", "maillage_lang=en", {"staff": 9}, 1, False, {}),  # English by cookie
    ("", "maillage_csrf=browser-cookie", {}, None, False, {}),  # the browser has its cookie
]


@pytest.fixture(scope="module")
def app() -> FastAPI:
    app = FastAPI()
    install_pages(app, secret="a secret of at least thirty-two characters")
    return app


@pytest.fixture(scope="module")
def version() -> CompiledVersion:
    definition = SurveyDefinition.model_validate(DEFINITION).model_dump(mode="json")
    return compile_version(uuid.uuid4(), 1, definition)


def request(app: FastAPI, token: str, query: str, cookies: str) -> Request:
    headers = [(b"cookie", cookies.encode())] if cookies else []
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/p/surveys/{token}",
        "query_string": query.encode(),
        "headers": headers,
        "app": app,
        "scheme": "http",
        "server": ("maillage.example.org", 80),
    }
    return Request(scope)


def comparable(answer: Response) -> tuple[int, str, list[tuple[str, str]]]:
    """The answer with what is random in each (the CSP nonce, a new CSRF cookie and the
    token made from it) written the same."""
    body = bytes(answer.body).decode()
    headers = list(answer.headers.items())
    nonce = re.search(r"'nonce-([^']+)'", answer.headers["content-security-policy"])
    assert nonce is not None
    randoms = [nonce.group(1)]
    cookie = re.search(r"maillage_csrf=([^;]+)", answer.headers.get("set-cookie", ""))
    if cookie:
        randoms.append(cookie.group(1))
        body = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="…"', body)
    for random in randoms:
        body = body.replace(random, "…")
        headers = [(k, v.replace(random, "…")) for k, v in headers]
    return answer.status_code, body, sorted(headers)


@pytest.fixture(scope="module")
def renderer() -> FormRenderer:
    """One renderer for every state: the parts one state keeps serve the next ones."""
    return FormRenderer()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("state", range(len(STATES)))
def test_the_kept_parts_give_the_page_the_templates_give(
    app: FastAPI, version: CompiledVersion, renderer: FormRenderer, language: str, state: int
) -> None:
    query, cookies, answers, wanted, saved, errors = STATES[state]
    token = f"token-{state}-{language}"  # each state another respondent's link
    page = form_service.page(version.sections, answers, wanted, errors)
    rendered = {
        cached: comparable(
            renderer.render(
                request(app, token, query, cookies),
                version,
                page,
                token=token,
                language=language,
                saved=saved,
                status_code=422 if errors else 200,
                cached=cached,
            )
        )
        for cached in (True, False)
    }
    assert rendered[True] == rendered[False]
    assert f'action="/p/surveys/{token}"' in rendered[True][1]
    # Kept: one page per section and language, whoever asked.
    assert 0 < len(renderer._frames) <= len(version.sections) * 2


def test_nothing_of_one_respondent_shows_on_another_page(
    app: FastAPI, version: CompiledVersion
) -> None:
    renderer = FormRenderer()
    first = form_service.page(version.sections, ANSWERED, 0, ERRORS)
    renderer.render(
        request(app, "first-token", "", "maillage_csrf=first-cookie"),
        version,
        first,
        token="first-token",
        language="fr",
        saved=True,
    )
    empty = form_service.page(version.sections, {}, 0)
    second = renderer.render(
        request(app, "second-token", "", ""), version, empty, token="second-token", language="fr"
    )
    body = bytes(second.body).decode()
    for trace in ("first-token", "autre &lt;x&gt;", "Say &lt;which&gt;", "Vos réponses sont"):
        assert trace not in body
    assert 'value="association" required checked' not in body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_revealed_notice_is_the_same_kept_or_rendered(
    app: FastAPI, version: CompiledVersion, renderer: FormRenderer, language: str
) -> None:
    page = form_service.page(version.sections, {"kind": "museum"}, 0)
    rendered = {
        cached: comparable(
            renderer.render(
                request(app, "revealing", "", ""),
                version,
                page,
                token="revealing",
                language=language,
                revealed=True,
                cached=cached,
            )
        )
        for cached in (True, False)
    }
    assert rendered[True] == rendered[False]
    words = "De nouvelles questions" if language == "fr" else "revealed new questions"
    assert words in rendered[True][1]
