"""An indicator's value in one wave, overall and per cut, derived from published figures only.

The value is computed from the same tables the question's results and crosstab publish, with
the same cells withheld, so the indicator never says more than they do: a share of respondents
giving one of ``answers`` is published only when the withheld cells of its row lie all inside
or all outside ``answers`` (otherwise the share would give a withheld count back), a mean or an
NPS only when the figures it derives from are published.
"""

from __future__ import annotations

import statistics as stats
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from surveys.results.crosstab import Respondent, crosstab_tally, cuts_of
from surveys.results.statistics import (
    NPS_DETRACTORS,
    NPS_PROMOTERS,
    NUMBER_TYPES,
    SINGLE_CHOICE_TYPES,
    QuestionShape,
    Summary,
    expand,
    integers,
    summarise_tally,
)
from surveys.results.suppression import TOTAL
from surveys.results.tally import Tally, tally_of

MeasureKind = Literal["share", "mean", "median", "nps"]
MEASURES: tuple[MeasureKind, ...] = ("share", "mean", "median", "nps")
#: What each measure can be taken of.
SHARE_TYPES = SINGLE_CHOICE_TYPES | {"multiple_choice", "scale"}
AVERAGE_TYPES = NUMBER_TYPES | {"scale"}


@dataclass(frozen=True)
class Measure:
    kind: MeasureKind
    answers: tuple[Any, ...] = ()


def misfit(measure: Measure, question: QuestionShape) -> str | None:
    """Why ``measure`` cannot be taken of ``question`` (None when it can)."""
    kind, qtype = measure.kind, question.type
    if kind == "share":
        return _share_misfit(measure, question)
    if measure.answers:
        return f"answers are for a share, not a {kind}"
    if kind == "nps" and not question.is_nps:
        return f"an NPS is of a 0-10 scale with the nps preset, not of a {qtype} question"
    if kind in ("mean", "median") and qtype not in AVERAGE_TYPES:
        return f"a {kind} is of numbers or a scale, not of a {qtype} question"
    return None


def _share_misfit(measure: Measure, question: QuestionShape) -> str | None:
    if question.type not in SHARE_TYPES:
        return f"a share is of choices or scale points, not of a {question.type} question"
    if not measure.answers:
        return "a share names the answers it counts"
    known = _known_answers(question)
    unknown = [a for a in measure.answers if known is not None and a not in known]
    if unknown:
        return f"answers not in question {question.code}: {', '.join(map(str, unknown))}"
    return None


def _known_answers(question: QuestionShape) -> set[Any] | None:
    if question.type == "scale":
        return set(range(question.scale[0], question.scale[1] + 1)) if question.scale else None
    if question.type == "yes_no":
        return {"yes", "no"}
    return set(question.choices) | ({"other"} if question.allows_other else set())


def wave_value(
    measure: Measure,
    question: QuestionShape,
    respondents: Sequence[Respondent],
    *,
    by: str | None,
    k: int | None,
) -> Summary:
    """The measure over one wave's respondents: overall, and per cut of ``by`` if given."""
    answered = [r for r in respondents if _answered(r.answer)]
    overall = tally_of(question.type, [r.answer for r in answered])
    wanted = set(measure.answers)
    matched = Counter(
        key
        for r in answered
        if isinstance(r.answer, list) and wanted.intersection(r.answer)
        for key in (
            [TOTAL] if by is None else [TOTAL, *(c[0] for c in cuts_of(r.attributes, [by]))]
        )
    )
    rows: dict[Any, Tally] | None = None
    if by is not None:
        per_cut: dict[Any, list[Any]] = {}
        for r in answered:
            for (cut,) in cuts_of(r.attributes, [by]):
                per_cut.setdefault(cut, []).append(r.answer)
        rows = {cut: tally_of(question.type, given) for cut, given in per_cut.items()}
    return wave_value_tally(measure, question, overall, rows, by=by, k=k, matched=matched)


def wave_value_tally(
    measure: Measure,
    question: QuestionShape,
    overall: Tally,
    rows: Mapping[Any, Tally] | None,
    *,
    by: str | None,
    k: int | None,
    matched: Mapping[Any, int],
) -> Summary:
    """The measure from tallies: the wave's (``overall``) and, with ``by``, each cut's.

    ``matched``: for a share of a multiple choice, the respondents who ticked at least one of
    the answers, overall (key ``TOTAL``) and per cut value.
    """
    summary = summarise_tally(question, overall, k=k)
    out: Summary = {**_from_summary(measure, question, summary, overall, matched.get(TOTAL, 0), k)}
    if by is not None and rows is not None:
        table = crosstab_tally(question, overall, {(cut,): t for cut, t in rows.items()}, [by], k=k)
        out["cuts"] = [
            {
                "cut": row["cut"][by],
                **_from_row(
                    measure, question, row, rows[row["cut"][by]], matched.get(row["cut"][by], 0), k
                ),
            }
            for row in table["rows"]
        ]
    return out


def _answered(answer: Any) -> bool:
    return answer not in (None, "", [], {})


def _figure(value: float | None, respondents: int | None, suppressed: bool) -> Summary:
    rounded = None if value is None else round(value, 1)
    return {"value": rounded, "respondents": respondents, "suppressed": suppressed}


def _from_summary(
    measure: Measure,
    question: QuestionShape,
    summary: Summary,
    tally: Tally,
    matched: int,
    k: int | None,
) -> Summary:
    size = summary["respondents"]
    if size is None:
        return _figure(None, None, True)
    if measure.kind == "share":
        items = summary.get("choices") or summary.get("distribution") or []
        cells = {item.get("code", item.get("value")): item for item in items}
        return _share(measure, question, cells, size, matched, k)
    if measure.kind == "nps":
        return _figure(summary.get("nps"), size, summary.get("nps") is None)
    if question.type in NUMBER_TYPES:
        value = summary.get(measure.kind)
        return _figure(value, size, value is None)
    # A scale: its mean and median only when no point of its distribution is withheld.
    if any(item["suppressed"] for item in summary.get("distribution", [])):
        return _figure(None, size, True)
    return _figure(_average(measure.kind, integers(tally.answers())), size, False)


def _from_row(
    measure: Measure,
    question: QuestionShape,
    row: Summary,
    tally: Tally,
    matched: int,
    k: int | None,
) -> Summary:
    size = row["respondents"]
    if size is None:
        return _figure(None, None, True)
    if question.type in NUMBER_TYPES:
        value = row.get(measure.kind)
        return _figure(value, size, value is None)
    cells = {cell["code"]: cell for cell in row["cells"]}
    if measure.kind == "share":
        return _share(measure, question, cells, size, matched, k)
    if any(cell["suppressed"] for cell in cells.values()):
        return _figure(None, size, True)
    if measure.kind == "nps":
        counts = {v: cells[v]["count"] for v in range(11) if v in cells}
        promoters = sum(counts.get(v, 0) for v in NPS_PROMOTERS)
        detractors = sum(counts.get(v, 0) for v in NPS_DETRACTORS)
        return _figure(100 * (promoters - detractors) / size, size, False)
    return _figure(_average(measure.kind, integers(tally.answers())), size, False)


def _average(kind: str, given: Mapping[int, int]) -> float | None:
    size = sum(given.values())
    if not size:
        return None
    if kind == "mean":
        return sum(v * c for v, c in given.items()) / size
    return float(stats.median(expand({float(v): c for v, c in given.items()})))


def _share(
    measure: Measure,
    question: QuestionShape,
    cells: Mapping[Any, Summary],
    size: int,
    ticked: int,
    k: int | None,
) -> Summary:
    wanted = set(measure.answers)
    if question.type == "multiple_choice":
        matched = ticked  # respondents who ticked at least one of them
        leaks = any(cells[c]["suppressed"] for c in wanted if c in cells)
    else:
        matched = sum(cells[c]["count"] or 0 for c in wanted if c in cells)
        hidden = {c for c, cell in cells.items() if cell["suppressed"]}
        leaks = bool(hidden & wanted) and bool(hidden - wanted)
        if hidden & wanted and not leaks:
            matched = size - sum(cell["count"] or 0 for c, cell in cells.items() if c not in wanted)
    small = k is not None and 0 < matched < k
    if leaks or small or not size:
        return _figure(None, size, True)
    return _figure(100 * matched / size, size, False)
