"""A claim mails staff; its decision mails the claimant (read from a real SMTP server)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from kit.mail.sink import MailSink, ReceivedMail
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
