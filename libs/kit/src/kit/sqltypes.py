"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

#: The largest integer both backends store (BIGINT): an id or a number beyond it is refused
#: at input, never sent to the database (which fails the request with a 500).
BIGINT_MAX = 2**63 - 1
#: The largest value of an INTEGER column (PostgreSQL's int4): a number compared with one is
#: bounded by it at input, or PostgreSQL refuses the query (a 500) instead of finding nothing.
INTEGER_MAX = 2**31 - 1


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both backends.

    SQLite has no time zone type: values are stored as naive UTC and given back tz-aware, so
    the rest of the code only ever sees aware datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON everywhere, JSONB on PostgreSQL (indexable, compact).
Json: sa.types.TypeEngine[Any] = sa.JSON().with_variant(JSONB(), "postgresql")
