"""The questionnaire's web form in headless Chromium: fill a page, save, come back through
the link, meet a condition, submit, find the response through the API; without JavaScript
(the server applies the conditions) and with it (the same rules in the page's script);
screenshots at 1280 and 390 px."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, expect

from kit.identity import IdentitySigner
from kit.pages.csrf import CSRF_FIELD
from kit.testing.browser import DESKTOP, PHONE, new_page, save_screenshot
from kit.testing.nats import free_port
from kit.testing.plugin import identity_headers
from kit.testing.polling import wait_until

from .test_form_answers import REVEALING_SURVEY
from .test_invitations import open_survey
from .test_responses import invite


@pytest.fixture
async def site(app: FastAPI) -> AsyncIterator[str]:
    """The app under test (its lifespan already running) served over HTTP for the browser."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await wait_until(started, what="the form server listens")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_fill_save_come_back_meet_a_condition_and_submit_without_javascript(
    browser: Browser,
    site: str,
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    identity_signer: IdentitySigner,
) -> None:
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    headers = identity_headers(identity_signer, "anonymous")  # what the gateway adds to /p/
    page = await new_page(browser, viewport=DESKTOP)
    await page.set_extra_http_headers(headers)
    try:
        answer = await page.goto(f"{site}/p/surveys/{token}")
        assert answer is not None
        assert answer.status == 200
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Enquête acteurs de la CSTI"
        )
        await expect(page.get_by_text("Page 1 / 2")).to_be_visible()
        # Without JavaScript the volunteers question waits for the server's decision.
        await expect(page.get_by_label("Bénévoles")).to_be_hidden()
        await page.get_by_label("Association").check()
        await page.get_by_label("Salariés (ETP)").fill("abc")
        await page.get_by_role("button", name="Enregistrer et finir plus tard").click()
        # A wrong answer: the error beside its field, nothing stored.
        await expect(page.locator("#field-q\\.staff-error")).to_contain_text("un nombre entier")
        await page.get_by_label("Salariés (ETP)").fill("3")
        await page.get_by_role("button", name="Enregistrer et finir plus tard").click()
        await expect(page.get_by_role("status")).to_contain_text("Vos réponses sont enregistrées")
        # The condition met: the server shows the volunteers question now.
        await expect(page.get_by_label("Bénévoles")).to_be_visible()
        await save_screenshot(page, "survey-form-1280")

        # Come back later through the same link: the answers are there.
        again = await new_page(browser, viewport=PHONE)
        await again.set_extra_http_headers(headers)
        await again.goto(f"{site}/p/surveys/{token}")
        await expect(again.get_by_label("Association")).to_be_checked()
        await expect(again.get_by_label("Salariés (ETP)")).to_have_value("3")
        await again.get_by_label("Bénévoles").fill("12")
        await save_screenshot(again, "survey-form-390")
        await again.get_by_role("button", name="Page suivante").click()
        await expect(again.get_by_text("Page 2 / 2")).to_be_visible()
        await again.get_by_label("Expositions").fill("30")
        await again.get_by_label("Ateliers").fill("70")
        await again.get_by_role("radio", name="9", exact=True).check()
        await again.get_by_role("button", name="Envoyer mes réponses").click()
        await expect(again.get_by_role("heading", level=1)).to_have_text("Merci !")
        await again.context.close()
    finally:
        await page.context.close()

    found = (await anonymous.get(f"/v1/responses/{token}")).json()
    assert found["status"] == "submitted"
    assert found["answers"] == {
        "structure_type": "association",
        "staff": 3,
        "volunteers": 12,
        "budget": {"exhibitions": 30, "workshops": 70},
        "recommend": 9,
    }


async def test_with_javascript_questions_appear_as_the_respondent_answers(
    browser: Browser, site: str, admin: httpx.AsyncClient, identity_signer: IdentitySigner
) -> None:
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    page = await new_page(browser, viewport=DESKTOP, javascript=True, locale="en-GB")
    await page.set_extra_http_headers(identity_headers(identity_signer, "anonymous"))
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    try:
        await page.goto(f"{site}/p/surveys/{token}")
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Survey of science-culture actors"
        )
        volunteers = page.locator("#question-volunteers")
        await expect(volunteers).to_be_hidden()
        await page.get_by_label("Association").check()
        await expect(volunteers).to_be_visible()
        await page.get_by_label("Musée").check()
        await expect(volunteers).to_be_hidden()
    finally:
        await page.context.close()
    assert errors == []  # the script runs under the page's CSP nonce


async def test_the_public_link_starts_a_response_of_its_own(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin, public_link=True)
    path = survey["public_url"].removeprefix("https://maillage.example.org")
    start = await anonymous.get(path)
    assert start.status_code == 200
    [token_field] = re.findall(rf'name="{CSRF_FIELD}" value="([^"]+)"', start.text)
    assert (await admin.get(f"/v1/surveys/{survey['id']}/invitations")).json()["items"] == []
    begun = await anonymous.post(path, data={CSRF_FIELD: token_field})
    assert begun.status_code == 303
    token = begun.headers["location"].rsplit("/", 1)[1]
    saved = await anonymous.put(f"/v1/responses/{token}", json={"answers": {"staff": 2}})
    assert saved.status_code == 200
    [invitation] = (await admin.get(f"/v1/surveys/{survey['id']}/invitations")).json()["items"]
    assert (invitation["source"], invitation["email"]) == ("public_link", None)
    forged = await anonymous.post(path, data={CSRF_FIELD: "forged"})
    assert forged.status_code == 403
    await admin.patch(f"/v1/surveys/{survey['id']}", json={"public_link": False})
    assert (await anonymous.get(path)).status_code == 404


async def test_with_javascript_the_progress_and_buttons_follow_the_sections_revealed(
    browser: Browser, site: str, admin: httpx.AsyncClient, identity_signer: IdentitySigner
) -> None:
    created = await admin.post("/v1/surveys", json=REVEALING_SURVEY)
    published = await admin.post(f"/v1/surveys/{created.json()['id']}/publish")
    [token] = await invite(admin, dict(published.json()))
    page = await new_page(browser, viewport=DESKTOP, javascript=True)
    await page.set_extra_http_headers(identity_headers(identity_signer, "anonymous"))
    submit = page.get_by_role("button", name="Envoyer mes réponses")
    following = page.get_by_role("button", name="Page suivante")
    try:
        await page.goto(f"{site}/p/surveys/{token}")
        await expect(page.locator("#progress-label")).to_have_text("Page 1 / 1")
        await expect(submit).to_be_visible()
        await expect(following).to_be_hidden()
        await page.get_by_label("Oui").check()
        # The answer reveals section 2: this page is not the last one any more.
        await expect(page.locator("#progress-label")).to_have_text("Page 1 / 2")
        await expect(page.locator("#progress")).to_have_attribute("max", "2")
        await expect(following).to_be_visible()
        await expect(submit).to_be_hidden()
        await page.get_by_label("Non").check()
        await expect(page.locator("#progress-label")).to_have_text("Page 1 / 1")
        await expect(submit).to_be_visible()
        await expect(following).to_be_hidden()
        await page.get_by_label("Oui").check()
        await following.click()
        await expect(page.locator("#progress-label")).to_have_text("Page 2 / 2")
        await expect(page.get_by_label("Détail")).to_be_visible()
        await expect(submit).to_be_visible()
    finally:
        await page.context.close()


async def test_enter_in_a_field_moves_forward_never_back(
    browser: Browser, site: str, admin: httpx.AsyncClient, identity_signer: IdentitySigner
) -> None:
    """Enter in a text field sends the form with its first button: that is the next page
    (or, on the last page, saving), never "previous page" nor the final submission."""
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    for javascript in (False, True):
        page = await new_page(browser, viewport=DESKTOP, javascript=javascript)
        await page.set_extra_http_headers(identity_headers(identity_signer, "anonymous"))
        try:
            await page.goto(f"{site}/p/surveys/{token}")
            await page.get_by_label("Association").check()
            await page.get_by_label("Salariés (ETP)").fill("4")
            await page.get_by_label("Salariés (ETP)").press("Enter")
            if not javascript:  # "Association" revealed the volunteers here: shown first
                await expect(page.get_by_role("status")).to_contain_text("nouvelles questions")
                await page.get_by_label("Salariés (ETP)").press("Enter")
            await expect(page.get_by_text("Page 2 / 2")).to_be_visible()
            await page.get_by_label("Expositions").fill("30")
            await page.get_by_label("Expositions").press("Enter")
            await expect(page.get_by_role("status")).to_contain_text(
                "Vos réponses sont enregistrées"
            )
            await expect(page.get_by_text("Page 2 / 2")).to_be_visible()
            await expect(page.get_by_label("Expositions")).to_have_value("30")
        finally:
            await page.context.close()
