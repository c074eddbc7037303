"""The shared layout in a real browser (Chromium, JavaScript off): keyboard, landmarks,
language switch, form errors, a cross-site POST refused, screenshots at two widths."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from kit.testing.apps import served
from kit.testing.browser import DESKTOP, PHONE, new_page, save_screenshot


@pytest.fixture(scope="module")
async def site(pages_app: FastAPI) -> AsyncIterator[str]:
    async with served(pages_app) as url:
        yield url


def watch_console(page: Page) -> list[str]:
    """Errors the browser reports (a blocked stylesheet or script would show here)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    return errors


async def test_the_layout_has_landmarks_a_skip_link_and_kits_stylesheet(
    browser_page: Page, site: str
) -> None:
    errors = watch_console(browser_page)
    answer = await browser_page.goto(f"{site}/p/guestbook")
    assert answer is not None
    assert answer.status == 200
    assert await browser_page.get_attribute("html", "lang") == "fr"
    await expect(browser_page.get_by_role("banner")).to_be_visible()
    await expect(browser_page.get_by_role("main")).to_be_visible()
    await expect(browser_page.get_by_role("contentinfo")).to_be_visible()
    await expect(browser_page.get_by_role("navigation", name="Langue")).to_be_visible()
    # The stylesheet loaded under the page's CSP: the header wears the brand colour.
    await expect(browser_page.locator(".site-header")).to_have_css(
        "background-color", "rgb(8, 63, 117)"
    )
    assert errors == [], "no request of the page failed (not even a favicon)"


async def test_the_keyboard_reaches_the_skip_link_first_and_it_shows(
    browser_page: Page, site: str
) -> None:
    await browser_page.goto(f"{site}/p/guestbook")
    skip = browser_page.get_by_role("link", name="Aller au contenu")
    box = await skip.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 0, "hidden until focused"
    await browser_page.keyboard.press("Tab")
    await expect(skip).to_be_focused()
    box = await skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0, "visible once focused"
    await expect(skip).to_have_css("outline-style", "solid")  # the focus ring
    await browser_page.keyboard.press("Enter")
    assert browser_page.url.endswith("#main")
    # Next Tab goes on from the main content: the name field, by its label.
    await browser_page.keyboard.press("Tab")
    await expect(browser_page.get_by_label("Votre nom")).to_be_focused()


async def test_a_form_says_its_error_beside_the_field_then_accepts(
    browser_page: Page, site: str
) -> None:
    await browser_page.goto(f"{site}/p/guestbook")
    await browser_page.get_by_role("button", name="Signer le livre").click()
    field = browser_page.get_by_label("Votre nom")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(browser_page.locator("#field-name-error")).to_have_text("Indiquez votre nom.")
    await expect(browser_page.get_by_role("alert")).to_contain_text("Indiquez votre nom.")
    await save_screenshot(browser_page, "kit-layout-form-error-1280")
    await field.fill("Ada Lovelace")
    await browser_page.get_by_role("button", name="Signer le livre").click()
    await expect(browser_page.get_by_role("status")).to_have_text("Merci, Ada Lovelace")


async def test_the_english_switch_is_a_link_and_is_remembered(
    browser_page: Page, site: str
) -> None:
    await browser_page.goto(f"{site}/p/guestbook")
    await browser_page.get_by_role("link", name="English").click()
    assert await browser_page.get_attribute("html", "lang") == "en"
    await expect(browser_page.get_by_role("heading", level=1)).to_have_text("Guest book")
    await browser_page.goto(f"{site}/p/guestbook")
    assert await browser_page.get_attribute("html", "lang") == "en"
    await browser_page.get_by_role("button", name="Sign the book").click()
    await expect(browser_page.locator("#field-name-error")).to_have_text("Enter your name.")
    await browser_page.get_by_role("link", name="Français").click()
    assert await browser_page.get_attribute("html", "lang") == "fr"


async def test_a_post_from_another_site_is_refused_even_with_a_stolen_token(
    browser_page: Page, site: str
) -> None:
    await browser_page.goto(f"{site}/p/guestbook")
    token = await browser_page.locator("input[name=csrf_token]").get_attribute("value")
    assert token
    # localhost and 127.0.0.1 are different sites to the browser.
    attacker = FastAPI()
    target = f"{site}/p/guestbook"

    @attacker.get("/", response_class=HTMLResponse)
    async def trap() -> str:
        return (
            f'<form method="post" action="{html.escape(target)}">'
            f'<input type="hidden" name="csrf_token" value="{html.escape(token)}">'
            '<input type="hidden" name="name" value="Mallory">'
            "<button>Win a prize</button></form>"
        )

    async with served(attacker) as attacker_url:
        await browser_page.goto(attacker_url.replace("127.0.0.1", "localhost") + "/")
        await browser_page.get_by_role("button", name="Win a prize").click()
        await expect(browser_page.get_by_role("heading", level=1)).to_have_text("Action refusée")
        assert "Mallory" not in await browser_page.content()


async def test_an_unknown_link_is_a_404_page_in_the_layout(browser_page: Page, site: str) -> None:
    answer = await browser_page.goto(f"{site}/p/things/abc")
    assert answer is not None
    assert answer.status == 404
    await expect(browser_page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    await expect(browser_page.get_by_role("main")).to_be_visible()


@pytest.mark.parametrize(("label", "viewport"), [("1280", DESKTOP), ("390", PHONE)])
async def test_the_layout_fits_a_laptop_and_a_phone(
    browser: Browser, site: str, label: str, viewport: dict[str, int]
) -> None:
    page = await new_page(browser, viewport=viewport)
    try:
        await page.goto(f"{site}/p/guestbook")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        button_box = await page.get_by_role("button", name="Signer le livre").bounding_box()
        assert button_box is not None
        assert button_box["x"] + button_box["width"] <= viewport["width"]
        assert button_box["height"] >= 44, "a finger-sized target"
        path = await save_screenshot(page, f"kit-layout-{label}")
        assert path.stat().st_size > 0
        assert re.search(r"kit-layout-\d+\.png$", path.name)
    finally:
        await page.context.close()


async def test_choices_are_groups_a_keyboard_can_answer(browser_page: Page, site: str) -> None:
    await browser_page.goto(f"{site}/p/questions")
    satisfied = browser_page.get_by_role("group", name="Satisfait·e ?")
    await expect(satisfied).to_be_visible()
    await satisfied.get_by_label("Oui").focus()
    await browser_page.keyboard.press("Space")
    await browser_page.keyboard.press("ArrowDown")  # radios: arrows move the answer
    await expect(satisfied.get_by_label("Non")).to_be_checked()
    await browser_page.get_by_label("Région").select_option("76")
    await browser_page.get_by_role("button", name="Envoyer").click()

    audience = browser_page.get_by_role("group", name="Quels publics ?")
    await expect(audience.locator(".field__error")).to_have_text("Choisissez au moins un public.")
    await expect(
        browser_page.get_by_role("group", name="Satisfait·e ?").get_by_label("Non")
    ).to_be_checked()
    await save_screenshot(browser_page, "kit-forms-choices-1280")
    await browser_page.get_by_role("link", name="Choisissez au moins un public.").click()
    await expect(audience.get_by_label("Scolaires")).to_be_focused()
