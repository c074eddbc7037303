"""The messages a claim causes, written in the mail outbox with the claim or its decision.

Staff hear of each new claim at ``MAILLAGE_STAFF_EMAIL`` (when set); the claimant hears of the
decision at the contact address given with the claim (when given), in their language. Keys
(``claim:<id>:received|decided``) make each go once. Templates: ``directory/mail_templates``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor
from directory.claims.models import Claim
from directory.db import mail


class ClaimMessages:
    async def received(
        self, session: AsyncSession, *, actor: Actor, claim: Claim, staff_email: str
    ) -> None:
        """Tell staff a claim waits for their decision."""
        if not staff_email:
            return
        await mail.send(
            session,
            to=staff_email,
            template="claim_received",
            data={
                "actor": {"id": str(actor.id), "name": actor.name},
                "claim": {
                    "id": str(claim.id),
                    "requested_by": claim.requested_by,
                    "contact_name": claim.contact_name,
                    "contact_email": claim.contact_email,
                    "message": claim.message,
                },
                "claims_link": f"/v1/actors/{actor.id}/claims",
            },
            key=f"claim:{claim.id}:received",
        )

    async def decided(self, session: AsyncSession, *, actor: Actor, claim: Claim) -> None:
        """Tell the claimant what staff decided."""
        if not claim.contact_email:
            return
        await mail.send(
            session,
            to=claim.contact_email,
            to_name=claim.contact_name,
            template="claim_decided",
            data={
                "name": claim.contact_name,
                "actor": {"id": str(actor.id), "name": actor.name},
                "approved": claim.status == "approved",
                "reason": claim.reason,
            },
            language=claim.language,
            key=f"claim:{claim.id}:decided",
        )


claim_messages = ClaimMessages()
