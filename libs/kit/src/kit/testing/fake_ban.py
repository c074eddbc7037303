"""A local fake of the national address base's API (api-adresse.data.gouv.fr), answering in
its documented shape, served on a free port so the real httpx client of kit.geocoding runs.

- ``GET /search/?q=…&limit=&citycode=&postcode=``: a GeoJSON ``FeatureCollection`` whose
  features have ``geometry: {"type": "Point", "coordinates": [lon, lat]}`` and ``properties``
  ``label``, ``score``, ``type``, ``citycode``, ``postcode``, ``city``, ``id``…; no match: an
  empty ``features``; no ``q``: a 400.
- ``POST /search/csv/``: ``multipart/form-data`` with the CSV in ``data``, the columns to
  read in ``columns`` (repeated) and filters naming columns (``citycode=<column>``); the
  answer is the CSV with ``latitude``, ``longitude``, ``result_label``, ``result_score``,
  ``result_type``, ``result_id``, ``result_housenumber``, ``result_citycode`` appended
  (empty for a row without a match).

Tests register addresses (the words of the street, lower case) with their answer, and may
make it fail (``down``: every call a 503).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CSV_RESULT_COLUMNS = (
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_citycode",
)


@dataclass(frozen=True)
class BanAnswer:
    lat: float
    lon: float
    type: str  # housenumber, street, locality, municipality
    citycode: str
    score: float = 0.9
    label: str = ""


@dataclass
class FakeBan:
    #: Words a query must contain (lower case) → the answer.
    answers: dict[str, BanAnswer] = field(default_factory=dict)
    down: bool = False
    #: (path, q or number of rows) of every call, in order.
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/search/", self._search, methods=["GET"]),
                Route("/search/csv/", self._search_csv, methods=["POST"]),
            ]
        )

    def _find(self, text: str, citycode: str | None) -> BanAnswer | None:
        lowered = text.lower()
        for words, answer in self.answers.items():
            if words in lowered and (not citycode or citycode == answer.citycode):
                return answer
        return None

    async def _search(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        self.calls.append(("/search/", q))
        if self.down:
            return JSONResponse({"code": 503, "message": "unavailable"}, status_code=503)
        if len(q.strip()) < 3:
            return JSONResponse(
                {"code": 400, "detail": ["q: must contain between 3 and 200 chars"]},
                status_code=400,
            )
        answer = self._find(q, request.query_params.get("citycode"))
        features = []
        if answer is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [answer.lon, answer.lat]},
                    "properties": {
                        "label": answer.label or q,
                        "score": answer.score,
                        "type": answer.type,
                        "citycode": answer.citycode,
                        "id": f"{answer.citycode}_fake",
                        "name": q,
                        "postcode": "",
                        "city": "",
                        "context": "",
                        "importance": 0.5,
                    },
                }
            )
        return JSONResponse(
            {
                "type": "FeatureCollection",
                "version": "draft",
                "features": features,
                "attribution": "BAN",
                "licence": "ETALAB-2.0",
                "query": q,
                "limit": int(request.query_params.get("limit", "5")),
            }
        )

    async def _search_csv(self, request: Request) -> Response:
        if self.down:
            return JSONResponse({"code": 503, "message": "unavailable"}, status_code=503)
        async with request.form() as form:
            data = form.get("data")
            if not isinstance(data, UploadFile):
                return JSONResponse({"code": 400, "message": "Missing file"}, status_code=400)
            content = (await data.read()).decode("utf-8-sig")
            columns = [str(c) for c in form.getlist("columns")]
            citycode_column = form.get("citycode")
        reader = csv.DictReader(io.StringIO(content))
        fieldnames = list(reader.fieldnames or [])
        for column in columns:
            if column not in fieldnames:
                message = f"Cannot found column '{column}' in columns {fieldnames}"
                return JSONResponse({"code": 400, "message": message}, status_code=400)
        out = io.StringIO()
        writer = csv.DictWriter(out, [*fieldnames, *CSV_RESULT_COLUMNS])
        writer.writeheader()
        rows = list(reader)
        self.calls.append(("/search/csv/", len(rows)))
        for row in rows:
            text = " ".join(row.get(c) or "" for c in (columns or fieldnames))
            citycode = row.get(str(citycode_column)) if citycode_column else None
            answer = self._find(text, citycode or None)
            if answer is not None:
                row |= {
                    "latitude": answer.lat,
                    "longitude": answer.lon,
                    "result_label": answer.label or text,
                    "result_score": answer.score,
                    "result_type": answer.type,
                    "result_id": f"{answer.citycode}_fake",
                    "result_housenumber": "",
                    "result_citycode": answer.citycode,
                }
            writer.writerow(row)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
