"""When answers may change, and what an anonymous response keeps of its moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.vocabularies import SurveyStatus
from surveys.responses.policies import Refusal, anonymous_moment, answering_refusal

NOW = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("anonymous", "allow_edit", "expected"),
    [
        (False, True, None),
        (False, False, Refusal.SUBMITTED),
        # A submitted anonymous response is cut from its link: it changes no more.
        (True, True, Refusal.SUBMITTED),
    ],
)
def test_edits_after_submission(anonymous: bool, allow_edit: bool, expected: Refusal) -> None:
    refusal = answering_refusal(
        status=SurveyStatus.OPEN,
        opens_at=None,
        closes_at=None,
        now=NOW,
        submitted=True,
        allow_edit_after_submit=allow_edit,
        anonymous=anonymous,
    )
    assert refusal == expected


@pytest.mark.parametrize(
    ("moment", "day_start"),
    [
        (NOW, datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),  # midnight in Paris, winter
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), datetime(2026, 6, 30, 22, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 22, 0, tzinfo=UTC), datetime(2026, 7, 1, 22, 0, tzinfo=UTC)),
    ],
)
def test_an_anonymous_moment_is_the_start_of_its_day_in_paris(
    moment: datetime, day_start: datetime
) -> None:
    assert anonymous_moment(moment) == day_start
    assert anonymous_moment(day_start) == day_start
