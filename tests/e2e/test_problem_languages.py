"""Through the gateway, every service's problems and the gateway's own follow
Accept-Language: the same request in French and in English gives the two languages, without
the header English (the documented default), the field at fault named as it is."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from maillage_cli.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def admin(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {stack.admin_key}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=30) as client:
        yield client


async def in_each_language(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: object
) -> dict[str | None, httpx.Response]:
    answers: dict[str | None, httpx.Response] = {}
    for language in ("fr", "en", None):
        headers = {"Accept-Language": language} if language else {}
        answers[language] = await client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
    return answers


@pytest.mark.parametrize(
    ("path", "french", "english"),
    [
        ("/v1/actors/{id}", "Acteur introuvable", "Actor not found"),
        ("/v1/events/{id}", "Événement introuvable", "Event not found"),
        ("/v1/surveys/{id}", "Questionnaire introuvable", "Survey not found"),
        ("/v1/calls/{id}", "Appel introuvable", "Call not found"),
        ("/v1/webhooks/endpoints/{id}", "Point de réception introuvable", "Not found"),
    ],
)
async def test_each_service_and_the_gateway_answer_in_the_language_asked_for(
    admin: httpx.AsyncClient, path: str, french: str, english: str
) -> None:
    answers = await in_each_language(admin, "GET", path.format(id=uuid.uuid4()))
    for language, response in answers.items():
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["content-language"] == (language or "en")
        assert "accept-language" in response.headers["vary"].lower()
    assert answers["fr"].json()["title"] == french
    assert answers["en"].json()["title"] == answers[None].json()["title"] == english
    assert answers["fr"].json()["detail"] != answers["en"].json()["detail"]


async def test_a_field_at_fault_is_named_as_it_is_in_both_languages(
    admin: httpx.AsyncClient,
) -> None:
    answers = await in_each_language(admin, "POST", "/v1/actors", json={"kind": "organisation"})
    fr, en = answers["fr"].json(), answers["en"].json()
    assert answers["fr"].status_code == answers["en"].status_code == 422
    assert fr["errors"] == [{"field": "name", "message": "champ obligatoire"}]
    assert en["errors"] == [{"field": "name", "message": "Field required"}]
    assert (fr["title"], en["title"]) == ("Données non valables", "Invalid input")


async def test_the_gateways_own_problems_follow_too(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as anonymous:
        answers = await in_each_language(anonymous, "POST", "/v1/actors", json={})
    assert answers["fr"].status_code == 401
    assert answers["fr"].json()["title"] == "Authentification requise"
    assert answers["en"].json()["title"] == answers[None].json()["title"]
    assert answers["en"].json()["title"] == "Authentication required"
    assert answers["fr"].headers["content-language"] == "fr"
