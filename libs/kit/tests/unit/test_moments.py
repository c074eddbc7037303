"""Filters' moments: an aware date-time or a date (00:00 Europe/Paris), and only moments
that UTC, in which the databases store them, can hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from kit.moments import Moment

MOMENT: TypeAdapter[datetime] = TypeAdapter(Moment)


def test_a_date_is_the_start_of_its_day_in_paris_and_a_date_time_keeps_its_offset() -> None:
    assert MOMENT.validate_python("2027-01-01") == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert MOMENT.validate_python("2027-01-01T09:00:00Z") == datetime(2027, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(ValidationError, match="offset"):
        MOMENT.validate_python("2027-01-01T09:00:00")


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-14:00", "0001-01-01", "0001-01-01T00:00:00+01:00"]
)
def test_a_moment_beyond_what_utc_holds_is_refused_by_name(text: str) -> None:
    """Each one overflowed when the query bound it as UTC: a 500 in every list taking
    ``updated_since``, ``from`` or ``to``."""
    with pytest.raises(ValidationError, match="out of range"):
        MOMENT.validate_python(text)
