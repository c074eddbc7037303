"""Cursor pagination: ``?limit=&after=`` in, ``{"items": [...], "next": cursor|null}`` out.

Cursors are opaque to callers (URL-safe base64 of a small JSON array holding the sort key of
the last item), so the keyset behind them can change without breaking clients.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query, Request
from pydantic import BaseModel

from kit.problems import InvalidInput

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next`` is the cursor of the following page, or null at the end."""

    items: list[T]
    next: str | None = None


def encode_cursor(key: Sequence[Any]) -> str:
    """Encode the sort key of the last item of a page."""
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`; a forged or stale one is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidInput("query.after", "not a cursor returned by this API") from exc
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidInput("query.after", "not a cursor returned by this API")
    return key


class PageParams(BaseModel):
    """Validated paging parameters; ``limit`` is already capped by the service settings."""

    limit: int
    after: str | None = None


async def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Items per page (capped).")] = None,
    after: Annotated[
        str | None, Query(max_length=512, description="Cursor from a previous page's `next`.")
    ] = None,
) -> PageParams:
    """FastAPI dependency reading ``limit`` and ``after``, capping ``limit`` silently.

    The cap and default come from ``app.state.settings`` so operators can tune them.
    """
    settings = request.app.state.settings
    effective = settings.page_size_default if limit is None else limit
    return PageParams(limit=min(effective, settings.page_size_max), after=after)


def build_page(rows: Sequence[T], params: PageParams, key: Any) -> tuple[list[T], str | None]:
    """Cut ``rows`` (fetched with ``limit + 1``) to a page and compute its ``next`` cursor.

    ``key`` maps the last row of the page to its sort key.
    """
    items = list(rows[: params.limit])
    has_more = len(rows) > params.limit
    return items, (encode_cursor(key(items[-1])) if has_more and items else None)


def decode_time_id_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """Decode a cursor over ``(timestamp, id)``, the common keyset of time-ordered lists."""
    if not cursor:
        return None
    raw_time, raw_id = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(str(raw_time)), uuid.UUID(str(raw_id))
    except ValueError as exc:
        raise InvalidInput("query.after", "not a cursor returned by this API") from exc


def time_id_key(moment: datetime, record_id: uuid.UUID) -> tuple[str, str]:
    """The cursor key matching :func:`decode_time_id_cursor`."""
    return moment.isoformat(), str(record_id)
