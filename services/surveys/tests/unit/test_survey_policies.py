"""Who sees a survey, without a database: drafts are staff's alone."""

from __future__ import annotations

import uuid

import pytest

from contracts.vocabularies import SurveyStatus
from kit.identity import Identity, Role
from surveys.questionnaires.policies import may_see

STAFF = Identity(subject="k1", role=Role.ANIMATOR)
MEMBER = Identity(subject="k2", role=Role.MEMBER, actor_ids=(uuid.uuid4(),))
ANONYMOUS = Identity(subject="anonymous", role=Role.ANONYMOUS)


@pytest.mark.parametrize("status", list(SurveyStatus))
def test_staff_see_every_survey_others_every_one_but_drafts(status: SurveyStatus) -> None:
    assert may_see(STAFF, status)
    for someone in (MEMBER, ANONYMOUS):
        assert may_see(someone, status) is (status != SurveyStatus.DRAFT)
        assert may_see(someone, status.value) is (status != SurveyStatus.DRAFT)
