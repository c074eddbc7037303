"""Problems follow Accept-Language: title and detail in French or English, the field named
as it is, English without the header, Content-Language and Vary on every problem answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from kit.pages import PageError
from kit.problem_texts import (
    DEFAULT_PROBLEM_LANGUAGE,
    PROBLEM_TEXTS,
    ProblemLanguageMiddleware,
    language_of,
)
from kit.problems import InvalidInput, NotFound, install_problem_handlers

REPO = Path(__file__).resolve().parents[4]


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=5)


class ThingNotFound(NotFound):
    slug, title = "actor-not-found", "Actor not found"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things/{thing_id}")
    async def read(thing_id: str) -> None:
        raise ThingNotFound(f"No actor with id {thing_id}")

    @app.post("/things")
    async def create(body: Thing) -> None:
        raise InvalidInput("name", "already taken")

    @app.get("/page-error")
    async def page_error() -> None:
        raise PageError(status=409, slug="survey-not-answerable", fr="Fermé.", en="Closed.")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    transport = httpx.ASGITransport(app=ProblemLanguageMiddleware(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def lang(value: str | None) -> dict[str, str]:
    return {"Accept-Language": value} if value else {}


@pytest.mark.parametrize(
    ("header", "language", "title", "detail"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr", "Acteur introuvable", "Aucun acteur de l'annuaire"),
        ("en-GB,en;q=0.9", "en", "Actor not found", "No actor with id 42"),
        ("de, en;q=0.3, fr;q=0.2", "en", "Actor not found", "No actor with id 42"),
        ("de", DEFAULT_PROBLEM_LANGUAGE, "Actor not found", "No actor with id 42"),
        (None, DEFAULT_PROBLEM_LANGUAGE, "Actor not found", "No actor with id 42"),
    ],
)
async def test_a_domain_error_speaks_the_language_asked_for(
    client: httpx.AsyncClient, header: str | None, language: str, title: str, detail: str
) -> None:
    response = await client.get("/things/42", headers=lang(header))
    assert response.status_code == 404
    body = response.json()
    assert body["title"] == title
    assert body["detail"].startswith(detail)
    assert response.headers["content-language"] == language
    assert "accept-language" in response.headers["vary"].lower()


async def test_validation_keeps_naming_the_field_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    fr = await client.post("/things", json={"name": "bien trop long"}, headers=lang("fr"))
    en = await client.post("/things", json={"name": "bien trop long"}, headers=lang("en"))
    assert fr.status_code == en.status_code == 422
    assert fr.json()["title"] == "Données non valables"
    assert en.json()["title"] == "Invalid input"
    assert fr.json()["errors"] == [{"field": "name", "message": "au plus 5 caractère(s)"}]
    assert en.json()["errors"] == [
        {"field": "name", "message": "String should have at most 5 characters"}
    ]
    assert fr.json()["detail"] == "name: au plus 5 caractère(s)"
    unknown = await client.post("/things", json={"name": "a", "nom": "b"}, headers=lang("fr"))
    assert unknown.json()["errors"] == [{"field": "nom", "message": "champ inconnu"}]


async def test_a_rule_of_the_service_names_its_field_in_french_too(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "a"}, headers=lang("fr"))
    assert response.json()["title"] == "Données non valables"
    assert response.json()["errors"] == [{"field": "name", "message": "already taken"}]
    assert response.json()["detail"].startswith("name: ")


async def test_an_error_with_its_own_french_words_uses_them(client: httpx.AsyncClient) -> None:
    fr = (await client.get("/page-error", headers=lang("fr"))).json()
    en = (await client.get("/page-error", headers=lang("en"))).json()
    assert (fr["title"], fr["detail"]) == ("Le questionnaire ne prend pas de réponse", "Fermé.")
    assert en["detail"] == "Closed."


async def test_unknown_routes_and_unexpected_errors_follow_too(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere", headers=lang("fr"))
    assert (missing.status_code, missing.json()["title"]) == (404, "Introuvable")
    boom = await client.get("/boom", headers=lang("fr"))
    assert boom.status_code == 500
    assert boom.json()["title"] == "Erreur interne"
    assert boom.headers["content-language"] == "fr"


def test_language_of_reads_weights() -> None:
    assert language_of("en;q=0.4, fr;q=0.8") == "fr"
    assert language_of("fr-CA") == "fr"
    assert language_of("") == DEFAULT_PROBLEM_LANGUAGE


#: ``slug = "x"``, ``slug, title = "x", …``, ``status, slug, title = 429, "x", …``, ``slug="x"``.
_SLUG = re.compile(
    r'^\s*(?:status,\s*)?slug(?:,\s*title)?\s*=\s*(?:\d+,\s*)?"([a-z-]+)"|\bslug="([a-z-]+)"',
    re.M,
)


def _declared_slugs() -> set[str]:
    """Every problem type a package of the workspace declares."""
    roots = [REPO / "libs" / "kit" / "src", REPO / "gateway" / "src"]
    roots += [p / "src" for p in (REPO / "services").iterdir() if (p / "src").is_dir()]
    return {
        a or b
        for root in roots
        for path in root.rglob("*.py")
        for a, b in _SLUG.findall(path.read_text(encoding="utf-8"))
    }


def test_every_problem_type_has_its_french_and_english_words() -> None:
    declared = _declared_slugs()
    assert len(declared) > 60  # the scan finds them
    missing = sorted(declared - PROBLEM_TEXTS.keys())
    assert not missing, f"add these problem types to kit.problem_texts.PROBLEM_TEXTS: {missing}"
