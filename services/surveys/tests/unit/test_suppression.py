"""Small-cell suppression, checked by an attacker who tries to recompute every withheld count.

The attacker below is independent of the module: it enumerates whole-number tables that agree
with every published count and every relation (withheld counts non-zero when they are, to be
safe) and reports each withheld cell that takes one value only.
"""

from __future__ import annotations

import random
from collections.abc import Hashable

import pytest

from surveys.results.crosstab import Respondent, crosstab
from surveys.results.statistics import QuestionShape, summarise
from surveys.results.suppression import (
    TOTAL,
    CountTable,
    Relation,
    grid_table,
    primary_cells,
    suppress,
    unprotected,
)


def recomputable(
    table: CountTable, withheld: frozenset[Hashable] | set[Hashable], k: int = 5
) -> list[object]:
    """Every withheld cell whose value the published table pins down (the attacker's view).

    A zero pinned by a published zero total is not counted: the total already said it.
    """
    hidden = sorted(withheld, key=repr)
    small = [
        c for size, cells in table.populations.items() if table.values[size] < k for c in cells
    ]
    floors = {c: 1 if table.values[c] > 0 and c not in small else 0 for c in hidden}
    said = {
        m
        for r in table.relations
        if r.total not in withheld and table.values[r.total] == 0
        for m in r.members
    }
    return [
        cell
        for cell in hidden
        if cell not in said and not _another_value_fits(table, hidden, cell, floors)
    ]


Floors = dict[Hashable, int]


def _another_value_fits(
    table: CountTable, hidden: list[Hashable], target: Hashable, floors: Floors
) -> bool:
    true_value = table.values[target]
    for guess in range(floors[target], true_value + 4):
        if guess != true_value and _solve(table, hidden, {target: guess}, floors):
            return True
    return False


def _solve(
    table: CountTable, hidden: list[Hashable], assigned: dict[Hashable, int], floors: Floors
) -> bool:
    assigned = dict(assigned)
    hidden_set = set(hidden)

    def value(cell: Hashable) -> int:
        return assigned[cell] if cell in hidden_set else table.values[cell]

    progress = True
    while progress:
        progress = False
        for relation in table.relations:
            cells = [*relation.members, relation.total]
            open_cells = [c for c in cells if c in hidden_set and c not in assigned]
            if len(open_cells) > 1:
                continue
            known_members = sum(value(m) for m in relation.members if m not in open_cells)
            if not open_cells:
                if known_members != value(relation.total):
                    return False
                continue
            (cell,) = open_cells
            forced = (
                known_members if cell == relation.total else value(relation.total) - known_members
            )
            if forced < floors[cell]:
                return False
            assigned[cell] = forced
            progress = True
    remaining = [c for c in hidden if c not in assigned]
    if not remaining:
        return True
    cell = remaining[0]
    return any(
        _solve(table, hidden, {**assigned, cell: guess}, floors)
        for guess in range(floors[cell], table.values[cell] + 4)
    )


def _grid(matrix: list[list[int]]) -> CountTable:
    rows = [f"r{i}" for i in range(len(matrix))]
    columns = [f"c{j}" for j in range(len(matrix[0]))]
    counts = {(r, c): matrix[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    return grid_table(counts, rows, columns)


def test_a_lone_small_cell_is_recomputed_from_its_row_unless_complements_are_withheld() -> None:
    table = _grid([[2, 9, 14], [11, 12, 10], [8, 15, 7]])

    primary = primary_cells(table, 5)
    assert primary == {("r0", "c0")}
    assert recomputable(table, primary) == [("r0", "c0")]  # 2 = row total 25 - 9 - 14

    withheld = suppress(table, 5)
    assert primary <= withheld
    assert len(withheld) >= 4  # at least a rectangle: its row and column need a partner each
    assert recomputable(table, withheld) == []
    assert unprotected(table, withheld, k=5) == []


def test_two_withheld_ones_in_a_row_are_not_enough_when_both_are_known_to_be_non_zero() -> None:
    # Row total 12 with 10 published: the two withheld cells add up to 2 and neither is 0.
    table = grid_table(
        {("all", "a"): 1, ("all", "b"): 1, ("all", "c"): 10}, ["all"], ["a", "b", "c"]
    )
    naive = {("all", "a"), ("all", "b")}
    assert sorted(recomputable(table, naive), key=repr) == sorted(naive, key=repr)

    withheld = suppress(table, 5)
    assert recomputable(table, withheld) == []
    assert (("all", TOTAL) in withheld) or (("all", "c") in withheld)


def test_a_cut_smaller_than_k_is_withheld_whole_zeros_included() -> None:
    # Two respondents in r1, both chose c0: publishing the zeros would say what both chose.
    table = _grid([[12, 7, 9], [2, 0, 0], [10, 6, 8]])
    withheld = suppress(table, 5)
    assert {("r1", "c0"), ("r1", "c1"), ("r1", "c2"), ("r1", TOTAL)} <= withheld
    assert recomputable(table, withheld) == []


def test_zeros_of_large_cuts_and_counts_of_k_or_more_are_published() -> None:
    table = _grid([[12, 0, 9], [6, 5, 0], [10, 6, 8]])
    assert suppress(table, 5) == frozenset()


def test_everything_is_withheld_when_all_respondents_are_fewer_than_k() -> None:
    table = _grid([[1, 1], [0, 1]])
    assert suppress(table, 5) == frozenset(table.values)


def test_k_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        suppress(_grid([[5, 5]]), 2)


def test_suppression_is_deterministic() -> None:
    table = _grid([[3, 9, 14, 6], [11, 1, 10, 7], [8, 15, 7, 2]])
    assert suppress(table, 5) == suppress(table, 5)


def test_counts_of_several_choices_only_tie_each_column_to_its_total() -> None:
    # Multiple choice by circle: a respondent ticks several boxes, so rows do not add up.
    rows, columns = ["1", "2", "3"], ["a", "b"]
    counts = {("1", "a"): 3, ("1", "b"): 8, ("2", "a"): 9, ("2", "b"): 9, ("3", "a"): 7}
    counts[("3", "b")] = 12
    table = grid_table(
        counts, rows, columns, row_sizes={"1": 10, "2": 12, "3": 15}, rows_add_up=False
    )
    withheld = suppress(table, 5)
    assert ("1", "a") in withheld
    assert recomputable(table, withheld) == []
    # Row "1" has no relation, so its 8 need not be withheld for the 3 to stay hidden.
    assert ("1", "b") not in withheld


def test_cells_outside_any_relation_are_protected_by_being_withheld() -> None:
    table = CountTable({"x": 2, "y": 40}, [])
    assert suppress(table, 5) == {"x"}


def test_a_relation_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        CountTable({"a": 1, "b": 2, "t": 4}, [Relation(("a", "b"), "t")])


def _random_matrix(rng: random.Random) -> list[list[int]]:
    shape = (rng.randint(1, 3), rng.randint(2, 3))
    return [
        [rng.choice([0, 1, 2, 3, 4, 6, 9, 13]) for _ in range(shape[1])] for _ in range(shape[0])
    ]


@pytest.mark.parametrize("k", [3, 5])
def test_no_withheld_count_of_random_tables_can_be_recomputed(k: int) -> None:
    rng = random.Random(20261207 + k)
    checked = 0
    for _ in range(120):
        table = _grid(_random_matrix(rng))
        withheld = suppress(table, k)
        assert primary_cells(table, k) <= withheld
        assert recomputable(table, withheld, k) == [], table.values
        checked += bool(withheld)
    assert checked > 60  # most random tables had something to hide


def test_no_withheld_count_of_random_one_way_tables_can_be_recomputed() -> None:
    rng = random.Random(7)
    for _ in range(150):
        answers = [rng.choice([0, 1, 1, 2, 3, 5, 8, 20]) for _ in range(rng.randint(2, 6))]
        table = grid_table(
            {("all", i): n for i, n in enumerate(answers)}, ["all"], list(range(len(answers)))
        )
        withheld = suppress(table, 5)
        assert recomputable(table, withheld) == [], answers


def test_the_attacker_would_catch_primary_suppression_alone_in_random_tables() -> None:
    # Guards the guard: the checker above is strict enough to see the naive mistake.
    rng = random.Random(11)
    caught = 0
    for _ in range(60):
        table = _grid(_random_matrix(rng))
        caught += bool(recomputable(table, primary_cells(table, 5)))
    assert caught > 10


def test_a_crosstab_and_the_results_of_its_question_together_give_nothing_back() -> None:
    """The crosstab's total row is the question's results: both withhold the same totals, and
    the published crosstab with those results recomputes none of its withheld counts."""
    rng = random.Random(5)
    question = QuestionShape("q", "single_choice", choices=("a", "b", "c"))
    for _ in range(25):
        people = [
            Respondent(rng.choice("aabbbcc"), {"circle": rng.choice([1, 2, 2, 3, 3, 3])})
            for _ in range(rng.randint(8, 40))
        ]
        staff = crosstab(question, people, ["circle"], k=None)
        public = crosstab(question, people, ["circle"], k=5)
        results = summarise(question, [p.answer for p in people], k=5)

        results_hidden = {c["code"] for c in results["choices"] if c["suppressed"]}
        total_hidden = {c["code"] for c in public["total"]["cells"] if c["suppressed"]}
        assert results_hidden == total_hidden

        rows = [tuple(r["cut"].values()) for r in staff["rows"]]
        counts = {
            (row, c["code"]): c["count"]
            for row, r in zip(rows, staff["rows"], strict=True)
            for c in r["cells"]
        }
        table = grid_table(counts, rows, ["a", "b", "c"])
        withheld = {
            (row, c["code"])
            for row, r in zip(rows, public["rows"], strict=True)
            for c in r["cells"]
            if c["suppressed"]
        }
        withheld |= {
            (row, TOTAL) for row, r in zip(rows, public["rows"], strict=True) if r["suppressed"]
        }
        withheld |= {(TOTAL, code) for code in total_hidden}
        if public["total"]["suppressed"]:
            withheld.add((TOTAL, TOTAL))
        assert recomputable(table, withheld) == [], staff
