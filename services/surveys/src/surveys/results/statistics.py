"""The figures of one question over a set of answers, with small cells withheld.

Pure functions: a question's shape (``QuestionShape``) and the answers of the respondents who
answered it go in, a JSON-ready summary comes out. With ``k`` the summary is the public one:
every count of 1..k-1 respondents and every figure about fewer than ``k`` respondents is
``null`` with ``suppressed: true``, with secondary suppression (see ``suppression``) so that
no withheld count comes back by subtraction, and derived figures (a mean over a distribution
with a withheld cell, an NPS over withheld groups) are withheld with what they derive from.
Without ``k`` (staff) every figure is given, free-text answers included.

The response rate is the one figure here that is not about answers. Its small cell is the
same as everywhere else: a count of *respondents* (submitted responses) from 1 to ``k - 1``.
When the respondents are enough, the other counts it gives (invitations, partial responses)
describe invitees, not what anyone answered, and are published as they are: withholding them
as small cells used to pull the submitted count into secondary suppression
(``submitted: null`` beside ``respondents: 12`` on the same page, a withheld value read off
the next line). When the respondents are too few (``0 < respondents < k``, the test the page
applies to its ``respondents``), the whole rate is withheld — submitted, rate, invited and
partial together: with ``invited`` and ``partial`` shown, ``suppressed: true`` (at least one
respondent) and ``partial = invited - 1`` would give ``submitted = 1`` back, and a cut down to
one invitee would say whether that person answered. Every question's respondents, at most the
submitted count, are withheld on their own.
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
from surveys.results.tally import Tally, Value, tally_of

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
    return summarise_tally(question, tally_of(question.type, answers), k=k)


def summarise_tally(question: QuestionShape, tally: Tally, *, k: int | None) -> Summary:
    """The figures of ``question`` over its answers' tally (as the database counts them)."""
    if k is not None:
        check_k(k)
    summary: Summary = {"code": question.code, "type": question.type}
    summary.update(_summariser(question)(question, tally, k))
    return summary


def response_rate(
    *, invited: int, partial: int, submitted: int, k: int | None, respondents: int | None = None
) -> Summary:
    """Invitations by how far they went, and the share submitted.

    ``respondents`` is the count of respondents the same answer shows (the submitted
    responses when not given): with ``k``, when either is a small cell every figure of the
    rate is withheld (see the module's docstring)."""
    shown = submitted if respondents is None else respondents
    small = k is not None and (_small(submitted, k) or _small(shown, k))
    if small:  # all four: any two of invited, partial and suppressed narrow submitted down
        return {
            "partial": None,
            "submitted": None,
            "invited": None,
            "rate": None,
            "suppressed": True,
        }
    return {
        "partial": partial,
        "submitted": submitted,
        "invited": invited,
        "rate": round(submitted / invited, 4) if invited else None,
        "suppressed": False,
    }


def _small(count: int, k: int) -> bool:
    return 0 < count < check_k(k)


def counts_table(question: QuestionShape, answers: Sequence[Any] | Tally) -> CountTable:
    """The one-way table of counts the question's public figures come from.

    Its cells: choice codes (choice questions), scale points (scales), ``("score", v)`` and the
    three groups (NPS), and ``TOTAL`` (respondents) for every type. Crosstabs fix their total
    row to it so that the two publications agree on what is withheld.
    """
    tally = answers if isinstance(answers, Tally) else tally_of(question.type, answers)
    if question.type in SINGLE_CHOICE_TYPES:
        return _single_choice_table(question, tally.answers())
    if question.type == "multiple_choice":
        return _multiple_choice_table(question, tally)
    if question.is_nps:
        return _nps_table(question, tally)
    if question.type == "scale":
        return _scale_table(question, integers(tally.answers()))
    if question.type in NUMBER_TYPES:
        size = sum(numbers(tally.answers()).values())
    else:
        size = tally.answered
    return CountTable({TOTAL: size}, [], {TOTAL: ()})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers(values: Mapping[Any, int]) -> Counter[float]:
    """The numbers among counted values (as floats)."""
    out: Counter[float] = Counter()
    for value, count in values.items():
        if _is_number(value):
            out[float(value)] += count
    return out


def integers(values: Mapping[Any, int]) -> Counter[int]:
    """The whole numbers among counted values."""
    out: Counter[int] = Counter()
    for value, count in values.items():
        if isinstance(value, int) and not isinstance(value, bool):
            out[value] += count
    return out


def expand(values: Mapping[float, int]) -> list[float]:
    """The sorted list of counted numbers (what a median and quartiles are taken of)."""
    out: list[float] = []
    for value in sorted(values):
        out.extend([value] * values[value])
    return out


Summariser = Callable[[QuestionShape, Tally, int | None], Summary]


def _summariser(question: QuestionShape) -> Summariser:
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


def codes(values: Mapping[Any, int]) -> Counter[str]:
    """The choice codes among counted values."""
    out: Counter[str] = Counter()
    for value, count in values.items():
        code = _as_code(value)
        if code is not None:
            out[code] += count
    return out


def _single_choice_table(question: QuestionShape, values: Mapping[Any, int]) -> CountTable:
    counts = codes(values)
    return one_way_table({code: counts.get(code, 0) for code in choice_codes(question, counts)})


def _single_choice_counts(
    question: QuestionShape, values: Mapping[Any, int], k: int | None
) -> Summary:
    table = _single_choice_table(question, values)
    columns = [c for c in table.values if c != TOTAL]
    withheld = _withheld(table, k)
    return {
        **_respondents(table, withheld),
        "choices": _distribution(table, columns, withheld, "code"),
    }


def _single_choice(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    return _single_choice_counts(question, tally.answers(), k)


def _multiple_choice_table(question: QuestionShape, tally: Tally) -> CountTable:
    counts = Counter({code: sum(v.values()) for code, v in tally.items().items()})
    columns = choice_codes(question, counts)
    # Shares of respondents: the counts add up to more than the respondents, no relation.
    return one_way_table({c: counts.get(c, 0) for c in columns}, size=tally.compound, adds_up=False)


def _multiple_choice(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    table = _multiple_choice_table(question, tally)
    columns = [c for c in table.values if c != TOTAL]
    withheld = _withheld(table, k)
    return {
        **_respondents(table, withheld),
        "choices": _distribution(table, columns, withheld, "code"),
    }


def scale_points(question: QuestionShape, given: Iterable[int]) -> list[int]:
    given = list(given)
    low, high = question.scale or (min(given, default=0), max(given, default=0))
    return list(range(low, high + 1))


def _scale(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    return _scale_summary(question, integers(tally.answers()), k)


def _scale_table(question: QuestionShape, counts: Mapping[int, int]) -> CountTable:
    return one_way_table({v: counts.get(v, 0) for v in scale_points(question, counts)})


def _scale_summary(question: QuestionShape, counts: Mapping[int, int], k: int | None) -> Summary:
    values = scale_points(question, counts)
    table = _scale_table(question, counts)
    withheld = _withheld(table, k)
    size = sum(counts.values())
    # A mean and the published counts would give back two withheld cells (two equations).
    mean = None if withheld or not size else round(sum(v * c for v, c in counts.items()) / size, 3)
    return {
        **_respondents(table, withheld),
        "mean": mean,
        "distribution": _distribution(table, values, withheld, "value"),
    }


NPS_GROUPS = {"detractors": NPS_DETRACTORS, "passives": NPS_PASSIVES, "promoters": NPS_PROMOTERS}


def _nps_counts(tally: Tally) -> Counter[int]:
    return Counter({v: c for v, c in integers(tally.answers()).items() if 0 <= v <= 10})


def _nps_table(question: QuestionShape, tally: Tally) -> CountTable:
    """Scores 0..10 (cells ``("score", v)``) and their three groups, tied both ways to TOTAL."""
    counts = _nps_counts(tally)
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


def _nps(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    given = sum(_nps_counts(tally).values())
    groups = NPS_GROUPS
    table = _nps_table(question, tally)
    values = table.values
    withheld = _withheld(table, k)
    score_parts = {"detractors", "promoters", TOTAL}
    nps = (
        None
        if withheld & score_parts or not given
        else round(100 * (values["promoters"] - values["detractors"]) / given, 1)
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


def number_figures(counts: Mapping[float, int]) -> dict[str, float | None]:
    """Mean, median and quartiles of counted numbers (None when there are none)."""
    given = expand(counts)
    if not given:
        return dict.fromkeys(("mean", "median", "q1", "q3"))
    quartiles = stats.quantiles(given, n=4, method="inclusive") if len(given) > 1 else given * 3
    return {
        "mean": round(stats.fmean(given), 3),
        "median": round(stats.median(given), 3),
        "q1": round(quartiles[0], 3),
        "q3": round(quartiles[2], 3),
    }


def _numbers(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    counts = numbers(tally.answers())
    size = sum(counts.values())
    hidden = k is not None and 0 < size < k
    out: Summary = {"respondents": None if hidden else size, "suppressed": hidden}
    figures: dict[str, float | None] = dict.fromkeys(("mean", "median", "q1", "q3"))
    if size and not hidden:
        figures = number_figures(counts)
        if k is None:  # one respondent's own value: staff only
            figures.update({"min": min(counts), "max": max(counts)})
    return {**out, **figures}


def _matrix(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    per_row: dict[str, Counter[Value]] = {row: Counter() for row in question.rows}
    for row, values in tally.items().items():
        per_row.setdefault(row, Counter()).update(values)
    rows = []
    for row, values in per_row.items():
        if question.scale is not None or not question.choices:
            summary = _scale_summary(question, integers(values), k)
        else:
            summary = _single_choice_counts(question, values, k)
        rows.append({"row": row, **summary})
    respondents = tally.compound
    hidden = k is not None and 0 < respondents < k
    return {
        "respondents": None if hidden else respondents,
        "suppressed": hidden,
        "rows": rows,
    }


def _ranking(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    rankings = tally.compound
    ranks: dict[str, Counter[int]] = {code: Counter() for code in question.choices}
    for code, given in tally.items().items():
        ranks.setdefault(code, Counter()).update(integers(given))
    # Mean ranks are tied to one another (each full ranking sums to the same): all or nothing.
    sizes = [rankings, *(sum(positions.values()) for positions in ranks.values())]
    hidden = k is not None and any(0 < size < k for size in sizes)
    out = []
    for code, ranked in ranks.items():
        ranked_by = sum(ranked.values())
        mean = sum(p * c for p, c in ranked.items()) / ranked_by if ranked_by else None
        out.append(
            {
                "code": code,
                "ranked_by": None if hidden else ranked_by,
                "mean_rank": None if hidden or mean is None else round(mean, 3),
                "suppressed": hidden,
            }
        )
    return {"respondents": None if hidden else rankings, "suppressed": hidden, "choices": out}


def _split(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    splits = tally.compound
    shares = tally.items()
    columns = choice_codes(question, shares)
    # The mean shares add up to 100: one withheld would come back, so all or nothing.
    hidden = k is not None and 0 < splits < k
    means = {
        code: round(sum(v * c for v, c in numbers(shares.get(code, {})).items()) / splits, 3)
        if splits
        else None
        for code in columns
    }
    return {
        "respondents": None if hidden else splits,
        "suppressed": hidden,
        "choices": [
            {"code": code, "mean_share": None if hidden else means[code], "suppressed": hidden}
            for code in columns
        ],
    }


def _answered_only(question: QuestionShape, tally: Tally, k: int | None) -> Summary:
    size = tally.answered
    hidden = k is not None and 0 < size < k
    out: Summary = {"respondents": None if hidden else size, "suppressed": hidden}
    if k is None and question.type in TEXT_TYPES:
        # Free text (staff only), in the order of the words: the table's order follows when
        # responses were written, which an anonymous survey's list must not give away.
        out["answers"] = sorted(tally.texts)
    if k is None and question.type == "date":
        dates = sorted(str(a) for a in tally.answers() if _is_date(a))
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


_SUMMARISERS: dict[str, Summariser] = {
    "matrix": _matrix,
    "ranking": _ranking,
    "split": _split,
}
