"""The figures of one question over a set of answers, with small cells withheld.

Pure functions: a question's shape (``QuestionShape``) and the answers of the respondents who
answered it go in, a JSON-ready summary comes out. With ``k`` the summary is the public one:
every count of 1..k-1 respondents and every figure about fewer than ``k`` respondents is
``null`` with ``suppressed: true``, with secondary suppression (see ``suppression``) so that
no withheld count comes back by subtraction, and derived figures (a mean over a distribution
with a withheld cell, an NPS over withheld groups) are withheld with what they derive from.
Without ``k`` (staff) every figure is given, free-text answers included.
"""

from __future__ import annotations

import statistics as stats
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from surveys.results.suppression import (
    TOTAL,
    CountTable,
    Relation,
    check_k,
    one_way_table,
    suppress,
)

Summary = dict[str, Any]

SINGLE_CHOICE_TYPES = frozenset({"single_choice", "dropdown", "yes_no"})
NUMBER_TYPES = frozenset({"integer", "decimal", "percent"})
TEXT_TYPES = frozenset({"short_text", "long_text", "email", "url"})
NPS_DETRACTORS, NPS_PASSIVES, NPS_PROMOTERS = range(7), range(7, 9), range(9, 11)
OTHER = "other"


@dataclass(frozen=True)
class QuestionShape:
    """What the statistics need to know of a question (built from its definition)."""

    code: str
    type: str
    choices: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()  # matrix rows
    scale: tuple[int, int] | None = None  # inclusive bounds of scale, nps and matrix values
    allows_other: bool = False

    nps: bool = False  # a 0-10 scale read as a Net Promoter Score (the nps preset)

    @property
    def is_nps(self) -> bool:
        return self.type == "nps" or (self.type == "scale" and self.nps)

    @property
    def has_figures(self) -> bool:
        return self.type != "note"


def summarise(question: QuestionShape, answers: Sequence[Any], *, k: int | None) -> Summary:
    """The figures of ``question`` over ``answers`` (one per respondent who answered)."""
    if k is not None:
        check_k(k)
    summary: Summary = {"code": question.code, "type": question.type}
    summary.update(_summariser(question)(question, answers, k))
    return summary


def response_rate(*, invited: int, partial: int, submitted: int, k: int | None) -> Summary:
    """Invitations by how far they went, and the share submitted."""
    counts = {"not_started": invited - partial - submitted, "partial": partial}
    counts["submitted"] = submitted
    table = one_way_table(counts)
    withheld = _withheld(table, k)
    out: Summary = {name: _count(table, name, withheld) for name in ("partial", "submitted")}
    out["invited"] = _count(table, TOTAL, withheld)
    out["rate"] = (
        None if withheld & {TOTAL, "submitted"} or not invited else round(submitted / invited, 4)
    )
    out["suppressed"] = bool(withheld)
    return out


def counts_table(question: QuestionShape, answers: Sequence[Any]) -> CountTable:
    """The one-way table of counts the question's public figures come from.

    Its cells: choice codes (choice questions), scale points (scales), ``("score", v)`` and the
    three groups (NPS), and ``TOTAL`` (respondents) for every type. Crosstabs fix their total
    row to it so that the two publications agree on what is withheld.
    """
    if question.type in SINGLE_CHOICE_TYPES:
        return _single_choice_table(question, answers)
    if question.type == "multiple_choice":
        return _multiple_choice_table(question, answers)
    if question.is_nps:
        return _nps_table(question, answers)
    if question.type == "scale":
        return _scale_table(question, _integers(answers))
    if question.type in NUMBER_TYPES:
        size = len([a for a in answers if _is_number(a)])
    else:
        size = len([a for a in answers if a not in (None, "", [])])
    return CountTable({TOTAL: size}, [], {TOTAL: ()})


def public_withheld(question: QuestionShape, answers: Sequence[Any], k: int) -> frozenset[Hashable]:
    """The cells of :func:`counts_table` that the public results withhold."""
    return suppress(counts_table(question, answers), check_k(k))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _summariser(
    question: QuestionShape,
) -> Callable[[QuestionShape, Sequence[Any], int | None], Summary]:
    if question.type in SINGLE_CHOICE_TYPES:
        return _single_choice
    if question.type == "multiple_choice":
        return _multiple_choice
    if question.is_nps:
        return _nps
    if question.type == "scale":
        return _scale
    if question.type in NUMBER_TYPES:
        return _numbers
    return _SUMMARISERS.get(question.type, _answered_only)


def _withheld(table: CountTable, k: int | None) -> frozenset[Hashable]:
    return frozenset() if k is None else suppress(table, k)


def _count(table: CountTable, cell: Hashable, withheld: frozenset[Hashable]) -> int | None:
    return None if cell in withheld else table.values[cell]


def _respondents(table: CountTable, withheld: frozenset[Hashable]) -> Summary:
    return {"respondents": _count(table, TOTAL, withheld), "suppressed": TOTAL in withheld}


def _distribution(
    table: CountTable, keys: Iterable[Hashable], withheld: frozenset[Hashable], label: str
) -> list[Summary]:
    size = table.values[TOTAL]
    out = []
    for key in keys:
        hidden = key in withheld or TOTAL in withheld
        count = table.values[key]
        out.append(
            {
                label: key,
                "count": None if hidden else count,
                "share": None if hidden or not size else round(count / size, 4),
                "suppressed": hidden,
            }
        )
    return out


def choice_codes(question: QuestionShape, seen: Iterable[str]) -> list[str]:
    codes = list(question.choices)
    if question.allows_other and OTHER not in codes:
        codes.append(OTHER)
    codes.extend(sorted({c for c in seen if c not in codes}))  # answers to retired choices
    return codes


def _as_code(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else None


def _single_choice_table(question: QuestionShape, answers: Sequence[Any]) -> CountTable:
    counts = Counter(code for code in map(_as_code, answers) if code is not None)
    return one_way_table({code: counts.get(code, 0) for code in choice_codes(question, counts)})


def _single_choice(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    table = _single_choice_table(question, answers)
    codes = [c for c in table.values if c != TOTAL]
    withheld = _withheld(table, k)
    return {
        **_respondents(table, withheld),
        "choices": _distribution(table, codes, withheld, "code"),
    }


def _multiple_choice_table(question: QuestionShape, answers: Sequence[Any]) -> CountTable:
    ticked = [
        {c for c in answer if isinstance(c, str)} for answer in answers if isinstance(answer, list)
    ]
    counts = Counter(code for answer in ticked for code in answer)
    codes = choice_codes(question, counts)
    # Shares of respondents: the counts add up to more than the respondents, no relation.
    return one_way_table({c: counts.get(c, 0) for c in codes}, size=len(ticked), adds_up=False)


def _multiple_choice(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    table = _multiple_choice_table(question, answers)
    codes = [c for c in table.values if c != TOTAL]
    withheld = _withheld(table, k)
    return {
        **_respondents(table, withheld),
        "choices": _distribution(table, codes, withheld, "code"),
    }


def scale_points(question: QuestionShape, given: Iterable[int]) -> list[int]:
    low, high = question.scale or (min(given, default=0), max(given, default=0))
    return list(range(low, high + 1))


def _integers(answers: Iterable[Any]) -> list[int]:
    return [a for a in answers if isinstance(a, int) and not isinstance(a, bool)]


def _scale(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    given = _integers(answers)
    return _scale_summary(question, given, k)


def _scale_table(question: QuestionShape, given: list[int]) -> CountTable:
    counts = Counter(given)
    return one_way_table({v: counts.get(v, 0) for v in scale_points(question, given)})


def _scale_summary(question: QuestionShape, given: list[int], k: int | None) -> Summary:
    values = scale_points(question, given)
    table = _scale_table(question, given)
    withheld = _withheld(table, k)
    # A mean and the published counts would give back two withheld cells (two equations).
    mean = None if withheld or not given else round(stats.fmean(given), 3)
    return {
        **_respondents(table, withheld),
        "mean": mean,
        "distribution": _distribution(table, values, withheld, "value"),
    }


NPS_GROUPS = {"detractors": NPS_DETRACTORS, "passives": NPS_PASSIVES, "promoters": NPS_PROMOTERS}


def _nps_answers(answers: Sequence[Any]) -> list[int]:
    return [a for a in _integers(answers) if 0 <= a <= 10]


def _nps_table(question: QuestionShape, answers: Sequence[Any]) -> CountTable:
    """Scores 0..10 (cells ``("score", v)``) and their three groups, tied both ways to TOTAL."""
    counts = Counter(_nps_answers(answers))
    groups = NPS_GROUPS
    values: dict[Hashable, int] = {("score", v): counts.get(v, 0) for v in range(11)}
    values.update({name: sum(counts.get(v, 0) for v in span) for name, span in groups.items()})
    values[TOTAL] = sum(counts.values())
    relations = [Relation(tuple(("score", v) for v in range(11)), TOTAL)]
    relations += [
        Relation(tuple(("score", v) for v in span), name) for name, span in groups.items()
    ]
    relations.append(Relation(tuple(groups), TOTAL))
    return CountTable(values, relations, {TOTAL: tuple(c for c in values if c != TOTAL)})


def _nps(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    given = _nps_answers(answers)
    groups = NPS_GROUPS
    table = _nps_table(question, answers)
    values = table.values
    withheld = _withheld(table, k)
    score_parts = {"detractors", "promoters", TOTAL}
    nps = (
        None
        if withheld & score_parts or not given
        else round(100 * (values["promoters"] - values["detractors"]) / len(given), 1)
    )
    return {
        **_respondents(table, withheld),
        "nps": nps,
        "groups": _distribution(table, groups, withheld, "group"),
        "distribution": [
            {**item, "value": item["value"][1]}
            for item in _distribution(table, [("score", v) for v in range(11)], withheld, "value")
        ],
    }


def _numbers(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    given = sorted(float(a) for a in answers if _is_number(a))
    hidden = k is not None and 0 < len(given) < k
    out: Summary = {"respondents": None if hidden else len(given), "suppressed": hidden}
    figures: dict[str, float | None] = dict.fromkeys(("mean", "median", "q1", "q3"))
    if given and not hidden:
        quartiles = stats.quantiles(given, n=4, method="inclusive") if len(given) > 1 else given * 3
        figures = {
            "mean": round(stats.fmean(given), 3),
            "median": round(stats.median(given), 3),
            "q1": round(quartiles[0], 3),
            "q3": round(quartiles[2], 3),
        }
        if k is None:  # one respondent's own value: staff only
            figures.update({"min": given[0], "max": given[-1]})
    return {**out, **figures}


def _matrix(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    per_row: dict[str, list[Any]] = {row: [] for row in question.rows}
    for answer in answers:
        if isinstance(answer, Mapping):
            for row, value in answer.items():
                per_row.setdefault(str(row), []).append(value)
    rows = []
    for row, values in per_row.items():
        if question.scale is not None or not question.choices:
            summary = _scale_summary(question, _integers(values), k)
        else:
            summary = _single_choice(question, values, k)
        rows.append({"row": row, **summary})
    respondents = len([a for a in answers if isinstance(a, Mapping)])
    hidden = k is not None and 0 < respondents < k
    return {
        "respondents": None if hidden else respondents,
        "suppressed": hidden,
        "rows": rows,
    }


def _ranking(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    rankings = [a for a in answers if isinstance(a, list)]
    ranks: dict[str, list[int]] = {code: [] for code in question.choices}
    for ranking in rankings:
        for position, code in enumerate(ranking, start=1):
            if isinstance(code, str):
                ranks.setdefault(code, []).append(position)
    # Mean ranks are tied to one another (each full ranking sums to the same): all or nothing.
    sizes = [len(rankings), *(len(positions) for positions in ranks.values())]
    hidden = k is not None and any(0 < size < k for size in sizes)
    return {
        "respondents": None if hidden else len(rankings),
        "suppressed": hidden,
        "choices": [
            {
                "code": code,
                "ranked_by": None if hidden else len(positions),
                "mean_rank": None if hidden or not positions else round(stats.fmean(positions), 3),
                "suppressed": hidden,
            }
            for code, positions in ranks.items()
        ],
    }


def _split(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    splits = [a for a in answers if isinstance(a, Mapping)]
    codes = choice_codes(question, (str(c) for s in splits for c in s))
    # The mean shares add up to 100: one withheld would come back, so all or nothing.
    hidden = k is not None and 0 < len(splits) < k
    means = {
        code: round(stats.fmean(_share(s.get(code)) for s in splits), 3) if splits else None
        for code in codes
    }
    return {
        "respondents": None if hidden else len(splits),
        "suppressed": hidden,
        "choices": [
            {"code": code, "mean_share": None if hidden else means[code], "suppressed": hidden}
            for code in codes
        ],
    }


def _share(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _answered_only(question: QuestionShape, answers: Sequence[Any], k: int | None) -> Summary:
    given = [a for a in answers if a not in (None, "", [])]
    hidden = k is not None and 0 < len(given) < k
    out: Summary = {"respondents": None if hidden else len(given), "suppressed": hidden}
    if k is None and question.type in TEXT_TYPES:
        # Free text (staff only), in the order of the words: the table's order follows when
        # responses were written, which an anonymous survey's list must not give away.
        out["answers"] = sorted(str(a) for a in given)
    if k is None and question.type == "date":
        dates = sorted(str(a) for a in given if _is_date(a))
        out.update(
            {"earliest": dates[0] if dates else None, "latest": dates[-1] if dates else None}
        )
    return out


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


_SUMMARISERS: dict[str, Callable[[QuestionShape, Sequence[Any], int | None], Summary]] = {
    "matrix": _matrix,
    "ranking": _ranking,
    "split": _split,
}
