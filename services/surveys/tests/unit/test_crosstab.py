"""Crosstabs of one question by one or two actor attributes (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.results.crosstab import Respondent, UnknownAttribute, crosstab
from surveys.results.statistics import QuestionShape

QUESTION = QuestionShape("q7", "single_choice", choices=("yes", "no"))


def _people(spec: list[tuple[dict[str, Any], Any, int]]) -> list[Respondent]:
    return [
        Respondent(answer, attributes) for attributes, answer, times in spec for _ in range(times)
    ]


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return {cell["code"]: cell["count"] for cell in row["cells"]}


def test_counts_and_shares_per_circle_for_staff() -> None:
    people = _people(
        [
            ({"circle": 1, "region": "76"}, "yes", 8),
            ({"circle": 1, "region": "76"}, "no", 2),
            ({"circle": 2, "region": "75"}, "yes", 6),
            ({"circle": 2, "region": "76"}, "no", 9),
        ]
    )

    table = crosstab(QUESTION, people, ["circle"], k=None)

    assert [row["cut"] for row in table["rows"]] == [{"circle": 1}, {"circle": 2}]
    assert _cells(table["rows"][0]) == {"yes": 8, "no": 2}
    assert table["rows"][0]["cells"][0]["share"] == 0.8
    assert table["total"]["respondents"] == 25


def test_two_attributes_cut_by_pairs_and_withhold_small_cells_with_complements() -> None:
    people = _people(
        [
            ({"circle": 1, "region": "76"}, "yes", 8),
            ({"circle": 1, "region": "76"}, "no", 2),
            ({"circle": 1, "region": "75"}, "yes", 7),
            ({"circle": 1, "region": "75"}, "no", 9),
            ({"circle": 2, "region": "76"}, "yes", 6),
            ({"circle": 2, "region": "76"}, "no", 9),
        ]
    )

    table = crosstab(QUESTION, people, ["circle", "region"], k=5)

    rows = {(r["cut"]["circle"], r["cut"]["region"]): r for r in table["rows"]}
    assert set(rows) == {(1, "75"), (1, "76"), (2, "76")}
    assert _cells(rows[(1, "76")])["no"] is None
    withheld = sum(c["suppressed"] for r in table["rows"] for c in r["cells"])
    assert withheld >= 4  # the 2 and its complements in its row and its column


def test_a_cut_of_fewer_than_k_actors_is_withheld_whole() -> None:
    people = _people(
        [
            ({"department": "09"}, "yes", 2),
            ({"department": "31"}, "yes", 12),
            ({"department": "31"}, "no", 8),
            ({"department": "34"}, "no", 10),
            ({"department": "34"}, "yes", 6),
        ]
    )
    table = crosstab(QUESTION, people, ["department"], k=5)
    ariege = next(r for r in table["rows"] if r["cut"] == {"department": "09"})
    assert ariege["respondents"] is None
    assert all(cell["count"] is None for cell in ariege["cells"])


def test_actors_with_several_themes_count_in_each() -> None:
    people = _people(
        [
            ({"theme": ["biology", "health"]}, "yes", 6),
            ({"theme": ["biology"]}, "no", 5),
            ({"theme": []}, "no", 7),
        ]
    )
    table = crosstab(QUESTION, people, ["theme"], k=None)
    rows = {r["cut"]["theme"]: r for r in table["rows"]}
    assert rows["biology"]["respondents"] == 11
    assert rows["health"]["respondents"] == 6
    assert rows[None]["respondents"] == 7
    assert table["total"]["respondents"] == 18


def test_numbers_give_respondents_mean_and_median_per_cut() -> None:
    question = QuestionShape("budget", "integer")
    people = _people(
        [
            ({"circle": 1}, 1000, 5),
            ({"circle": 1}, 3000, 5),
            ({"circle": 2}, 500, 3),
            ({"circle": 3}, 200, 9),
        ]
    )
    staff = crosstab(question, people, ["circle"], k=None)
    public = crosstab(question, people, ["circle"], k=5)
    assert staff["rows"][0]["mean"] == 2000.0
    assert public["rows"][1]["mean"] is None  # three respondents
    # and another cut with it, or 22 - 10 - 9 gives the three back
    assert sum(row["suppressed"] for row in public["rows"]) >= 2


def test_unknown_attribute_or_more_than_two_are_refused() -> None:
    with pytest.raises(UnknownAttribute, match="colour"):
        crosstab(QUESTION, [], ["colour"], k=5)
    with pytest.raises(ValueError, match="one or two"):
        crosstab(QUESTION, [], ["circle", "region", "type"], k=5)


def test_free_text_has_nothing_to_cut() -> None:
    with pytest.raises(ValueError, match="no counts"):
        crosstab(QuestionShape("c", "long_text"), [], ["circle"], k=5)
