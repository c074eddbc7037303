"""Portal search results read into calls: the field shapes SEDIA.md describes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from eu_watch.calls.policies import derive_status
from eu_watch.sedia.errors import UnreadableRecord
from eu_watch.sedia.records import is_faq, read_topic, record_key, safe_text
from eu_watch.testing.fake_portal import FACETS, portal_faq, portal_topic

IDENTIFIER = "HORIZON-CL2-2027-01-TRANSFO-05"


def test_every_field_of_a_topic_is_read_with_labels_from_the_facets() -> None:
    result = portal_topic(
        IDENTIFIER,
        title="Science communication with citizens",
        divisions=["43108557"],
        destination="Innovative Research on Social and Economic Transformations",
        keywords=["Science communication", "Citizen science"],
        priorities=["Citizen engagement"],
        start="2026-05-12",
        deadlines=["2027-09-15"],
        budget_years={"2027": 3_000_000, "2028": 1_500_000},
        other_topics_of_call=["HORIZON-CL2-2027-01-TRANSFO-06"],
    )
    content = read_topic(result, FACETS)
    assert content.identifier == IDENTIFIER
    assert content.call_identifier == "HORIZON-CL2-2027-01-TRANSFO"
    assert content.programme == "Horizon Europe (HORIZON)"
    assert content.programme_parts == (
        "Culture, Creativity and Inclusive Society",
        "Innovative Research on Social and Economic Transformations",
    )
    assert content.type_of_action == "HORIZON Coordination and Support Actions"
    assert content.keywords == ("Science communication", "Citizen science")
    assert content.cross_cutting_priorities == ("Citizen engagement",)
    assert content.opening_date == date(2026, 5, 12)
    # The portal's dates carry no hour: cut-offs are 17:00 Brussels (15:00 UTC in summer).
    assert [d.astimezone(UTC) for d in content.deadlines] == [
        datetime(2027, 9, 15, 15, 0, tzinfo=UTC)
    ]
    # Only this topic's rows of the call's double-encoded budget count.
    assert content.budget.total_eur == 4_500_000
    assert content.budget.min_contribution_eur == 1_000_000
    assert content.budget.max_contribution_eur == 2_000_000
    assert content.budget.expected_grants == 2
    assert (content.url or "").endswith(f"/topic-details/{IDENTIFIER}")
    assert content.funder == "European Commission"
    assert content.source == "sedia"


def test_a_code_without_a_label_is_kept_as_the_portal_gave_it() -> None:
    result = portal_topic(IDENTIFIER, title="T", programme="99999999")
    assert read_topic(result, {}).programme == "99999999"


def test_two_stage_topic_has_both_deadlines_in_order() -> None:
    content = read_topic(
        portal_topic(IDENTIFIER, title="T", deadlines=["2027-09-15", "2027-02-04"]), FACETS
    )
    assert content.deadline_model == "two-stage"
    assert [d.date() for d in sorted(content.deadlines)] == [
        date(2027, 2, 4),
        date(2027, 9, 15),
    ]
    values = content.column_values()
    assert values["deadlines"] == ["2027-02-04T17:00:00+01:00", "2027-09-15T17:00:00+02:00"]


def test_html_description_becomes_safe_text() -> None:
    html = (
        "<p>Expected outcome:</p><ul><li>citizens &amp; researchers</li>"
        '<li onclick="x()">museums</li></ul><script>alert(1)</script><p>Scope&nbsp;: <b>all</b></p>'
    )
    text = safe_text(html)
    assert text == "Expected outcome:\ncitizens & researchers\nmuseums\nScope\xa0: all"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"identifier": []}, "no identifier"),
        ({"deadlineDate": ["15/09/2027"]}, "deadlineDate '15/09/2027' is not a date"),
        ({"startDate": ["soon"]}, "startDate 'soon' is not a date"),
        ({"budgetOverview": ["{not json"]}, "budgetOverview is not JSON"),
        # Dates no call can have: read, then a 500 when announced (the import route) or
        # when stored, for the whole page.
        (
            {"deadlineDate": ["0001-05-05T00:00:00.000+0000"]},
            "deadlineDate '0001-05-05T00:00:00.000+0000' is out of range (2000 to 2100)",
        ),
        ({"startDate": ["9999-01-01"]}, "startDate '9999-01-01' is out of range (2000 to 2100)"),
    ],
)
def test_unreadable_records_say_why(change: dict[str, list[str]], reason: str) -> None:
    result = portal_topic(IDENTIFIER, title="T")
    result["metadata"].update(change)
    with pytest.raises(UnreadableRecord) as caught:
        read_topic(result, FACETS)
    assert caught.value.reason == reason


def test_a_budget_amount_that_is_not_a_number_is_unreadable() -> None:
    result = portal_topic(IDENTIFIER, title="T")
    overview = json.loads(result["metadata"]["budgetOverview"][0])
    overview["budgetTopicActionMap"]["0001"][0]["budgetYearMap"] = {"2027": "four million"}
    result["metadata"]["budgetOverview"] = [json.dumps(overview)]
    with pytest.raises(UnreadableRecord, match="not a number"):
        read_topic(result, FACETS)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        # Both were read, then a 500 (an integer orjson cannot write; an infinite total).
        ({"expectedGrants": 1e30}, "budget expectedGrants 1e+30 is not a number of grants"),
        ({"expectedGrants": 2.5}, "budget expectedGrants 2.5 is not a number of grants"),
        (
            {"budgetYearMap": {"2027": 1e308, "2028": 1e308}},
            "budgetYearMap 1e+308 is not an amount",
        ),
    ],
)
def test_a_budget_beyond_any_call_is_unreadable(row: dict[str, Any], reason: str) -> None:
    result = portal_topic(IDENTIFIER, title="T")
    overview = json.loads(result["metadata"]["budgetOverview"][0])
    overview["budgetTopicActionMap"]["0001"][0].update(row)
    result["metadata"]["budgetOverview"] = [json.dumps(overview)]
    with pytest.raises(UnreadableRecord) as caught:
        read_topic(result, FACETS)
    assert reason in caught.value.reason


def test_faq_records_and_keys() -> None:
    assert is_faq(portal_faq(1))
    assert not is_faq(portal_topic(IDENTIFIER, title="T"))
    assert record_key(portal_topic(IDENTIFIER, title="T")) == IDENTIFIER
    assert record_key(portal_faq(7)) == "FAQ-7"


@pytest.mark.parametrize("metadata", ["x", ["a"], 5])
def test_a_record_whose_metadata_is_no_object_is_unreadable_not_a_crash(metadata: object) -> None:
    """is_faq called .get on it: an AttributeError that failed the whole sync run, and a
    500 at POST /v1/calls/sources/sedia/import, where one unreadable record is counted."""
    result = {"reference": "R-1", "metadata": metadata}
    assert not is_faq(result)
    assert record_key(result) == "R-1"
    with pytest.raises(UnreadableRecord, match="no metadata"):
        read_topic(result, FACETS)


def test_status_comes_from_the_dates_not_the_portal() -> None:
    cut_off = datetime(2027, 9, 15, 15, 0, tzinfo=UTC)
    opening = date(2026, 5, 12)

    def status(now: datetime) -> str:
        return derive_status(opening_date=opening, final_deadline=cut_off, now=now).value

    assert status(datetime(2026, 5, 11, 21, 59, tzinfo=UTC)) == "forthcoming"
    # Midnight in Brussels is 22:00 UTC the day before (summer time).
    assert status(datetime(2026, 5, 11, 22, 0, tzinfo=UTC)) == "open"
    assert status(cut_off) == "open"
    assert status(datetime(2027, 9, 15, 15, 0, 1, tzinfo=UTC)) == "closed"
