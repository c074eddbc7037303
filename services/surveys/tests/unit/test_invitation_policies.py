"""The public link's counting window and limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys.invitations.policies import PublicLinkLimits, public_link_allows, public_link_window


@pytest.mark.parametrize(
    ("now", "start", "retry_after"),
    [
        (datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC), datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 60),
        (
            datetime(2026, 12, 7, 12, 0, 59, 500000, tzinfo=UTC),
            datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
            1,
        ),
        (
            datetime(2026, 12, 7, 12, 3, 20, tzinfo=UTC),
            datetime(2026, 12, 7, 12, 3, tzinfo=UTC),
            40,
        ),
    ],
)
def test_the_window_and_the_wait_until_the_next(
    now: datetime, start: datetime, retry_after: int
) -> None:
    assert public_link_window(now) == (start, retry_after)


@pytest.mark.parametrize(
    ("by_address", "in_all", "allowed"),
    [(1, 1, True), (10, 300, True), (11, 12, False), (1, 301, False)],
)
def test_either_limit_refuses(by_address: int, in_all: int, allowed: bool) -> None:
    limits = PublicLinkLimits(per_address=10, per_survey=300)
    assert public_link_allows(limits, by_address=by_address, in_all=in_all) is allowed
