"""One question by one or two actor attributes: counts and shares per cut, small cells withheld.

Rows are the cuts (a circle, a région, a circle and région pair…), columns the answers. An actor
with several types, clubs or themes is counted in each of its cuts, so those rows overlap: the
table then says so to the suppression (its columns do not add up over the rows) rather than
publishing totals that an attacker could difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from surveys.results.statistics import (
    NUMBER_TYPES,
    SINGLE_CHOICE_TYPES,
    QuestionShape,
    Summary,
    choice_codes,
    counts_table,
    number_figures,
    numbers,
    scale_points,
)
from surveys.results.suppression import (
    TOTAL,
    CountTable,
    Relation,
    check_k,
    grid_table,
    suppress,
)
from surveys.results.tally import Tally, tally_of

#: The actor's attributes, then (satisfaction surveys of the training chain) the training a
#: response follows, its year and its themes.
SINGLE_VALUED = ("circle", "department", "region", "member", "training", "year")
MULTI_VALUED = ("type", "club", "theme", "training_theme")
ATTRIBUTES = SINGLE_VALUED + MULTI_VALUED
MAX_BY = 2

CutKey = tuple[Any, ...]


@dataclass(frozen=True)
class Respondent:
    """One respondent's answer to the question and the attributes of its actor."""

    answer: Any
    attributes: Mapping[str, Any]


class UnknownAttribute(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown attribute {name!r}; use {', '.join(ATTRIBUTES)}")


def check_by(by: Sequence[str]) -> list[str]:
    """One or two known attributes, each once."""
    if not by or len(by) > MAX_BY:
        raise ValueError(f"give one or two attributes, not {len(by)}")
    for name in by:
        if name not in ATTRIBUTES:
            raise UnknownAttribute(name)
    if len(set(by)) != len(by):
        raise ValueError("an attribute is named twice")
    return list(by)


def crosstab_supported(question: QuestionShape) -> bool:
    return (
        question.type in SINGLE_CHOICE_TYPES
        or question.type in NUMBER_TYPES
        or question.type in ("multiple_choice", "scale", "nps")
    )


def crosstab(
    question: QuestionShape,
    respondents: Sequence[Respondent],
    by: Sequence[str],
    *,
    k: int | None,
) -> Summary:
    """Counts (or, for numbers, respondents, mean and median) per cut of ``by``."""
    by = check_by(by)
    answers: dict[CutKey, list[Any]] = {}
    for respondent in respondents:
        for key in cuts_of(respondent.attributes, by):
            answers.setdefault(key, []).append(respondent.answer)
    rows = {key: tally_of(question.type, given) for key, given in answers.items()}
    overall = tally_of(question.type, [r.answer for r in respondents])
    return crosstab_tally(question, overall, rows, by, k=k)


def crosstab_tally(
    question: QuestionShape,
    overall: Tally,
    rows: Mapping[CutKey, Tally],
    by: Sequence[str],
    *,
    k: int | None,
) -> Summary:
    """The crosstab from tallies: the question's (``overall``) and each cut's (``rows``; a
    respondent with several types, clubs or themes is in the tally of each)."""
    by = check_by(by)
    if k is not None:
        check_k(k)
    if not crosstab_supported(question):
        raise ValueError(f"a {question.type} question has no counts to cut")
    keys = sorted(rows, key=_sort_key)
    partition = all(name in SINGLE_VALUED for name in by)
    if question.type in NUMBER_TYPES:
        return _numbers_by_cut(question, overall, rows, keys, by, partition=partition, k=k)
    return _counts_by_cut(question, overall, rows, keys, by, partition=partition, k=k)


def cuts_of(attributes: Mapping[str, Any], by: Sequence[str]) -> list[CutKey]:
    values: list[list[Any]] = []
    for name in by:
        value = attributes.get(name)
        if name in MULTI_VALUED:
            several = sorted(set(value or []), key=str)
            values.append(several or [None])
        else:
            values.append([value])
    return list(product(*values))


def _sort_key(cut: CutKey) -> tuple[tuple[bool, str], ...]:
    return tuple((part is None, str(part)) for part in cut)


def _answer_counts(question: QuestionShape, tally: Tally) -> tuple[Counter[Any], int]:
    """The codes (or points) given in a tally and how many respondents gave one."""
    if question.type == "multiple_choice":
        ticked = Counter({code: sum(v.values()) for code, v in tally.items().items()})
        return ticked, tally.compound if ticked else 0
    given: Counter[Any] = Counter()
    for value, count in tally.answers().items():
        if isinstance(value, str | int) and not isinstance(value, bool):
            given[value] += count
    return given, sum(given.values())


def _columns(question: QuestionShape, given: Mapping[Any, int]) -> list[Any]:
    """The same columns as the question's results (so that their totals are the same cells)."""
    if question.type in ("scale", "nps") or question.is_nps:
        return list(scale_points(question, [a for a in given if isinstance(a, int)]))
    return choice_codes(question, {str(c) for c in given})


def _results_row(question: QuestionShape, overall: Tally, k: int | None) -> dict[Any, bool]:
    """The question's public results as cells of the total row: cell → withheld there."""
    if k is None:
        return {}
    table = counts_table(question, overall)
    withheld = suppress(table, k)
    row: dict[Any, bool] = {}
    for cell in table.values:
        if cell == TOTAL:
            row[(TOTAL, TOTAL)] = cell in withheld
        elif isinstance(cell, tuple):  # an NPS score ("score", v); its groups are not columns
            row[(TOTAL, cell[1])] = cell in withheld
        elif not (question.is_nps and isinstance(cell, str)):
            row[(TOTAL, cell)] = cell in withheld
    return row


def _counts_by_cut(
    question: QuestionShape,
    overall_tally: Tally,
    tallies: Mapping[CutKey, Tally],
    rows: list[CutKey],
    by: list[str],
    *,
    partition: bool,
    k: int | None,
) -> Summary:
    counts: Counter[tuple[CutKey, Any]] = Counter()
    row_sizes: Counter[CutKey] = Counter()
    for key in rows:
        given, size = _answer_counts(question, tallies[key])
        row_sizes[key] = size
        counts.update({(key, code): count for code, count in given.items()})
    overall, answered = _answer_counts(question, overall_tally)
    rows = [row for row in rows if row_sizes[row]]
    columns = _columns(question, overall)
    single_answer = question.type != "multiple_choice"
    table = grid_table(
        counts,
        rows,
        columns,
        row_sizes=row_sizes,
        column_totals=overall,
        grand_size=answered,
        rows_add_up=single_answer,
        columns_add_up=partition,
    )
    withheld = _withheld(table, k, _results_row(question, overall_tally, k))
    return {
        "question": question.code,
        "type": question.type,
        "by": by,
        "columns": columns,
        "rows": [_row(table, withheld, row, columns, by) for row in rows],
        "total": _row(table, withheld, TOTAL, columns, by),
    }


def _withheld(
    table: CountTable, k: int | None, results_row: Mapping[Any, bool]
) -> frozenset[Hashable]:
    if k is None:
        return frozenset()
    in_table = {cell: hidden for cell, hidden in results_row.items() if cell in table.values}
    return suppress(
        table,
        k,
        published=[cell for cell, hidden in in_table.items() if not hidden],
        withheld_elsewhere=[cell for cell, hidden in in_table.items() if hidden],
    )


def _row(
    table: CountTable,
    withheld: frozenset[Hashable],
    row: Any,
    columns: list[Any],
    by: list[str],
) -> Summary:
    size_hidden = (row, TOTAL) in withheld
    size = table.values[(row, TOTAL)]
    cells = []
    for column in columns:
        hidden = (row, column) in withheld or size_hidden
        count = table.values[(row, column)]
        cells.append(
            {
                "code": column,
                "count": None if hidden else count,
                "share": None if hidden or not size else round(count / size, 4),
                "suppressed": hidden,
            }
        )
    out: Summary = {} if row == TOTAL else {"cut": dict(zip(by, row, strict=True))}
    out.update({"respondents": None if size_hidden else size, "suppressed": size_hidden})
    out["cells"] = cells
    return out


def _numbers_by_cut(
    question: QuestionShape,
    overall: Tally,
    tallies: Mapping[CutKey, Tally],
    rows: list[CutKey],
    by: list[str],
    *,
    partition: bool,
    k: int | None,
) -> Summary:
    values_by_row = {row: numbers(tallies[row].answers()) for row in rows}
    everyone = numbers(overall.answers())
    rows = [row for row in rows if values_by_row[row]]
    sizes: dict[Hashable, int] = {(row, TOTAL): sum(values_by_row[row].values()) for row in rows}
    sizes[(TOTAL, TOTAL)] = sum(everyone.values())
    relations = [Relation(tuple((row, TOTAL) for row in rows), (TOTAL, TOTAL))] if partition else []
    table = CountTable(sizes, relations, dict.fromkeys(sizes, ()))
    withheld = frozenset() if k is None else suppress(table, k)

    def figures(cell: Hashable, values: Mapping[float, int]) -> Summary:
        hidden = cell in withheld
        found = number_figures(values)
        return {
            "respondents": None if hidden else sum(values.values()),
            "suppressed": hidden,
            "mean": None if hidden else found["mean"],
            "median": None if hidden else found["median"],
        }

    return {
        "question": question.code,
        "type": question.type,
        "by": by,
        "rows": [
            {"cut": dict(zip(by, row, strict=True)), **figures((row, TOTAL), values_by_row[row])}
            for row in rows
        ],
        "total": figures((TOTAL, TOTAL), everyone),
    }
