"""The web form's answers checked through HTTP (no browser): the rules' messages in the page's
language beside each field, a summary naming each question, and ranks that make no order
refused as the API refuses them."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from kit.pages.csrf import CSRF_FIELD

from .test_responses import invite


def _q(code: str, kind: str, fr: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "label": {"fr": fr, "en": en}, **extra}


def _choices(*codes: str) -> list[dict[str, Any]]:
    return [{"code": c, "label": {"fr": c.upper(), "en": c.upper()}} for c in codes]


FORM_SURVEY = {
    "title": {"fr": "Questionnaire du formulaire", "en": "The form's survey"},
    "series": "formulaire",
    "languages": ["fr", "en"],
    "sections": [
        {
            "code": "one",
            "title": {"fr": "Une", "en": "One"},
            "questions": [
                _q("q_int", "integer", "Nombre entier", "Whole number"),
                _q("q_dec", "decimal", "Décimal", "Decimal", max=5.5),
                _q(
                    "q_multi",
                    "multiple_choice",
                    "Plusieurs choix",
                    "Several choices",
                    choices=_choices("a", "b", "c"),
                    max_selections=2,
                    allow_other=True,
                ),
                _q("q_need", "short_text", "Obligatoire", "Needed", required=True),
                _q(
                    "q_rank", "ranking", "Classement", "Ranking", choices=_choices("k1", "k2", "k3")
                ),
            ],
        }
    ],
}

WRONG = {
    "q.q_int": "abc",
    "q.q_dec": "99",
    "q.q_multi": ["a", "b", "other"],
    "q.q_multi.other": "",
    "action": "submit",
}


async def _open(admin: httpx.AsyncClient) -> dict[str, Any]:
    created = await admin.post("/v1/surveys", json=FORM_SURVEY)
    assert created.status_code == 201, created.text
    published = await admin.post(f"/v1/surveys/{created.json()['id']}/publish")
    assert published.status_code == 200, published.text
    return dict(published.json())


async def _send(
    client: httpx.AsyncClient, token: str, fields: dict[str, Any], query: str = ""
) -> httpx.Response:
    page = await client.get(f"/p/surveys/{token}{query}")
    [csrf] = re.findall(rf'name="{CSRF_FIELD}" value="([^"]+)"', page.text)
    return await client.post(f"/p/surveys/{token}", data={CSRF_FIELD: csrf, "page": "0", **fields})


def _errors_beside(page: str) -> dict[str, str]:
    found = re.findall(r'<p class="field__error" id="field-([^"]+)-error">([^<]*)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def _summary(page: str) -> list[tuple[str, str]]:
    block = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    found = re.findall(r'<a href="#([^"]+)">([^<]*)</a>', block)
    return [(anchor, html.unescape(text)) for anchor, text in found]


async def test_the_french_form_says_every_rule_in_french_and_names_the_question(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await _open(admin)
    [token] = await invite(admin, survey)
    sent = await _send(anonymous, token, WRONG)
    assert sent.status_code == 422
    assert 'lang="fr"' in sent.text
    assert _errors_beside(sent.text) == {
        "q.q_int": "un nombre entier",
        "q.q_dec": "au plus 5,5",
        "q.q_multi": "2 choix au plus",
        "q.q_multi.other": "précisez ce que recouvre « autre »",
    }
    assert _summary(sent.text) == [
        ("field-q.q_dec", "Décimal : au plus 5,5"),
        ("field-q.q_int", "Nombre entier : un nombre entier"),
        ("field-q.q_multi", "Plusieurs choix : 2 choix au plus"),
        ("field-q.q_multi.other", "Plusieurs choix (autre) : précisez ce que recouvre « autre »"),
    ]
    # Right values, a required question left empty: the submission names it.
    unsent = await _send(anonymous, token, {"q.q_int": "3", "action": "submit"})
    assert unsent.status_code == 422
    assert _errors_beside(unsent.text) == {"q.q_need": "réponse obligatoire"}
    assert _summary(unsent.text) == [("field-q.q_need", "Obligatoire : réponse obligatoire")]
    # The English switch says the same in English.
    english = await _send(anonymous, token, WRONG, query="?lang=en")
    assert _errors_beside(english.text)["q.q_dec"] == "at most 5.5"
    assert ("field-q.q_dec", "Decimal: at most 5.5") in _summary(english.text)
    # Only the right answer was saved; the API's errors[] stay as they were (in English,
    # kit.problem_texts), and asked in French its detail lists the same fields in French.
    assert (await anonymous.get(f"/v1/responses/{token}")).json()["answers"] == {"q_int": 3}
    api = await anonymous.put(
        f"/v1/responses/{token}",
        json={"answers": {"q_dec": 99}},
        headers={"Accept-Language": "fr"},
    )
    assert api.status_code == 422
    assert api.json()["errors"] == [
        {"field": "answers.q_dec", "question": "q_dec", "message": "at most 5.5"}
    ]
    assert api.json()["detail"] == "answers.q_dec: au plus 5,5"
    english_api = await anonymous.put(f"/v1/responses/{token}", json={"answers": {"q_dec": 99}})
    assert english_api.json()["detail"] == "answers.q_dec: at most 5.5"


async def test_a_number_too_large_to_store_is_refused_beside_its_field(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """The form read "99999999999999999999999" as an integer beyond 64 bits, which the
    answers' JSON could not be written with: a 500 on the respondent's page."""
    survey = await _open(admin)
    [token] = await invite(admin, survey)
    sent = await _send(anonymous, token, {"q.q_int": "99999999999999999999999", "action": "save"})
    assert sent.status_code == 422
    assert _errors_beside(sent.text) == {"q.q_int": "au plus 9223372036854775807"}
    assert (await anonymous.get(f"/v1/responses/{token}")).json()["answers"] == {}


async def test_ranks_with_a_tie_a_gap_or_out_of_range_are_refused_beside_the_question(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await _open(admin)
    [token] = await invite(admin, survey)
    for ranks in ((1, 1, 1), (1, 3, ""), (1, 2, 4), (0, 1, 2), ("a", 1, 2)):
        fields = {f"q.q_rank.k{i}": str(r) for i, r in enumerate(ranks, start=1)}
        sent = await _send(anonymous, token, {**fields, "q.q_int": "7", "action": "save"})
        assert sent.status_code == 422, ranks
        assert _errors_beside(sent.text) == {
            "q.q_rank": "chaque rang une seule fois, de 1 au nombre de choix classés"
        }, ranks
        assert (await anonymous.get(f"/v1/responses/{token}")).json()["answers"] == {}, ranks
    # An order (some choices ranked, from 1 up) is kept, as the API keeps a list of codes.
    kept = await _send(anonymous, token, {"q.q_rank.k3": "1", "q.q_rank.k1": "2"})
    assert kept.status_code == 303
    answers = (await anonymous.get(f"/v1/responses/{token}")).json()["answers"]
    assert answers == {"q_rank": ["k3", "k1"]}


async def test_the_english_confirmation_quotes_the_title_in_english(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await _open(admin)
    french, english = await invite(admin, survey, count=2)
    for token, query in ((french, ""), (english, "?lang=en")):
        sent = await _send(anonymous, token, {"q.q_need": "oui", "action": "submit"}, query)
        assert sent.status_code == 303, sent.text
    done_fr = html.unescape((await anonymous.get(f"/p/surveys/{french}/done?lang=fr")).text)
    assert "au questionnaire «\u00a0Questionnaire du formulaire\u00a0» sont" in done_fr
    done_en = html.unescape((await anonymous.get(f"/p/surveys/{english}/done?lang=en")).text)
    assert "to the survey “The form's survey” have been" in done_en


#: "Oui" on page 1 reveals a section whose question is required.
REVEALING_SURVEY = {
    "title": {"fr": "Questionnaire à révéler", "en": "Revealing survey"},
    "series": "reveler",
    "languages": ["fr", "en"],
    "sections": [
        {
            "code": "first",
            "title": {"fr": "Première", "en": "First"},
            "questions": [_q("more", "yes_no", "Encore ?", "More?")],
        },
        {
            "code": "second",
            "title": {"fr": "Deuxième", "en": "Second"},
            "show_if": {"q": "more", "op": "eq", "value": True},
            "questions": [_q("detail", "short_text", "Détail", "Detail", required=True)],
        },
    ],
}


async def test_a_submission_missing_an_answer_of_another_page_shows_that_page(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post("/v1/surveys", json=REVEALING_SURVEY)
    published = await admin.post(f"/v1/surveys/{created.json()['id']}/publish")
    [token] = await invite(admin, dict(published.json()))
    first = await anonymous.get(f"/p/surveys/{token}")
    assert "Deuxième" not in first.text
    # "Oui" then submit from page 1 (the page was the last before the answer).
    sent = await _send(anonymous, token, {"q.more": "true", "action": "submit"})
    assert sent.status_code == 422
    assert '<h2 id="section-title">Deuxième</h2>' in sent.text
    assert 'data-progress="position">2</span> / <span data-progress="pages">2</span>' in sent.text
    assert _errors_beside(sent.text) == {"q.detail": "réponse obligatoire"}
    assert _summary(sent.text) == [("field-q.detail", "Détail : réponse obligatoire")]


SAME_PAGE_SURVEY = {
    "title": {"fr": "Questions qui apparaissent", "en": "Questions that appear"},
    "series": "apparaitre",
    "languages": ["fr", "en"],
    "sections": [
        {
            "code": "first",
            "title": {"fr": "Première", "en": "First"},
            "questions": [
                _q("kind", "single_choice", "Genre", "Kind", choices=_choices("museum", "assoc")),
                _q(
                    "size",
                    "integer",
                    "Surface",
                    "Area",
                    show_if={"q": "kind", "op": "eq", "value": "museum"},
                ),
            ],
        },
        {
            "code": "second",
            "title": {"fr": "Deuxième", "en": "Second"},
            "questions": [_q("more", "short_text", "Encore", "More")],
        },
    ],
}


async def test_without_javascript_a_question_an_answer_reveals_on_its_page_is_shown_first(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post("/v1/surveys", json=SAME_PAGE_SURVEY)
    published = await admin.post(f"/v1/surveys/{created.json()['id']}/publish")
    first, second, third = await invite(admin, dict(published.json()), count=3)
    # No script: "Musée" reveals the area on this very page, which the respondent has not
    # seen; the page comes again with it (and says why) instead of moving on.
    for token, action in ((first, "next"), (second, "submit")):
        sent = await _send(anonymous, token, {"q.kind": "museum", "action": action})
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/p/surveys/{token}?page=0&revealed=1"
        again = await anonymous.get(sent.headers["location"])
        assert 'id="question-size" data-question="size">' in again.text
        assert "De nouvelles questions sont apparues" in again.text
        stored = (await anonymous.get(f"/v1/responses/{token}")).json()
        assert (stored["status"], stored["answers"]) == ("partial", {"kind": "museum"})
    # Seen now: the page moves on.
    sent = await _send(anonymous, first, {"q.kind": "museum", "q.size": "40", "action": "next"})
    assert sent.headers["location"] == f"/p/surveys/{first}?page=1"
    # The script showed the question as the answer was given: no second stop.
    sent = await _send(anonymous, third, {"q.kind": "museum", "action": "next", "script": "1"})
    assert sent.headers["location"] == f"/p/surveys/{third}?page=1"


async def test_a_link_opened_before_the_survey_opens_says_when_it_opens(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post(
        "/v1/surveys", json=FORM_SURVEY | {"opens_at": "2027-03-01T08:00:00+01:00"}
    )
    published = await admin.post(f"/v1/surveys/{created.json()['id']}/publish")
    [token] = await invite(admin, dict(published.json()))
    page = await anonymous.get(f"/p/surveys/{token}")
    assert page.status_code == 409
    assert "Ce questionnaire n&#39;est pas encore ouvert." in page.text
    assert "Il ouvre le lundi 1 mars 2027 à 8\u00a0h\u00a000." in page.text
    english = await anonymous.get(f"/p/surveys/{token}?lang=en")
    assert "It opens on Monday 1 March 2027, 08:00." in english.text
