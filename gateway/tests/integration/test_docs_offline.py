"""/docs works offline: Swagger UI's assets come from the gateway, under a strict policy,
and in a real browser the page renders the merged document without asking anyone else."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, ConsoleMessage, Request, expect

from kit.testing.browser import new_page, save_screenshot

from .conftest import Stack


async def test_the_docs_page_names_no_other_origin_and_runs_no_inline_script(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")

    assert page.status_code == 200
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "nothing from a CDN"
    assert "<script>" not in page.text, "no inline script"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "unsafe-eval" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    for asset in re.findall(r'(?:src|href)="(/docs/[^"]+)"', page.text):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["x-content-type-options"] == "nosniff"
        kind = "text/css" if ".css" in asset else "javascript"
        assert kind in served.headers["content-type"], asset


async def test_swagger_ui_renders_the_merged_document_from_this_origin_only(
    stack: Stack, browser: Browser
) -> None:
    page = await new_page(browser, javascript=True, locale="en-GB")
    origins: set[str] = set()
    errors: list[str] = []

    def on_request(request: Request) -> None:
        origins.add(re.sub(r"^(\w+://[^/]+).*$", r"\1", request.url))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    try:
        await page.goto(f"{stack.gateway_url}/docs")
        await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Maillage API")
        await expect(page.locator(".opblock-tag-section").first).to_be_visible()
        # "Try it out" calls the API from the page: allowed, to this origin.
        health = page.locator(".opblock").filter(
            has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/healthz$"))
        )
        await health.locator(".opblock-summary").click()
        await health.get_by_role("button", name="Try it out").click()
        await health.get_by_role("button", name="Execute").click()
        await expect(
            health.locator(".live-responses-table .response .response-col_status")
        ).to_contain_text("200")
        await save_screenshot(page, "gateway-docs-1280")
    finally:
        await page.context.close()

    assert origins == {stack.gateway_url}, "every request went to the gateway itself"
    assert errors == [], "no script or style refused by the policy, nothing failed to load"
