"""Single-line and multi-line text: what input refuses, and what writers make of the rest."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from contracts.text import ONE_LINE, TEXT, single_line, without_controls

SEPARATORS = ["\n", "\r", "\x0b", "\x0c", "\x1b", "\x85", "\u2028", "\u2029", "\x00", "\t"]


class Sample(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=20), ONE_LINE]
    description: Annotated[str, Field(max_length=50), TEXT] = ""


@pytest.mark.parametrize("character", SEPARATORS)
def test_a_single_line_refuses_control_characters_and_line_separators(character: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Sample(title=f"Fête{character}SUMMARY:x")
    (error,) = refused.value.errors()
    assert error["loc"] == ("title",)
    assert f"U+{ord(character):04X}" in error["msg"]


def test_text_keeps_line_breaks_and_tabs_but_no_other_control() -> None:
    assert Sample(title="a", description="Ligne 1\r\n\tLigne 2").description.endswith("Ligne 2")
    for character in ("\x00", "\x1b", "\x0b", "\x85"):
        with pytest.raises(ValidationError, match=f"U\\+{ord(character):04X}"):
            Sample(title="a", description=f"x{character}y")


def test_length_constraints_keep_their_own_messages_and_the_schema_says_what_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 1 character"):
        Sample(title="")
    schema = Sample.model_json_schema()["properties"]["title"]
    assert schema["maxLength"] == 20
    assert schema["pattern"].startswith("^[^")


def test_writers_make_any_stored_text_safe() -> None:
    assert single_line("a\r\nb\u2028c\x1bd") == "a b cd"
    assert without_controls("a\nb\x00c\x1b") == "a\nbc"
