"""The figures of each question type, for staff and for the public (no I/O)."""

from __future__ import annotations

import pytest

from surveys.results.statistics import QuestionShape, response_rate, summarise


def _choices(summary: dict[str, object]) -> dict[str, tuple[object, object]]:
    items = summary["choices"]
    assert isinstance(items, list)
    return {item["code"]: (item["count"], item["share"]) for item in items}


def test_single_choice_counts_and_shares_of_those_who_answered() -> None:
    question = QuestionShape("q1", "single_choice", choices=("a", "b", "c"))
    answers = ["a"] * 6 + ["b"] * 9 + ["c"] * 5

    summary = summarise(question, answers, k=None)

    assert summary["respondents"] == 20
    assert _choices(summary) == {"a": (6, 0.3), "b": (9, 0.45), "c": (5, 0.25)}


def test_public_single_choice_withholds_a_small_cell_and_a_complement() -> None:
    question = QuestionShape("q1", "single_choice", choices=("a", "b", "c", "d"))
    answers = ["a"] * 2 + ["b"] * 9 + ["c"] * 14 + ["d"] * 6

    summary = summarise(question, answers, k=5)

    shown = _choices(summary)
    assert shown["a"] == (None, None)
    hidden = [code for code, figures in shown.items() if figures == (None, None)]
    assert len(hidden) >= 2  # else 31 - 9 - 14 - 6 gives the 2 back
    assert summary["respondents"] == 31
    published = sum(c for c, _ in shown.values() if isinstance(c, int))
    assert published < 31


def test_multiple_choice_shares_are_of_respondents_and_stand_alone() -> None:
    question = QuestionShape("q2", "multiple_choice", choices=("x", "y", "z"))
    answers = [["x", "y"]] * 6 + [["y"]] * 4 + [["z", "x"]] * 2

    staff = summarise(question, answers, k=None)
    public = summarise(question, answers, k=5)

    assert staff["respondents"] == 12
    assert _choices(staff) == {"x": (8, 0.6667), "y": (10, 0.8333), "z": (2, 0.1667)}
    # No relation ties the counts together, so only the small one goes.
    assert _choices(public) == {"x": (8, 0.6667), "y": (10, 0.8333), "z": (None, None)}


def test_numbers_give_mean_median_quartiles_and_hide_extremes_from_the_public() -> None:
    question = QuestionShape("budget", "decimal")
    answers = [10, 20, 30, 40, 50, 60, 70, 80, 90]

    staff = summarise(question, answers, k=None)
    public = summarise(question, answers, k=5)

    assert staff | {"min": 10.0, "max": 90.0} == staff
    assert (staff["mean"], staff["median"], staff["q1"], staff["q3"]) == (50.0, 50.0, 30.0, 70.0)
    assert "min" not in public
    assert public["mean"] == 50.0


def test_figures_of_fewer_than_k_respondents_are_withheld_whole() -> None:
    question = QuestionShape("budget", "integer")
    public = summarise(question, [100, 2000, 35000], k=5)
    assert public == {
        "code": "budget",
        "type": "integer",
        "respondents": None,
        "suppressed": True,
        "mean": None,
        "median": None,
        "q1": None,
        "q3": None,
    }


def test_scale_distribution_and_mean_withheld_together_when_a_cell_is_small() -> None:
    question = QuestionShape("sat", "scale", scale=(1, 5))
    full = [1] * 5 + [2] * 6 + [3] * 7 + [4] * 8 + [5] * 9
    assert summarise(question, full, k=5)["mean"] == pytest.approx(115 / 35, abs=1e-3)

    thin = [1] * 2 + [2] * 6 + [3] * 7 + [4] * 8 + [5] * 9
    public = summarise(question, thin, k=5)
    assert public["mean"] is None  # with the counts it would solve for the withheld cells
    counts = [item["count"] for item in public["distribution"]]
    assert counts[0] is None
    assert counts.count(None) >= 2


def test_nps_is_promoters_minus_detractors_and_withheld_with_its_groups() -> None:
    question = QuestionShape("reco", "nps", scale=(0, 10))
    answers = [10] * 10 + [9] * 5 + [8] * 5 + [7] * 5 + [3] * 5

    staff = summarise(question, answers, k=None)
    assert staff["nps"] == pytest.approx(100 * (15 - 5) / 30, abs=0.1)
    assert {g["group"]: g["count"] for g in staff["groups"]} == {
        "detractors": 5,
        "passives": 10,
        "promoters": 15,
    }

    few_detractors = [10] * 10 + [9] * 5 + [8] * 5 + [7] * 5 + [3] * 2
    public = summarise(question, few_detractors, k=5)
    assert public["nps"] is None
    assert {g["group"]: g["count"] for g in public["groups"]}["detractors"] is None


def test_matrix_summarises_each_row_on_its_scale() -> None:
    question = QuestionShape("m", "matrix", rows=("r1", "r2"), scale=(1, 3))
    answers = [{"r1": 1, "r2": 3}] * 6 + [{"r1": 3, "r2": 3}] * 6

    summary = summarise(question, answers, k=None)

    rows = {row["row"]: row for row in summary["rows"]}
    assert rows["r1"]["mean"] == 2.0
    assert rows["r2"]["mean"] == 3.0
    assert [d["count"] for d in rows["r1"]["distribution"]] == [6, 0, 6]


def test_ranking_mean_rank_all_or_nothing() -> None:
    question = QuestionShape("rk", "ranking", choices=("a", "b", "c"))
    answers = [["a", "b", "c"]] * 4 + [["b", "a", "c"]] * 2

    staff = summarise(question, answers, k=None)
    assert {c["code"]: c["mean_rank"] for c in staff["choices"]} == {
        "a": pytest.approx(1.333, abs=1e-3),
        "b": pytest.approx(1.667, abs=1e-3),
        "c": 3.0,
    }
    assert summarise(question, answers, k=5)["suppressed"] is False
    assert summarise(question, answers[:4], k=5)["suppressed"] is True


def test_split_mean_shares() -> None:
    question = QuestionShape("sp", "split", choices=("outreach", "training"))
    answers = [{"outreach": 80, "training": 20}] * 3 + [{"outreach": 40, "training": 60}] * 2

    summary = summarise(question, answers, k=5)

    assert {c["code"]: c["mean_share"] for c in summary["choices"]} == {
        "outreach": 64.0,
        "training": 36.0,
    }


def test_free_text_answers_only_for_staff() -> None:
    question = QuestionShape("comment", "long_text")
    answers = ["Très bien", "À revoir", "Merci", "Bien", "Ok"]
    # In the order of the words, not of the table (which follows when they were written).
    assert summarise(question, answers, k=None)["answers"] == sorted(answers)
    public = summarise(question, answers, k=5)
    assert "answers" not in public
    assert public["respondents"] == 5


def test_response_rate() -> None:
    staff = response_rate(invited=40, partial=6, submitted=22, k=None)
    assert staff == {
        "partial": 6,
        "submitted": 22,
        "invited": 40,
        "rate": 0.55,
        "suppressed": False,
    }
    # Invitees who did not answer are not respondents: 2 partial, 16 not started are no small
    # cell, and withholding them used to withhold the 22 submitted (given on the same page as
    # the respondents) in secondary suppression. Failed before the fix (partial: None).
    public = response_rate(invited=40, partial=2, submitted=22, k=5)
    assert public == {**staff, "partial": 2}
    assert response_rate(invited=15, partial=0, submitted=12, k=5) == {
        "partial": 0,
        "submitted": 12,
        "invited": 15,
        "rate": 0.8,
        "suppressed": False,
    }


@pytest.mark.parametrize(("submitted", "respondents"), [(3, None), (3, 3), (6, 4), (4, 6)])
def test_a_small_count_of_respondents_withholds_the_submitted_count_and_the_rate(
    submitted: int, respondents: int | None
) -> None:
    public = response_rate(invited=15, partial=2, submitted=submitted, k=5, respondents=respondents)
    assert public == {
        "partial": None,
        "submitted": None,
        "invited": None,
        "rate": None,
        "suppressed": True,
    }
    shown = response_rate(invited=15, partial=2, submitted=submitted, k=None)
    assert shown["submitted"] == submitted


def test_a_withheld_submitted_count_cannot_be_read_off_the_other_counts() -> None:
    # 5 invited, 4 partial, withheld because at least one submitted: that one is the fifth.
    # And a cut down to one invitee must not say whether that person answered.
    for invited, partial in ((5, 4), (1, 0)):
        public = response_rate(invited=invited, partial=partial, submitted=1, k=5)
        assert public == {
            "partial": None,
            "submitted": None,
            "invited": None,
            "rate": None,
            "suppressed": True,
        }


def test_no_respondent_is_no_small_cell() -> None:
    nobody = response_rate(invited=3, partial=1, submitted=0, k=5, respondents=0)
    assert (nobody["submitted"], nobody["rate"], nobody["suppressed"]) == (0, 0.0, False)


def test_k_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        summarise(QuestionShape("q", "integer"), [1, 2, 3], k=2)
