"""An indicator's value in a wave, overall and per cut (no I/O)."""

from __future__ import annotations

from typing import Any

from surveys.indicators.measures import Measure, misfit, wave_value
from surveys.results.crosstab import Respondent
from surveys.results.statistics import QuestionShape

CHOICE = QuestionShape("activity", "single_choice", choices=("often", "sometimes", "never"))
BUDGET = QuestionShape("budget", "decimal")
RECOMMEND = QuestionShape("reco", "scale", scale=(0, 10), nps=True)


def _people(spec: list[tuple[str, Any, int]]) -> list[Respondent]:
    return [Respondent(answer, {"region": region}) for region, answer, n in spec for _ in range(n)]


def test_share_of_respondents_giving_one_of_the_answers_overall_and_per_region() -> None:
    people = _people(
        [("76", "often", 6), ("76", "never", 6), ("75", "often", 9), ("75", "sometimes", 6)]
    )
    value = wave_value(Measure("share", ("often", "sometimes")), CHOICE, people, by="region", k=5)
    assert value["value"] == round(100 * 21 / 27, 1)
    cuts = {cut["cut"]: cut["value"] for cut in value["cuts"]}
    assert cuts == {"75": 100.0, "76": 50.0}


def test_a_share_that_would_give_a_withheld_count_back_is_withheld() -> None:
    # 'sometimes' (2) is withheld with a complement; a share of often+sometimes would be
    # 'often' + 2 over a published total, unless 'often' is the complement too.
    people = _people([("76", "often", 9), ("76", "sometimes", 2), ("76", "never", 14)])
    staff = wave_value(Measure("share", ("sometimes",)), CHOICE, people, by=None, k=None)
    public = wave_value(Measure("share", ("sometimes",)), CHOICE, people, by=None, k=5)
    assert staff["value"] == 8.0
    assert public == {"value": None, "respondents": 25, "suppressed": True}


def test_mean_and_median_of_numbers_and_nps_of_a_scale() -> None:
    people = _people([("76", 100.0, 3), ("76", 300.0, 3), ("75", 50.0, 1)])
    assert wave_value(Measure("mean"), BUDGET, people, by=None, k=5)["value"] == 178.6  # 1250 / 7
    assert wave_value(Measure("median"), BUDGET, people, by=None, k=5)["value"] == 100.0
    by_region = wave_value(Measure("mean"), BUDGET, people, by="region", k=5)
    assert all(cut["suppressed"] for cut in by_region["cuts"])  # 1 and 6: both go

    scores = _people([("76", 10, 8), ("76", 8, 5), ("76", 3, 7)])
    assert wave_value(Measure("nps"), RECOMMEND, scores, by=None, k=5)["value"] == 5.0


def test_measures_that_do_not_fit_the_question_say_why() -> None:
    assert misfit(Measure("mean"), CHOICE) == (
        "a mean is of numbers or a scale, not of a single_choice question"
    )
    assert misfit(Measure("nps"), BUDGET) is not None
    assert misfit(Measure("share", ("daily",)), CHOICE) == "answers not in question activity: daily"
    assert misfit(Measure("share"), CHOICE) == "a share names the answers it counts"
    assert misfit(Measure("share", (9, 10)), RECOMMEND) is None
