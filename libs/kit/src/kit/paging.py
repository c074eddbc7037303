"""Cursor pagination: ``?limit=&after=`` in, ``{"items": [...], "next": cursor|null}`` out.

Cursors are opaque to callers (URL-safe base64 of a small JSON array holding the sort key of
the last item), so the keyset behind them can change without breaking clients.

Every list reads its ``after`` through a typed :class:`Cursor` (:data:`NUMBER`, :data:`TEXT`,
:data:`TIME_ID`, :data:`TIME_TEXT`, :data:`TEXT_ID`, or one of its own), so a bad cursor has
one answer everywhere: 422 naming ``query.after``, never a silent restart from the top.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Path, Query, Request
from pydantic import BaseModel

from kit.problems import InvalidInput
from kit.sqltypes import BIGINT_MAX

T = TypeVar("T")
K = TypeVar("K")
#: The field a bad cursor is reported on, and why.
AFTER = "query.after"
NOT_OURS = "not a cursor returned by this API"


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
        raise InvalidInput(AFTER, NOT_OURS) from exc
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidInput(AFTER, NOT_OURS)
    return key


class PageParams(BaseModel):
    """Validated paging parameters; ``limit`` is within the service's maximum."""

    limit: int
    after: str | None = None


LIMIT_DESCRIPTION = (
    "Items per page, from 1 to the maximum (200 unless the operator sets "
    "`MAILLAGE_<SERVICE>_PAGE_SIZE_MAX`); a larger value is a 422 naming the maximum, never "
    "silently cut."
)


async def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description=LIMIT_DESCRIPTION)] = None,
    after: Annotated[
        str | None, Query(max_length=512, description="Cursor from a previous page's `next`.")
    ] = None,
) -> PageParams:
    """FastAPI dependency reading ``limit`` and ``after``.

    The default and maximum come from ``app.state.settings`` so operators can tune them. A
    ``limit`` above the maximum is refused: a client asking for 1000 and getting 200 with a
    ``next`` cursor it does not expect would believe it has everything.
    """
    settings = request.app.state.settings
    if limit is not None and limit > settings.page_size_max:
        raise InvalidInput("query.limit", f"at most {settings.page_size_max}")
    effective = settings.page_size_default if limit is None else limit
    return PageParams(limit=effective, after=after)


def build_page(rows: Sequence[T], params: PageParams, key: Any) -> tuple[list[T], str | None]:
    """Cut ``rows`` (fetched with ``limit + 1``) to a page and compute its ``next`` cursor.

    ``key`` maps the last row of the page to its sort key.
    """
    items = list(rows[: params.limit])
    has_more = len(rows) > params.limit
    return items, (encode_cursor(key(items[-1])) if has_more and items else None)


@dataclass(frozen=True)
class Cursor(Generic[K]):
    """One list's keyset: how the sort key of its last item becomes the ``after`` cursor,
    and back into typed values.

    ``parse`` turns the cursor's JSON values into the key (raising ``ValueError`` or
    ``TypeError`` on anything else), ``dump`` turns a key into JSON values.
    """

    arity: int
    parse: Callable[[Sequence[Any]], K]
    dump: Callable[[K], Sequence[Any]]

    def decode(self, after: str | None) -> K | None:
        """The key ``after`` names; None without one; 422 naming ``query.after`` for a
        cursor this list did not give."""
        if not after:
            return None
        raw = decode_cursor(after, arity=self.arity)
        try:
            return self.parse(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(AFTER, NOT_OURS) from exc

    def encode(self, key: K) -> str:
        """The cursor of the item whose sort key is ``key``."""
        return encode_cursor(self.dump(key))

    def page(
        self, rows: Sequence[T], params: PageParams, key: Callable[[T], K]
    ) -> tuple[list[T], str | None]:
        """Cut ``rows`` (fetched with ``limit + 1``) to a page and give its ``next`` cursor."""
        items = list(rows[: params.limit])
        more = len(rows) > params.limit
        return items, (self.encode(key(items[-1])) if more and items else None)


def number(value: Any) -> int:
    """A cursor part that must be an integer (JSON ``true`` is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def text(value: Any) -> str:
    """A cursor part that must be a string."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def moment(value: Any) -> datetime:
    """A cursor part holding an ISO 8601 time."""
    return datetime.fromisoformat(text(value))


def record_id(value: Any) -> uuid.UUID:
    """A cursor part holding a UUID."""
    return uuid.UUID(text(value))


#: Lists ordered by an integer (a version, an arrival number, a change id).
NUMBER: Cursor[int] = Cursor(1, lambda raw: number(raw[0]), lambda key: [key])
#: Lists ordered by a unique text (a slug).
TEXT: Cursor[str] = Cursor(1, lambda raw: text(raw[0]), lambda key: [key])
#: Time-ordered lists of records with a UUID.
TIME_ID: Cursor[tuple[datetime, uuid.UUID]] = Cursor(
    2,
    lambda raw: (moment(raw[0]), record_id(raw[1])),
    lambda key: [key[0].isoformat(), str(key[1])],
)
#: Time-ordered lists of records with a text id (API keys, webhook endpoints).
TIME_TEXT: Cursor[tuple[datetime, str]] = Cursor(
    2, lambda raw: (moment(raw[0]), text(raw[1])), lambda key: [key[0].isoformat(), key[1]]
)
#: Lists ordered by a text (a folded title) then a UUID.
TEXT_ID: Cursor[tuple[str, uuid.UUID]] = Cursor(
    2, lambda raw: (text(raw[0]), record_id(raw[1])), lambda key: [key[0], str(key[1])]
)


def decode_time_id_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """:data:`TIME_ID` ``.decode`` (kept for the lists written with it)."""
    return TIME_ID.decode(cursor)


def time_id_key(moment: datetime, record_id: uuid.UUID) -> tuple[str, str]:
    """The cursor key matching :func:`decode_time_id_cursor`."""
    return moment.isoformat(), str(record_id)


#: A row id in a path (``/v1/mail/{service}/{mail_id}``): 1 to the largest BIGINT, so a
#: larger number is a 422 naming it, never sent to the database (where it was a 500).
RowIdPath = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
