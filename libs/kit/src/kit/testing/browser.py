"""A real browser for page tests: Debian's Chromium driven by Playwright's Python API.

One browser is launched per test session (fixture ``browser``); each test gets a fresh,
cookie-less context (``browser_page``, JavaScript off, since every page must work without
it). Playwright's own browser download is unreachable here, so the fixture launches the
system's ``chromium`` (``/usr/bin/chromium``, or ``MAILLAGE_CHROMIUM``). Where none exists the
tests are skipped with a message saying so, except with ``CI=true``, where that is a failure.

Screenshots go to ``var/artifacts/screenshots/`` (gitignored; ``MAILLAGE_SCREENSHOT_DIR``
elsewhere), kept as artefacts of the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from kit.testing.paths import repo_root

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: The widths every page is looked at: a laptop and a phone.
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when this machine has none."""
    configured = os.environ.get("MAILLAGE_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot_dir() -> Path:
    """Where screenshots are kept (created on first use)."""
    configured = os.environ.get("MAILLAGE_SCREENSHOT_DIR")
    if configured:
        directory = Path(configured)
    else:
        directory = repo_root() / "var" / "artifacts" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as ``<name>.png``; return its path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    path = screenshot_dir() / f"{safe}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session."""
    executable = chromium_path()
    if executable is None:
        why = (
            "no Chromium on this machine (install Debian's chromium, or set MAILLAGE_CHROMIUM "
            "to its path)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"page tests need a browser when CI=true: {why}")
        pytest.skip(f"page tests skipped: {why}; CI=true makes this a failure")

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def new_page(
    browser: Browser,
    *,
    viewport: dict[str, int] | None = None,
    javascript: bool = False,
    locale: str = "fr-FR",
) -> Page:
    """A page in a fresh context (its own cookies), JavaScript off unless asked for."""
    context = await browser.new_context(
        viewport=viewport or DESKTOP,  # type: ignore[arg-type]
        java_script_enabled=javascript,
        locale=locale,
    )
    return await context.new_page()


@pytest.fixture
async def browser_page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page (own cookies, JavaScript off, French browser, 1280 px wide)."""
    page = await new_page(browser)
    try:
        yield page
    finally:
        await page.context.close()
