"""What can go wrong with partners and their pushes."""

from __future__ import annotations

from kit.problems import Conflict, NotFound, Unauthenticated


class PartnerNotFound(NotFound):
    slug = "partner-not-found"


class PartnerExists(Conflict):
    slug = "partner-exists"


class PartnerMessageNotFound(NotFound):
    slug = "partner-message-not-found"


class MessageNotRetriable(Conflict):
    slug = "partner-message-not-retriable"


class InvalidSignature(Unauthenticated):
    slug = "invalid-signature"
    title = "Invalid webhook signature"
