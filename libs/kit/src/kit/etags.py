"""ETags: If-Match for optimistic concurrency on updates, If-None-Match for polled reads."""

from __future__ import annotations

from kit.problems import PreconditionFailed


def etag_for(version: int) -> str:
    """The strong ETag of a record at ``version``."""
    return f'"{version}"'


def _named(header: str) -> set[str]:
    """The entity tags a conditional header names, weak ones as strong."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def none_match(etag: str, if_none_match: str | None) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (the answer is then a 304)."""
    return if_none_match is not None and etag in _named(if_none_match)


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 when ``If-Match`` is given and names neither ``*`` nor the current version.

    A missing header is accepted: clients that do not do optimistic locking still work.
    """
    if if_match is None:
        return
    candidates = _named(if_match)
    if "*" in candidates or etag_for(version) in candidates:
        return
    raise PreconditionFailed(
        f"The record changed since you read it: it is now at ETag {etag_for(version)}.",
        current_etag=etag_for(version),
    )
