"""What can go wrong talking to the portal."""

from __future__ import annotations

from kit.problems import DomainError


class PortalUnavailable(DomainError):
    """The portal could not be read (down, answering errors, or not JSON) after retries."""

    status, slug, title = 502, "portal-unavailable", "The EU Funding & Tenders Portal failed"


class UnreadableRecord(ValueError):
    """A search result the sync cannot turn into a call (skipped, counted, logged)."""

    def __init__(self, key: str | None, reason: str) -> None:
        super().__init__(f"{key or '(no identifier)'}: {reason}")
        self.key = key
        self.reason = reason
