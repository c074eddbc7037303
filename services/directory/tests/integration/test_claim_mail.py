"""A claim mails staff; its decision mails the claimant (read from a real SMTP server)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from directory.db import mail
from directory.staff_summary import directory_waiting_for_staff
from kit.mail.sink import MailSink, ReceivedMail
from kit.mail.summary import write_staff_summary
from kit.testing.polling import wait_until

from .conftest import STAFF_EMAIL


async def mail_about(sink: MailSink, to: str, needle: str) -> ReceivedMail:
    async def probe() -> ReceivedMail | None:
        return next(
            (m for m in sink.received() if m.envelope_to == [to] and needle in m.text), None
        )

    return await wait_until(probe, within=15, what=f"a message to {to} about {needle}")


async def test_staff_hear_of_the_claim_and_the_claimant_of_the_decision(
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    directory_mail: MailSink,
) -> None:
    name = f"Fablab de Rodez {uuid.uuid4().hex[:6]}"
    created = await admin.post(
        "/v1/actors", json={"kind": "organisation", "name": name, "status": "shadow"}
    )
    shadow = created.json()
    claimant = f"claire.{uuid.uuid4().hex[:6]}@exemple.fr"
    async with member_of() as member:
        claim = await member.post(
            f"/v1/actors/{shadow['id']}/claims",
            json={
                "message": "Je dirige ce fablab.",
                "contact_email": claimant,
                "contact_name": "Claire Dupont",
                "language": "en",
            },
        )
    assert claim.status_code == 201, claim.text
    to_staff = await mail_about(directory_mail, STAFF_EMAIL, name)
    assert to_staff.message["Subject"] == f"Revendication à examiner : {name}"
    assert "Je dirige ce fablab." in to_staff.text
    assert claimant in to_staff.text

    decided = await admin.post(
        f"/v1/actors/{shadow['id']}/claims/{claim.json()['id']}/decision",
        json={"decision": "refused", "reason": "Aucun lien avec la structure."},
    )
    assert decided.status_code == 200, decided.text
    answer = await mail_about(directory_mail, claimant, name)
    assert answer.message["Subject"] == f"Claim refused: {name}"
    assert answer.message["To"].addresses[0].display_name == "Claire Dupont"
    assert "Reason: Aucun lien avec la structure." in answer.text


async def test_a_claim_without_contact_mails_only_staff(
    admin: httpx.AsyncClient, directory_mail: MailSink
) -> None:
    name = f"Planétarium {uuid.uuid4().hex[:6]}"
    shadow = (
        await admin.post(
            "/v1/actors", json={"kind": "organisation", "name": name, "status": "shadow"}
        )
    ).json()
    claim = (await admin.post(f"/v1/actors/{shadow['id']}/claims", json={})).json()
    await mail_about(directory_mail, STAFF_EMAIL, name)
    await admin.post(
        f"/v1/actors/{shadow['id']}/claims/{claim['id']}/decision", json={"decision": "approved"}
    )
    # The decision is recorded; with no contact, only staff ever got mail about this record.
    await wait_until(
        lambda: _settled(admin, shadow["id"]), what="the claim decided and the record active"
    )
    about = [m for m in directory_mail.received() if name in m.text]
    assert [m.envelope_to for m in about] == [[STAFF_EMAIL]]


async def _settled(admin: httpx.AsyncClient, actor_id: str) -> bool:
    return bool((await admin.get(f"/v1/actors/{actor_id}")).json()["status"] == "active")


async def test_the_staff_summary_lists_the_claims_waiting(
    admin: httpx.AsyncClient, directory_app: FastAPI, directory_mail: MailSink
) -> None:
    name = f"Muséum {uuid.uuid4().hex[:6]}"
    shadow = (
        await admin.post(
            "/v1/actors", json={"kind": "organisation", "name": name, "status": "shadow"}
        )
    ).json()
    await admin.post(f"/v1/actors/{shadow['id']}/claims", json={})
    settings = directory_app.state.settings.common
    written = await write_staff_summary(
        directory_app.state.runtime.database,
        mail,
        settings,
        directory_waiting_for_staff,
        now=datetime.now(UTC).replace(hour=12),
    )
    assert written["written"]
    async with directory_app.state.runtime.database.transaction(write=False) as session:
        message_id = await session.scalar(
            sa.select(mail.table.c.message_id).where(mail.table.c.template == "staff_summary")
        )

    async def ours() -> ReceivedMail | None:  # the sink is shared by both backends' apps
        found = [m for m in directory_mail.received() if message_id in m.message["Message-ID"]]
        return found[0] if found else None

    summary = await wait_until(ours, within=15, what="the staff summary")
    assert summary.envelope_to == [STAFF_EMAIL]
    assert summary.message["Subject"].startswith("Ce qui vous attend (directory)")
    waiting = re.search(r"Revendications de fiches à examiner : (\d+)", summary.text)
    assert waiting is not None
    assert int(waiting.group(1)) >= 1
