"""Errors of invitations, each a problem type."""

from __future__ import annotations

from kit.pages import PageError
from kit.problems import Conflict, Forbidden, NotFound


class InvitationNotFound(NotFound):
    slug, title = "invitation-not-found", "Invitation not found"


class InvitationsClosed(Conflict):
    slug, title = "survey-not-open", "The survey is not open for invitations"


class InvitationsForbidden(Forbidden):
    slug, title = "invitations-forbidden", "Not your invitations"


class PublicLinkBusy(PageError):
    """429: this address (or everyone, on this survey) started too many responses through
    the public link in the last window; ``Retry-After`` says when the next may start."""

    title = "Too many responses started"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            status=429,
            slug="public-link-busy",
            fr="Trop de réponses viennent d'être commencées par ce lien. Réessayez dans "
            f"{retry_after} secondes.",
            en=f"Too many responses were just started through this link. Try again in "
            f"{retry_after} seconds.",
        )
        self.headers = {"Retry-After": str(retry_after)}
        self.extensions = {"retry_after": retry_after}
