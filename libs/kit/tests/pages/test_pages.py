"""Pages over HTTP (no browser): languages, CSRF, security headers, problem pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from kit.pages import format_period, format_when
from kit.pages.csrf import CSRF_COOKIE, CSRF_FIELD
from kit.pages.languages import preferred_by_browser

BASE = "http://testserver"


@pytest.fixture
async def client(pages_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=pages_app), base_url=BASE
    ) as client:
        yield client


def form_token(html: str) -> str:
    match = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)">', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,en;q=0.5,fr;q=0.7", "fr"),
        ("de-DE", None),
        ("en;q=0, fr;q=0.1", "fr"),
        ("en;q=bogus", None),
        (None, None),
    ],
)
def test_browser_language_is_the_best_ranked_of_ours(header: str | None, expected: str) -> None:
    assert preferred_by_browser(header) == expected


async def test_a_page_is_french_first_with_an_english_switch(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/guestbook")
    assert page.status_code == 200
    assert html_lang(page.text) == "fr"
    assert "Livre d&#39;or" in page.text
    assert 'href="/p/guestbook?lang=en" hreflang="en"' in page.text

    english = await client.get("/p/guestbook?lang=en")
    assert html_lang(english.text) == "en"
    assert english.headers["content-language"] == "en"
    assert 'href="/p/guestbook?lang=fr"' in english.text
    # The switch is remembered: the next page, without ?lang, stays in English.
    again = await client.get("/p/guestbook")
    assert html_lang(again.text) == "en"
    back = await client.get("/p/guestbook?lang=fr")
    assert html_lang(back.text) == "fr"


async def test_the_browser_language_applies_until_the_reader_chooses(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/p/guestbook", headers={"accept-language": "en-US,en;q=0.9"})
    assert html_lang(page.text) == "en"


async def test_every_page_sends_its_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/guestbook")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "style-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # Inline script only with this answer's nonce; never 'unsafe-inline'.
    assert re.search(r"script-src 'nonce-[A-Za-z0-9_-]{16,}'", policy)
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    other = await client.get("/p/guestbook")
    assert other.headers["content-security-policy"] != policy, "a nonce is per answer"


async def test_other_html_answers_get_the_strict_policy_and_everything_nosniff(
    client: httpx.AsyncClient,
) -> None:
    plain = await client.get("/plain")
    assert "default-src 'none'" in plain.headers["content-security-policy"]
    assert "script-src 'none'" in plain.headers["content-security-policy"]
    assert plain.headers["x-content-type-options"] == "nosniff"
    data = await client.get("/json")
    assert data.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in data.headers


async def test_the_stylesheet_is_served_by_kit(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/guestbook")
    match = re.search(r'<link rel="stylesheet" href="(/p/static/maillage\.css\?v=\w+)">', page.text)
    assert match, "the layout links kit's own stylesheet, nothing from elsewhere"
    sheet = await client.get(match.group(1))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in sheet.text
    assert "http" not in re.sub(r"/\*.*?\*/", "", sheet.text, flags=re.S), "no external asset"


async def test_a_form_posted_from_its_page_is_accepted(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/guestbook")
    assert CSRF_COOKIE in page.cookies
    set_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in set_cookie
    assert "SameSite=lax" in set_cookie
    assert "Path=/p/" in set_cookie
    signed = await client.post(
        "/p/guestbook", data={CSRF_FIELD: form_token(page.text), "name": "Ada <b>Lovelace</b>"}
    )
    assert signed.status_code == 200
    assert "Merci, Ada &lt;b&gt;Lovelace&lt;/b&gt;" in signed.text, "autoescaped"


async def test_a_field_error_is_written_beside_its_field(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/guestbook")
    refused = await client.post("/p/guestbook", data={CSRF_FIELD: form_token(page.text)})
    assert refused.status_code == 422
    assert '<p class="field__error" id="field-name-error">Indiquez votre nom.</p>' in refused.text
    assert 'aria-describedby="field-name-error" aria-invalid="true"' in refused.text
    assert '<a href="#field-name">Indiquez votre nom.</a>' in refused.text


@pytest.mark.parametrize(
    "forgery",
    ["no cookie", "no token", "wrong token", "token of another form", "cross-site fetch"],
)
async def test_a_forged_post_is_refused_with_a_page(
    client: httpx.AsyncClient, forgery: str
) -> None:
    page = await client.get("/p/guestbook")
    token = form_token(page.text)
    data = {CSRF_FIELD: token, "name": "Mallory"}
    headers = {}
    if forgery == "no cookie":
        client.cookies.delete(CSRF_COOKIE)
    elif forgery == "no token":
        del data[CSRF_FIELD]
    elif forgery == "wrong token":
        data[CSRF_FIELD] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif forgery == "cross-site fetch":
        headers["sec-fetch-site"] = "cross-site"
    path = "/p/elsewhere" if forgery == "token of another form" else "/p/guestbook"
    refused = await client.post(path, data=data, headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Action refusée" in refused.text
    assert "Merci" not in refused.text


async def test_unknown_page_is_a_404_page_in_the_layout(client: httpx.AsyncClient) -> None:
    for path in ("/p/things/secret-token", "/p/no-such-page"):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Page introuvable" in missing.text
        assert 'class="skip-link"' in missing.text
        assert "No thing" not in missing.text, "the API's detail never reaches the page"
        assert "content-security-policy" in missing.headers
    api = await client.get("/v1/things/x")
    assert api.headers["content-type"] == "application/problem+json"


async def test_a_page_error_says_what_happened_in_the_readers_language(
    client: httpx.AsyncClient,
) -> None:
    closed = await client.get("/p/closed")
    assert closed.status_code == 409
    assert "Les inscriptions sont closes." in closed.text
    english = await client.get("/p/closed?lang=en")
    assert "Registrations are closed." in english.text
    assert html_lang(english.text) == "en"


def test_times_are_written_in_paris_in_the_readers_words() -> None:
    start = datetime(2027, 4, 12, 12, 0, tzinfo=UTC)  # 14:00 in Paris (summer time)
    end = datetime(2027, 4, 12, 15, 30, tzinfo=UTC)
    assert format_when(start, "fr") == "lundi 12 avril 2027 à 14\u00a0h\u00a000"
    assert format_when(start, "en") == "Monday 12 April 2027, 14:00"
    assert (
        format_period(start, end, "fr")
        == "lundi 12 avril 2027, de 14\u00a0h\u00a000 à 17\u00a0h\u00a030"
    )
    assert format_period(start, end, "en") == "Monday 12 April 2027, 14:00 to 17:30"
    winter = datetime(2027, 1, 4, 23, 30, tzinfo=UTC)  # already Tuesday 00:30 in Paris
    assert format_period(winter, end, "fr") == (
        "du mardi 5 janvier 2027 à 0\u00a0h\u00a030 au lundi 12 avril 2027 à 17\u00a0h\u00a030"
    )


async def test_groups_of_choices_are_fieldsets_that_keep_the_answers(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/p/questions")
    assert '<legend>Quels publics ? <span class="required">(obligatoire)</span></legend>' in (
        page.text
    )
    assert '<input id="field-audience" type="checkbox" name="audience" value="schools">' in (
        page.text
    )
    assert '<label for="field-audience-2">Familles</label>' in page.text
    assert 'aria-describedby="field-satisfied-hint"' in page.text
    assert '<option value="">Choisir…</option>' in page.text
    assert 'maxlength="2000"' in page.text
    assert 'min="0"' in page.text
    assert 'inputmode="numeric"' in page.text

    answered = await client.post(
        "/p/questions",
        data={
            "csrf_token": form_token(page.text),
            "satisfied": "0",
            "region": "76",
            "comment": "<b>bien</b>",
            "visitors": "12",
        },
    )
    assert answered.status_code == 422
    assert '<p class="field__error" id="field-audience-error">' in answered.text
    assert 'aria-invalid="true">' in answered.text
    assert 'value="0" checked' in answered.text, "the answers given are kept"
    assert '<option value="76" selected>Occitanie</option>' in answered.text
    assert ">&lt;b&gt;bien&lt;/b&gt;</textarea>" in answered.text
    assert 'value="12"' in answered.text
