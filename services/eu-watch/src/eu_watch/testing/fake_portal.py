"""A local fake of the portal's search API, answering in its documented shape.

It serves ``POST …/rest/search`` and ``POST …/rest/facet`` as the real one does: the body must
be ``multipart/form-data`` whose parts are JSON blobs (plain form fields get a 500, a missing
``text`` a 400), results come by ``pageSize``/``pageNumber`` with ``totalResults``, and every
metadata value is an array (``budgetOverview`` a JSON string inside one). Tests script trouble
on the way: answers to give before the real one for a page (``500``, ``429`` with
``Retry-After``, a body that is not JSON).

Used by the tests, ``bench/eu_watch.py`` and the demo data (which are in this shape).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

SEARCH_PATH = "/search-api/prod/rest/search"
FACET_PATH = "/search-api/prod/rest/facet"
HORIZON = "43108390"
#: The labels the fake's facet endpoint gives (a few of the portal's ~39 groups).
FACETS: dict[str, dict[str, str]] = {
    "frameworkProgramme": {
        HORIZON: "Horizon Europe (HORIZON)",
        "43152860": "Digital Europe Programme (DIGITAL)",
        "43251567": "Creative Europe (CREA)",
        "43353764": "Erasmus+ (ERASMUS+)",
        "44181033": "European Maritime, Fisheries and Aquaculture Fund (EMFAF)",
        "43252405": "Programme for the Environment and Climate Action (LIFE)",
    },
    "programmeDivision": {
        "43108557": "Culture, Creativity and Inclusive Society",
        "43108541": "Health",
        "43108588": "Climate, Energy and Mobility",
        "43108601": "Food, Bioeconomy, Natural Resources, Agriculture and Environment",
        "43108473": "Widening participation and spreading excellence",
        "43108420": "Reforming and Enhancing the European R&I system",
    },
    "status": {"31094501": "Forthcoming", "31094502": "Open For Submission", "31094503": "Closed"},
    "type": {"0": "Tender", "1": "Grant", "2": "Call for proposals", "8": "Cascade funding"},
}


@dataclass
class FakePortal:
    """The fake's state: its records and the trouble it is told to make."""

    results: list[dict[str, Any]] = field(default_factory=list)
    facets: dict[str, dict[str, str]] = field(default_factory=lambda: dict(FACETS))
    #: Page number → answers to give, in order, before the real page ("500", "429", "html").
    trouble: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    facet_trouble: list[str] = field(default_factory=list)
    retry_after: str = "1"
    #: (path, pageNumber or None) of every request, in order.
    requests: list[tuple[str, int | None]] = field(default_factory=list)

    def reset(self, results: Iterable[dict[str, Any]] = ()) -> None:
        self.results = list(results)
        self.facets = dict(FACETS)
        self.trouble = defaultdict(list)
        self.facet_trouble = []
        self.requests = []

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(SEARCH_PATH, self._search, methods=["POST"]),
                Route(FACET_PATH, self._facet, methods=["POST"]),
            ]
        )

    async def _parts(self, request: Request) -> dict[str, Any] | Response:
        if "text" not in request.query_params:
            return JSONResponse({"error": "text is required"}, status_code=400)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return JSONResponse({"error": "multipart/form-data expected"}, status_code=500)
        parts: dict[str, Any] = {}
        async with request.form() as form:
            for name, value in form.multi_items():
                # Plain form fields make the real portal answer 500: only JSON blobs will do.
                if not isinstance(value, UploadFile) or value.content_type != "application/json":
                    return JSONResponse(
                        {"error": f"part {name} is not a JSON blob"}, status_code=500
                    )
                parts[name] = json.loads(await value.read())
        if "query" not in parts:
            return JSONResponse({"error": "no query"}, status_code=500)
        return parts

    @staticmethod
    def _wanted(query: dict[str, Any]) -> dict[str, set[str]]:
        terms: dict[str, set[str]] = {}
        for clause in (query.get("bool") or {}).get("must") or ():
            for name, accepted in (clause.get("terms") or {}).items():
                terms[name] = {str(v) for v in accepted}
        return terms

    def _trouble(self, planned: list[str]) -> Response | None:
        if not planned:
            return None
        kind = planned.pop(0)
        if kind == "429":
            return JSONResponse(
                {"error": "too many requests"},
                status_code=429,
                headers={"Retry-After": self.retry_after},
            )
        if kind == "html":
            return PlainTextResponse("<html>Service Unavailable</html>", status_code=200)
        return JSONResponse({"error": "internal"}, status_code=int(kind))

    async def _search(self, request: Request) -> Response:
        page_number = int(request.query_params.get("pageNumber", "1"))
        page_size = int(request.query_params.get("pageSize", "50"))
        self.requests.append((SEARCH_PATH, page_number))
        parts = await self._parts(request)
        if isinstance(parts, Response):
            return parts
        if (trouble := self._trouble(self.trouble[page_number])) is not None:
            return trouble
        wanted = self._wanted(parts["query"])
        selected = [r for r in self.results if _matches(r, wanted)]
        start = (page_number - 1) * page_size
        return JSONResponse(
            {
                "apiVersion": "2.132",
                "terms": "***",
                "totalResults": len(selected),
                "pageNumber": page_number,
                "pageSize": page_size,
                "sort": parts.get("sort"),
                "results": selected[start : start + page_size],
            }
        )

    async def _facet(self, request: Request) -> Response:
        self.requests.append((FACET_PATH, None))
        parts = await self._parts(request)
        if isinstance(parts, Response):
            return parts
        if (trouble := self._trouble(self.facet_trouble)) is not None:
            return trouble
        return JSONResponse(
            {
                "facets": [
                    {
                        "name": name,
                        "values": [
                            {"rawValue": code, "value": label, "count": 1}
                            for code, label in table.items()
                        ],
                    }
                    for name, table in self.facets.items()
                ]
            }
        )


def _matches(result: dict[str, Any], wanted: dict[str, set[str]]) -> bool:
    metadata = result.get("metadata") or {}
    return all(
        wanted[name] & {str(v) for v in metadata[name]}
        for name in ("type", "status", "programmePeriod")
        if name in wanted and name in metadata
    )


def portal_topic(
    identifier: str,
    *,
    title: str,
    call_identifier: str | None = None,
    call_title: str | None = None,
    programme: str = HORIZON,
    divisions: Sequence[str] = (),
    destination: str | None = None,
    type_of_action: str = "HORIZON Coordination and Support Actions",
    keywords: Sequence[str] = (),
    priorities: Sequence[str] = (),
    start: str | None = "2026-05-12",
    deadlines: Sequence[str] = ("2027-09-15",),
    deadline_model: str | None = None,
    budget_years: dict[str, float] | None = None,
    min_contribution: float | None = 1_000_000,
    max_contribution: float | None = 2_000_000,
    expected_grants: int | None = 2,
    description_html: str = "<p>Expected outcome: citizens take part in research.</p>",
    portal_status: str = "31094502",
    record_type: str = "1",
    datasource: str = "SEDIA",
    other_topics_of_call: Sequence[str] = (),
) -> dict[str, Any]:
    """A search result as the portal gives a grant topic (dates as the portal writes them,
    every metadata value an array, the call's budget double-encoded)."""
    call_id = call_identifier or identifier.rsplit("-", 1)[0]
    model = deadline_model or ("two-stage" if len(deadlines) == 2 else "single-stage")
    rows: dict[str, list[dict[str, Any]]] = {
        "0001": [
            {
                "action": f"{identifier} - {type_of_action}",
                "plannedOpeningDate": start,
                "deadlineModel": model,
                "deadlineDates": list(deadlines),
                "budgetYearMap": budget_years if budget_years is not None else {"2027": 4_000_000},
                "expectedGrants": expected_grants,
                "minContribution": min_contribution,
                "maxContribution": max_contribution,
            }
        ]
    }
    for index, other in enumerate(other_topics_of_call, start=2):
        rows[f"{index:04d}"] = [
            {
                "action": f"{other} - {type_of_action}",
                "budgetYearMap": {"2027": 9_999_999},
                "expectedGrants": 9,
                "minContribution": 1,
                "maxContribution": 99_999_999,
            }
        ]
    metadata: dict[str, Any] = {
        "identifier": [identifier],
        "callIdentifier": [call_id],
        "title": [title],
        "callTitle": [call_title or f"Call {call_id}"],
        "status": [portal_status],
        "type": [record_type],
        "frameworkProgramme": [programme],
        "programmePeriod": ["2021 - 2027"],
        "programmeDivision": list(divisions),
        "typesOfAction": [type_of_action],
        "keywords": list(keywords),
        "crossCuttingPriorities": list(priorities),
        "deadlineDate": [_portal_moment(d) for d in deadlines],
        "deadlineModel": [model],
        "descriptionByte": [description_html],
        "DATASOURCE": [datasource],
        "budgetOverview": [json.dumps({"budgetTopicActionMap": rows})],
        "es_SortDate": [_portal_moment(start or deadlines[0])],
    }
    if start is not None:
        metadata["startDate"] = [_portal_moment(start)]
    if destination:
        metadata["destination"] = [destination]
    return {
        "apiVersion": "2.132",
        "reference": f"{identifier}TopicSearchTablePageState",
        "url": f"https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/{identifier.lower()}.json",
        "title": title,
        "summary": title,
        "content": title,
        "language": "en",
        "database": "SEDIA",
        "checksum": f"{abs(hash((identifier, title))):x}",
        "metadata": metadata,
    }


def portal_faq(number: int) -> dict[str, Any]:
    """A FAQ record, which the search mixes with topics."""
    return {
        "reference": f"FAQ-{number}",
        "url": f"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/support/faq/{number}",
        "summary": "How do I register my organisation?",
        "language": "en",
        "database": "SEDIA",
        "metadata": {
            "DATASOURCE": ["SEDIA_FAQ"],
            "type": ["1"],
            "status": ["31094502"],
            "title": ["How do I register my organisation?"],
        },
    }


def _portal_moment(day: str) -> str:
    """``2027-09-15`` as the portal writes moments: ``2027-09-15T00:00:00.000+0000``."""
    return f"{day}T00:00:00.000+0000" if len(day) == 10 else day
