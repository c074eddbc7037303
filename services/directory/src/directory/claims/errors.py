"""What can go wrong with claims on an actor."""

from __future__ import annotations

from kit.problems import NotFound


class ClaimNotFound(NotFound):
    slug, title = "claim-not-found", "Claim not found"
