"""An indicator's series as CSV (UTF-8 with BOM and ``;``, for Excel, as the responses'
export): one row per wave, then one per cut of it when asked ``by`` one."""

from __future__ import annotations

import csv
import io
from typing import Any

from kit.spreadsheets import neutralise
from surveys.indicators.schemas import IndicatorValues


def series_csv(values: IndicatorValues, *, by: str | None) -> bytes:
    """The CSV of ``values``; formula-like cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["wave", by or "cut", "value", "unit", "respondents", "suppressed"])
    for wave in values.waves:
        rows: list[dict[str, Any]] = [
            {
                "cut": "",
                "value": wave.value,
                "respondents": wave.respondents,
                "suppressed": wave.suppressed,
            }
        ]
        rows += [{**cut, "cut": cut["cut"]} for cut in wave.cuts or []]
        for row in rows:
            writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        wave.wave,
                        "" if row["cut"] is None else row["cut"],
                        "" if row["value"] is None else row["value"],
                        values.unit or "",
                        "" if row["respondents"] is None else row["respondents"],
                        "yes" if row["suppressed"] else "no",
                    )
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode()
