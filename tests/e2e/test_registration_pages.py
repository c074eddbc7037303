"""End to end in a real browser: the link a registrant RECEIVES opens their page through the
gateway; cancelling there hands the seat to the waitlisted person, whose message arrives.

The stack is the real one (every process, NATS, the gateway), mailing to a real SMTP server
(kit.mail.sink) this test reads; Chromium (JavaScript off) follows the links. Screenshots
at 1280 and 390 px wide are kept under var/artifacts/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from kit.mail.sink import MailSink, ReceivedMail
from kit.testing.browser import DESKTOP, PHONE, new_page, save_screenshot
from kit.testing.nats import NatsServer, free_port
from kit.testing.polling import wait_until
from maillage_cli.api import Api
from maillage_cli.stack import Stack, StackOptions

from .conftest import clean_environ

pytestmark = pytest.mark.e2e

#: How long a message may take from the request to the sink (sender polls, NATS, SMTP).
DELIVERY = 30.0


@pytest.fixture(scope="module")
async def sink(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MailSink]:
    async with MailSink(tmp_path_factory.mktemp("e2e-mail")) as running:
        yield running


@pytest.fixture(scope="module")
async def mailing_stack(
    nats: NatsServer,
    sink: MailSink,
    tmp_path_factory: pytest.TempPathFactory,
    supervisor_reports: list[str],
) -> AsyncIterator[Stack]:
    port = free_port()
    environ = clean_environ() | {
        "MAILLAGE_SMTP_URL": sink.url,
        # Links in messages are made absolute from this: the gateway the browser will reach.
        "MAILLAGE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MAILLAGE_MAIL_POLL_SECONDS": "0.2",
    }
    options = StackOptions(
        report=supervisor_reports.append,
        var_dir=tmp_path_factory.mktemp("e2e-pages-var"),
        environ=environ,
        nats_url=nats.url,
        gateway_port=port,
        prefer_default_ports=False,
    )
    async with Stack(options) as running:
        yield running


def event_payload(organizer_id: str) -> dict[str, Any]:
    return {
        "title": f"Journée escape game et médiation {uuid.uuid4().hex[:4]}",
        "kind": "meeting",
        "organizer_ids": [organizer_id],
        "timings": [{"start": "2031-05-20T09:30:00+02:00", "end": "2031-05-20T17:00:00+02:00"}],
        "attendance_mode": "offline",
        "location": {
            "name": "Quai des Savoirs",
            "street": "39 allées Jules Guesde",
            "postcode": "31000",
            "city": "Toulouse",
            "commune_insee": "31555",
        },
        "registration": {"mode": "internal", "capacity": 1, "waitlist": True},
    }


async def message_to(sink: MailSink, address: str, subject_words: str) -> ReceivedMail:
    """The message to ``address`` whose subject holds ``subject_words``, once it arrives."""

    async def arrived() -> ReceivedMail | None:
        for mail in sink.received():
            if address in mail.envelope_to and subject_words in str(mail.message["Subject"]):
                return mail
        return None

    return await wait_until(arrived, within=DELIVERY, what=f"{subject_words!r} to {address}")


def personal_link(mail: ReceivedMail, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/p/registrations/[A-Za-z0-9_-]+", mail.text)
    assert match, f"no personal link in:\n{mail.text}"
    return match.group(0)


async def test_cancelling_through_the_received_link_promotes_the_waitlisted_person(
    mailing_stack: Stack, sink: MailSink, browser: Browser
) -> None:
    base = mailing_stack.api_url
    async with Api(base, mailing_stack.admin_key) as api:
        organizer = await api.create_actor({"kind": "organisation", "name": "Science Animation"})
        event = await api.create_event(event_payload(organizer.id))
    ada = f"ada.{uuid.uuid4().hex[:6]}@example.org"
    grace = f"grace.{uuid.uuid4().hex[:6]}@example.org"
    async with httpx.AsyncClient(base_url=base, timeout=10) as public:  # no API key
        for name, email in (("Ada Lovelace", ada), ("Grace Hopper", grace)):
            registered = await public.post(
                f"/v1/events/{event.id}/registrations", json={"name": name, "email": email}
            )
            assert registered.status_code == 201, registered.text
        assert registered.json()["status"] == "waitlisted"

    confirmation = await message_to(sink, ada, "Inscription confirmée")
    link = personal_link(confirmation, base)
    waitlisted = await message_to(sink, grace, "Liste d'attente")
    assert personal_link(waitlisted, base) != link
    desktop = await new_page(browser, viewport=DESKTOP)
    phone = await new_page(browser, viewport=PHONE)
    try:
        await open_and_cancel(desktop, phone, link)
        promotion = await message_to(sink, grace, "Une place s'est libérée")
        promoted = personal_link(promotion, base)
        assert promoted == personal_link(waitlisted, base), "one link per registration"
        await phone.goto(promoted)
        await expect(phone.locator("#registration-status")).to_contain_text("Confirmée")
        await save_screenshot(phone, "registration-promoted-390")
        await desktop.goto(promoted)
        await save_screenshot(desktop, "registration-promoted-1280")
    finally:
        await desktop.context.close()
        await phone.context.close()


async def open_and_cancel(desktop: Page, phone: Page, link: str) -> None:
    answer = await desktop.goto(link)
    assert answer is not None
    assert answer.status == 200
    await expect(desktop.get_by_role("heading", level=1)).to_contain_text("Journée escape game")
    await expect(desktop.locator("#registration-status")).to_contain_text("Confirmée")
    await save_screenshot(desktop, "registration-confirmed-1280")
    await phone.goto(link)
    await save_screenshot(phone, "registration-confirmed-390")

    await desktop.get_by_role("link", name="Annuler mon inscription").click()
    await expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Annuler votre inscription ?"
    )
    await save_screenshot(desktop, "registration-cancel-confirm-1280")
    await desktop.get_by_role("button", name="Oui, annuler mon inscription").click()
    assert desktop.url == link, "back on the registration's page after the POST"
    await expect(desktop.locator("#registration-status")).to_contain_text("Annulée")
    await expect(desktop.get_by_role("link", name="Annuler mon inscription")).to_have_count(0)
    await save_screenshot(desktop, "registration-cancelled-1280")
