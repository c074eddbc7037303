"""Errors of invitations, each a problem type."""

from __future__ import annotations

from kit.problems import Conflict, Forbidden, NotFound


class InvitationNotFound(NotFound):
    slug, title = "invitation-not-found", "Invitation not found"


class InvitationsClosed(Conflict):
    slug, title = "survey-not-open", "The survey is not open for invitations"


class InvitationsForbidden(Forbidden):
    slug, title = "invitations-forbidden", "Not your invitations"
