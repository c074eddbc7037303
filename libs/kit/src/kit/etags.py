"""ETag / If-Match for optimistic concurrency on updates."""

from __future__ import annotations

from kit.problems import PreconditionFailed


def etag_for(version: int) -> str:
    """The strong ETag of a record at ``version``."""
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 when ``If-Match`` is given and names neither ``*`` nor the current version.

    A missing header is accepted: clients that do not do optimistic locking still work.
    """
    if if_match is None:
        return
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or etag_for(version) in candidates:
        return
    raise PreconditionFailed(
        f"The record changed since you read it: it is now at ETag {etag_for(version)}.",
        current_etag=etag_for(version),
    )
