"""The public link's own rate limit: per client address and per survey, a 429 with
Retry-After beyond either, nothing created by a refused start."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from kit.models import utcnow
from kit.pages.csrf import CSRF_FIELD
from kit.testing.polling import wait_until
from surveys.invitations.policies import public_link_window

from .test_invitations import open_survey


async def test_the_public_link_limits_each_address_and_the_survey(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "public_link_per_address_per_minute", 2)
    monkeypatch.setattr(app.state.settings, "public_link_per_survey_per_minute", 3)
    survey, other = (
        await open_survey(admin, public_link=True),
        await open_survey(admin, public_link=True),
    )
    path = survey["public_url"].removeprefix("https://maillage.example.org")
    other_path = other["public_url"].removeprefix("https://maillage.example.org")

    async def csrf_of(at: str) -> str:
        [field] = re.findall(
            rf'name="{CSRF_FIELD}" value="([^"]+)"', (await anonymous.get(at)).text
        )
        return str(field)

    fields = {path: await csrf_of(path), other_path: await csrf_of(other_path)}

    async def start(at: str, address: str) -> httpx.Response:
        return await anonymous.post(
            at, data={CSRF_FIELD: fields[at]}, headers={"x-forwarded-for": address}
        )

    # The counts are per minute: begin with most of a minute ahead.
    async def fresh_minute() -> bool:
        return public_link_window(utcnow())[1] > 15

    await wait_until(fresh_minute, within=50, what="a fresh minute")
    assert [(await start(path, "192.0.2.1")).status_code for _ in range(2)] == [303, 303]
    refused = await start(path, "192.0.2.1")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Trop de réponses" in refused.text
    # Another address still starts one, until the survey's own limit...
    assert (await start(path, "192.0.2.2")).status_code == 303
    busy = await start(path, "192.0.2.3")
    assert busy.status_code == 429
    assert busy.headers["retry-after"]
    # ...which is the survey's: another survey's link answers the same addresses.
    assert (await start(other_path, "192.0.2.1")).status_code == 303
    invitations = (await admin.get(f"/v1/surveys/{survey['id']}/invitations")).json()["items"]
    assert len(invitations) == 3  # the refused starts made nothing
